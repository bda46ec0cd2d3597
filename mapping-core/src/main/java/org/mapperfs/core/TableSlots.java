package org.mapperfs.core;

import java.io.IOException;

/**
 * A device's two table slots and its suspend state: the state machine dmsetup's verbs drive. The
 * live table serves I/O behind the device's {@link IoGate}; a load fills the inactive slot; a
 * suspend closes the gate once the I/O in flight has drained, and flushes; a resume swaps the
 * inactive table in and opens the gate again.
 *
 * <p>Separate from {@link MappedDevice}, which is the device as clients and upper tables see it
 * (its name, I/O through the gate, open count, events and statistics): the device reads
 * {@link #live()} on every I/O after passing the gate, and its control operations are the
 * transitions here.
 *
 * <p>Locking: every transition runs holding the device's {@code control} lock, taken by the
 * caller; nothing here locks. {@code live} and {@code suspended} are volatile for the I/O path
 * and {@link MappedDevice#isSuspended()}.
 */
final class TableSlots {
    /** Set while a suspend flushes on this thread; see {@link MappedDevice#flush()}. */
    private static final ThreadLocal<Boolean> SUSPEND_FLUSH = ThreadLocal.withInitial(() -> false);

    private final IoGate gate;
    /** Read by every I/O after it passes the gate; replaced only while the gate is closed. */
    private volatile Table live;
    /** Guarded by the device's {@code control} lock. */
    private Table inactive;
    private volatile boolean suspended;

    TableSlots(Table live, IoGate gate) {
        this.live = live;
        this.gate = gate;
    }

    /** Whether the calling thread is inside a suspend's flush (of this device or one above). */
    static boolean inSuspendFlush() {
        return SUSPEND_FLUSH.get();
    }

    Table live() {
        return live;
    }

    /** The inactive table, or null; read holding the device's {@code control} lock. */
    Table inactive() {
        return inactive;
    }

    boolean isSuspended() {
        return suspended;
    }

    /**
     * Closes the gate (waits for in-flight I/O), then flushes if {@code flush} is set: the targets
     * and the backing files under them, and lower devices that are not suspended themselves.
     * Returns false, with the device running as before, if the caller gave up (see
     * {@link Interrupts}) while I/O in flight drained, or while a target's own I/O (a resync, a
     * merge) stopped.
     */
    boolean suspend(boolean flush) throws IOException {
        if (!suspended) {
            if (!live.presuspend() || !gate.closeOrGiveUp(Interrupts::requested)) {
                live.resume();
                return false;
            }
            suspended = true;
        }
        if (flush) {
            SUSPEND_FLUSH.set(true);
            try {
                live.flush();
            } finally {
                SUSPEND_FLUSH.remove();
            }
        }
        return true;
    }

    /**
     * Swaps in the inactive table if there is one, then reopens the gate. As in device-mapper,
     * the old table is closed and the new one resumed before any I/O reaches it: a mirror's log,
     * for one, is marked in use by the new table's resume before a write can land on a leg.
     *
     * @return whether a table was swapped in (the device then raises its event)
     */
    boolean resume() {
        Table old = null;
        if (inactive != null) {
            if (!suspended) {
                live.presuspend();
                gate.close();
                suspended = true;
            }
            old = live;
            live = inactive;
            inactive = null;
        }
        if (old != null) {
            old.close();
        }
        live.resume();
        suspended = false;
        gate.open();
        return old != null;
    }

    /** Reopens the gate without swapping tables: undoes a suspend whose flush failed. */
    void cancelSuspend() {
        live.resume();
        suspended = false;
        gate.open();
    }

    /** Puts {@code table} in the inactive slot, closing any table it replaces. */
    void load(Table table) {
        if (inactive != null) {
            inactive.close();
        }
        inactive = table;
    }

    boolean clear() {
        if (inactive == null) {
            return false;
        }
        inactive.close();
        inactive = null;
        return true;
    }

    /**
     * Lets waiting I/O through (the device, marked removed first, fails it), drains what is in
     * flight, and closes both tables.
     */
    void close() {
        if (!suspended) {
            live.presuspend();
        }
        gate.open();
        gate.close();
        // Open again: I/O that comes later (a stale handle, a forced remove) must fail on
        // `removed`, not wait forever at a gate nobody will open.
        gate.open();
        suspended = false;
        clear();
        live.close();
    }
}
