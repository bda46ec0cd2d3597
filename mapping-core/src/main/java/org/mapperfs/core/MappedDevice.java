package org.mapperfs.core;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A named virtual block device: a live table, an optional inactive one, a suspend gate, an
 * event counter, an open count and I/O statistics. I/O goes through the gate to the live table;
 * control operations come from {@link Mapper}, serialized by {@link #control}.
 *
 * <p>Made by {@link Mapper#create}, never directly. As a {@link BlockDevice} it is what a client
 * reads and writes, and what a table that stacks on it gets as a lower device. I/O is
 * thread-safe; while the device is suspended it waits at the gate until the resume, and once
 * the device is removed it fails with an {@link IOException}. Offsets and lengths are bytes.
 */
public final class MappedDevice implements BlockDevice {
    private volatile String name;
    private final String uuid;
    private volatile boolean removed;
    /** Set with {@code removed} by {@link #abandon()}, for the message. */
    private volatile boolean abandoned;
    private final IoGate gate = new IoGate();
    /** The live and inactive tables and the suspend state; changed holding {@link #control}. */
    private final TableSlots slots;
    private final EventCounter events = new EventCounter();
    private final AtomicInteger openCount = new AtomicInteger();
    private final IoStats stats = new IoStats();
    /** Serializes control operations on this device (suspend, resume, load, clear, remove). */
    final Object control = new Object();

    MappedDevice(String name, String uuid, Table live) {
        this.name = name;
        this.uuid = uuid;
        this.slots = new TableSlots(live, gate);
    }

    /**
     * The device's current name.
     *
     * @return the name; changes on {@link Mapper#rename}
     */
    @Override
    public String name() {
        return name;
    }

    /**
     * The device's UUID as dm has it (set at create, never changed), or "" if it has none.
     *
     * @return the UUID, or ""
     */
    public String uuid() {
        return uuid;
    }

    void rename(String newName) {
        this.name = newName;
    }

    /**
     * The live table's size, which a resume that swaps in a table of another size changes.
     *
     * @return the size in bytes
     */
    @Override
    public long size() {
        return slots.live().size();
    }

    /**
     * The table that serves I/O now. It is replaced, and closed, when a resume swaps in the
     * inactive table, so a caller should not keep it.
     *
     * @return the live table
     */
    public Table liveTable() {
        return slots.live();
    }

    /**
     * The table loaded by {@link Mapper#load} and not yet swapped in by {@link Mapper#resume}.
     *
     * @return the inactive table, or empty if none is loaded
     */
    public Optional<Table> inactiveTable() {
        synchronized (control) {
            return Optional.ofNullable(slots.inactive());
        }
    }

    /**
     * Whether the device is suspended: I/O waits at its gate until it resumes.
     *
     * @return true between a suspend and the next resume
     */
    public boolean isSuspended() {
        return slots.isSuspended();
    }

    /**
     * Reads through the live table, counted in the statistics; waits while the device is
     * suspended.
     *
     * @param dst the buffer to fill from its position to its limit
     * @param offset byte offset on the device
     * @throws IOException if the range is outside the device, a target failed, or the device
     *     has been removed
     */
    @Override
    public void read(ByteBuffer dst, long offset) throws IOException {
        int n = dst.remaining();
        long started = stats.start();
        boolean ok = false;
        gate.enter();
        try {
            checkNotRemoved();
            slots.live().read(dst, offset);
            ok = true;
        } finally {
            gate.exit();
            stats.end(IoStats.Kind.READ, n, started, ok);
        }
    }

    /**
     * Hands a read to {@code sink} as one range of a backing file where the live table maps it
     * onto one (see {@link BlockDevice#readRange}), counted in the statistics when it does;
     * waits while the device is suspended, like {@link #read}.
     *
     * @return whether {@code sink} took the bytes; if not, nothing was done or counted
     * @throws IOException if the range is outside the device, the sink failed, or the device
     *     has been removed
     */
    @Override
    public boolean readRange(long offset, int length, FileRangeSink sink) throws IOException {
        long started = stats.start();
        boolean taken = false;
        boolean ok = false;
        gate.enter();
        try {
            checkNotRemoved();
            taken = slots.live().readRange(offset, length, sink);
            ok = true;
            return taken;
        } finally {
            gate.exit();
            if (taken || !ok) {
                stats.end(IoStats.Kind.READ, length, started, ok);
            } else {
                stats.withdraw();
            }
        }
    }

    /**
     * Writes through the live table, counted in the statistics; waits while the device is
     * suspended.
     *
     * @param src the bytes from its position to its limit
     * @param offset byte offset on the device
     * @throws IOException if the range is outside the device, a target failed, or the device
     *     has been removed
     */
    @Override
    public void write(ByteBuffer src, long offset) throws IOException {
        int n = src.remaining();
        long started = stats.start();
        boolean ok = false;
        gate.enter();
        try {
            checkNotRemoved();
            slots.live().write(src, offset);
            ok = true;
        } finally {
            gate.exit();
            stats.end(IoStats.Kind.WRITE, n, started, ok);
        }
    }

    /**
     * Flushes the live table (see {@link Table#flush()}), counted in the statistics; waits while
     * the device is suspended. A flush that reaches this device from the suspend of a device
     * above it is not counted, and does nothing if this device is suspended itself (it flushed
     * at its own suspend).
     *
     * @throws IOException if a target or a device under the table failed to flush, or the
     *     device has been removed
     */
    @Override
    public void flush() throws IOException {
        boolean counted = !TableSlots.inSuspendFlush(); // a suspend's own flush is no request
        long started = 0;
        if (!counted) {
            // A suspend's flush reaching this device from above. Suspended, it has no I/O in
            // flight and flushed at its own suspend; waiting for its resume would tie the
            // suspend above to it, which device-mapper's suspend never does.
            if (!gate.tryEnter()) {
                return;
            }
        } else {
            started = stats.start();
            gate.enter();
        }
        boolean ok = false;
        try {
            checkNotRemoved();
            slots.live().flush();
            ok = true;
        } finally {
            gate.exit();
            if (counted) {
                stats.end(IoStats.Kind.FLUSH, 0, started, ok);
            }
        }
    }

    /**
     * Discards through the live table, counted in the statistics; waits while the device is
     * suspended.
     *
     * @param offset byte offset on the device
     * @param length length in bytes
     * @throws IOException if the range is outside the device, a target failed, or the device
     *     has been removed
     */
    @Override
    public void discard(long offset, long length) throws IOException {
        long started = stats.start();
        boolean ok = false;
        gate.enter();
        try {
            checkNotRemoved();
            slots.live().discard(offset, length);
            ok = true;
        } finally {
            gate.exit();
            stats.end(IoStats.Kind.DISCARD, length, started, ok);
        }
    }

    private void checkNotRemoved() throws IOException {
        if (removed) {
            throw new IOException(abandoned ? "device " + name + ": mapperfs is shutting down (forced)"
                    : "device " + name + " has been removed");
        }
    }

    // ---- control, called by Mapper holding `control`; the transitions are TableSlots' ----

    /**
     * Closes the gate once I/O in flight has drained, then flushes if asked (see
     * {@link TableSlots#suspend}); false, the device running as before, if the caller gave up.
     */
    boolean suspend(boolean flush) throws IOException {
        return slots.suspend(flush);
    }

    /** Swaps in the inactive table if there is one and reopens the gate; a swap raises the event. */
    void resume() {
        if (slots.resume()) {
            raiseEvent();
        }
    }

    /** Reopens the gate without swapping tables: undoes a suspend whose flush failed. */
    void cancelSuspend() {
        slots.cancelSuspend();
    }

    /**
     * Fails I/O waiting at the gate and all new I/O at once, without waiting for anything (not
     * even for {@code control}): for a forced shutdown, where a suspended device's waiting I/O
     * must end with an error rather than hold the daemon and its callers. The tables stay for
     * {@link #destroy()} to close.
     */
    void abandon() {
        abandoned = true;
        removed = true;
        gate.abandon();
    }

    boolean isRemoved() {
        return removed;
    }

    /** Puts {@code table} in the inactive slot, closing any table it replaces. */
    void load(Table table) {
        slots.load(table);
    }

    boolean clear() {
        return slots.clear();
    }

    /** Fails waiting and new I/O, drains what is in flight, and closes both tables. */
    void destroy() {
        removed = true;
        slots.close();
    }

    // ---- events ----

    /**
     * The device's event number: 0 at create, raised by every table swap and by targets (see
     * {@link DeviceEvents}).
     *
     * @return the current event number
     */
    public long eventNumber() {
        return events.number();
    }

    /**
     * Raised on every table swap and by targets with something to report (dm's event): adds one
     * to the event number and wakes {@link #awaitEvent} waiters. A target raises it through
     * {@link TargetArgs#events()}, not here.
     */
    public void raiseEvent() {
        events.raise();
    }

    /**
     * Waits until the event number passes {@code after}; returns it, or -1 on timeout.
     *
     * @param after the event number the caller has seen
     * @param timeoutMillis how long to wait at most, in milliseconds; {@link Long#MAX_VALUE}
     *     waits for ever
     * @return the event number, greater than {@code after}; or -1 if the time ran out first
     * @throws InterruptedException if the thread is interrupted while it waits
     */
    public long awaitEvent(long after, long timeoutMillis) throws InterruptedException {
        return events.await(after, timeoutMillis);
    }

    // ---- open count and statistics ----

    /**
     * How many handles are open on the device, as counted by {@link #opened()} and
     * {@link #closed()}. A device with open handles is removed only by force.
     *
     * @return the number of open handles
     */
    public int openCount() {
        return openCount.get();
    }

    /**
     * Counts an open handle; false (and nothing counted) once the device is removed or a remove
     * has passed its open-count check, so that no open slips in between that check and the end.
     *
     * @return true if the handle was counted; the caller then calls {@link #closed()} once
     */
    public boolean opened() {
        synchronized (openCount) {
            if (removed) {
                return false;
            }
            openCount.incrementAndGet();
            return true;
        }
    }

    /** For remove: marks the device removed unless a handle is open and {@code force} is not set. */
    boolean markRemoved(boolean force) {
        synchronized (openCount) {
            if (openCount.get() > 0 && !force) {
                return false;
            }
            removed = true;
            return true;
        }
    }

    /** Counts a handle counted by {@link #opened()} as closed. */
    public void closed() {
        openCount.decrementAndGet();
    }

    /**
     * The device's I/O counters.
     *
     * @return a reading of the counters now, since the device was created
     */
    public IoStats.Counters stats() {
        return stats.counters();
    }


    @Override
    public String toString() {
        return name;
    }
}
