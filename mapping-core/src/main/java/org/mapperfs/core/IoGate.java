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
 * is one CAS on the lock word while the gate is open.
 */
final class IoGate {
    private final StampedLock lock = new StampedLock();
    private final Lock io = lock.asReadLock();
    /** The write stamp while closed; guarded by {@code this}. */
    private long closedStamp;

    void enter() {
        io.lock();
    }

    void exit() {
        io.unlock();
    }

    /** Closes the gate; returns once no I/O is in flight. Calling it on a closed gate is a no-op. */
    void close() {
        synchronized (this) {
            if (closedStamp != 0) {
                return;
            }
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
        }
    }

    synchronized boolean isClosed() {
        return closedStamp != 0;
    }
}
