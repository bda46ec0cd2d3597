package org.mapperfs.core;

import java.util.concurrent.TimeUnit;

/**
 * A device's event number and the callers waiting for it to pass a value: dm's {@code event_nr}
 * and its wait queue. It starts at 0; {@link #raise()} adds one and wakes the waiters.
 *
 * <p>Separate from {@link MappedDevice} because it shares none of the device's other state: it
 * is guarded by its own monitor, never by the device's {@code control} lock or gate, so a target
 * raising an event from its own thread (a mirror leg that failed, a merge that finished) never
 * waits on a control operation, and a waiter holds nothing of the device's.
 */
final class EventCounter {
    /** Guarded by {@code this}. */
    private long number;

    /** The event number now. */
    synchronized long number() {
        return number;
    }

    /** Adds one to the event number and wakes {@link #await} waiters. */
    synchronized void raise() {
        number++;
        notifyAll();
    }

    /**
     * Waits until the event number passes {@code after}; returns it, or -1 if {@code timeoutMillis}
     * ran out first ({@link Long#MAX_VALUE} waits for ever). Announces the wait to the thread's
     * pool ({@link LongWaits}) if it has to wait.
     */
    long await(long after, long timeoutMillis) throws InterruptedException {
        // Elapsed time against a saturated timeout: a deadline (now + timeout) overflows for a
        // "wait for ever" Long.MAX_VALUE and would time out at once.
        long start = System.nanoTime();
        long timeoutNanos = TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
        if (number() <= after) {
            LongWaits.announce();
        }
        synchronized (this) {
            while (number <= after) {
                long left = TimeUnit.NANOSECONDS.toMillis(timeoutNanos - (System.nanoTime() - start));
                if (left <= 0) {
                    return -1;
                }
                wait(left);
            }
            return number;
        }
    }
}
