package org.mapperfs.core;

import java.util.concurrent.locks.Lock;
import java.util.concurrent.locks.StampedLock;

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
    private final StampedLock lock = new StampedLock();
    private final Lock io = lock.asReadLock();
    /** Set from the start of {@link #close()} until {@link #open()}; written holding {@code this}. */
    private volatile boolean closed;
    /** The write stamp once drained; guarded by {@code this}. */
    private long closedStamp;

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
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
        }
        long stamp = lock.writeLock();
        synchronized (this) {
            closedStamp = stamp;
        }
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
