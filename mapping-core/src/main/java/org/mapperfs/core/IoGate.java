package org.mapperfs.core;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Lock;
import java.util.concurrent.locks.StampedLock;
import java.util.function.BooleanSupplier;

/**
 * The suspend gate of one device. Every I/O passes through {@link #enter()} / {@link #exit()};
 * {@link #close()} waits until the I/O in flight has drained and makes new I/O wait (never
 * fail) until {@link #open()}.
 *
 * <p>A {@link StampedLock} has no owner thread, so the thread that resumes need not be the one
 * that suspended: the control file runs each command on whatever FUSE thread it gets. Entering
 * is one CAS on the lock word and two volatile reads while the gate is open.
 *
 * <p>The {@code closed} flag is what makes I/O wait during the drain: StampedLock lets a reader
 * overtake a writer that is still queued, so without it I/O arriving while {@link #close()}
 * waits would slip in, and a steady stream of I/O could keep a suspend waiting for ever.
 */
final class IoGate {
    /** How often a close that may be given up asks whether it is. */
    static final long SLICE_MILLIS = 50;
    private final StampedLock lock = new StampedLock();
    private final Lock io = lock.asReadLock();
    /** Set from the start of {@link #close()} until {@link #open()}; written holding {@code this}. */
    private volatile boolean closed;
    /** The write stamp once drained; guarded by {@code this}. */
    private long closedStamp;
    /** Set by {@link #abandon()}: the gate never closes again. Written holding {@code this}. */
    private volatile boolean abandoned;

    void enter() {
        while (true) {
            if (closed) {
                LongWaits.announce();
                awaitOpen();
            }
            io.lock();
            // Both sides write before they read (closed, then the lock; the lock, then closed),
            // so either close() sees this reader or this reader sees closed.
            if (!closed) {
                return;
            }
            io.unlock();
        }
    }

    void exit() {
        io.unlock();
    }

    /** Closes the gate; returns once no I/O is in flight. Calling it on a closed gate is a no-op. */
    void close() {
        closeOrGiveUp(() -> false);
    }

    /**
     * Closes the gate; returns true once no I/O is in flight. If {@code giveUp} says so while I/O
     * is still in flight (it is asked every {@value #SLICE_MILLIS} ms), the gate opens again, the
     * I/O that waited at it goes on, and this returns false. True at once on a closed gate.
     */
    boolean closeOrGiveUp(BooleanSupplier giveUp) {
        synchronized (this) {
            if (closed) {
                return true;
            }
            if (!abandoned) {
                closed = true;
            }
        }
        if (abandoned) {
            // Drains what is in flight (it fails fast now) and stays open.
            lock.unlockWrite(lock.writeLock());
            return true;
        }
        long stamp = lock.tryWriteLock();
        boolean interrupted = false;
        while (stamp == 0) {
            // giveUp sees the thread's interrupt status (a Java interrupt is a caller giving up,
            // see Interrupts); a close that goes on clears it for the next slice's wait, as a
            // plain lock would, and sets it again once drained (close() never gives up).
            if (giveUp.getAsBoolean()) {
                reopen();
                if (interrupted) {
                    Thread.currentThread().interrupt();
                }
                return false;
            }
            interrupted |= Thread.interrupted();
            try {
                stamp = lock.tryWriteLock(SLICE_MILLIS, TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt(); // the wait cleared it: for giveUp to see
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
        synchronized (this) {
            if (abandoned) {
                lock.unlockWrite(stamp); // abandoned while draining: stays open
                return true;
            }
            closedStamp = stamp;
        }
        return true;
    }

    /** A close given up: the gate opens again and the I/O that waited at it goes on. */
    private synchronized void reopen() {
        closed = false;
        notifyAll();
    }

    /**
     * Opens the gate for good: I/O waiting at it goes on at once (to fail, for a device being
     * torn down), and a later close only drains the I/O in flight. Does not wait for anything.
     */
    synchronized void abandon() {
        abandoned = true;
        if (closedStamp != 0) {
            lock.unlockWrite(closedStamp);
            closedStamp = 0;
        }
        closed = false;
        notifyAll();
    }

    /**
     * Enters unless the gate is closed or closing; never waits. For a flush that may pass a
     * device it need not wait for: one that is suspended has no I/O in flight to flush.
     */
    boolean tryEnter() {
        while (!closed) {
            long stamp = lock.tryReadLock();
            if (stamp != 0) {
                if (!closed) {
                    return true;
                }
                lock.unlockRead(stamp);
                return false;
            }
            Thread.onSpinWait();
        }
        return false;
    }

    /** Lets waiting and new I/O through again. Calling it on an open gate is a no-op. */
    synchronized void open() {
        if (closedStamp != 0) {
            lock.unlockWrite(closedStamp);
            closedStamp = 0;
            closed = false;
            notifyAll();
        }
    }

    synchronized boolean isClosed() {
        return closedStamp != 0;
    }

    /** Waits, uninterruptibly like a lock, until the gate opens. */
    private synchronized void awaitOpen() {
        boolean interrupted = false;
        while (closed) {
            try {
                wait();
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }
}
