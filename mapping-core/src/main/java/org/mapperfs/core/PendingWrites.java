package org.mapperfs.core;

import java.io.IOException;

/**
 * Whether a file holds completed writes that no finished force covers, so that a flush with
 * nothing new to make durable skips the fsync, and a flush never returns before the writes
 * acknowledged ahead of it are durable.
 *
 * <p>The flag is set after every completed write and cleared, under the lock, just before a
 * force. A flush that finds it clear holds the lock, so whoever cleared it has finished its
 * force, which began after those writes completed. A flush that found it clear without the lock
 * could return while another thread's force was still running. A force that fails sets the flag
 * again: the next flush forces anew instead of reporting success.
 */
final class PendingWrites {
    /** Makes the file's completed writes durable (fsync, fdatasync). */
    @FunctionalInterface
    interface Force {
        void force() throws IOException;
    }

    private final Object lock = new Object();
    private volatile boolean dirty;

    /** Call after each write (or hole punch) has completed, before acknowledging it. */
    void written() {
        dirty = true;
    }

    /** Runs {@code force} unless every write completed before this call is already durable. */
    void flush(Force force) throws IOException {
        synchronized (lock) {
            if (!dirty) {
                return;
            }
            dirty = false;
            boolean forced = false;
            try {
                force.force();
                forced = true;
            } finally {
                if (!forced) {
                    dirty = true;
                }
            }
        }
    }
}
