package org.mapperfs.core.targets.mirror;

import java.io.IOException;
import org.mapperfs.core.Interrupts;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A mirror's background resync: one thread that copies the out-of-sync regions of a {@link
 * RegionLog} one by one, at most {@code rate} KiB/s (0 = as fast as it goes). Started when the
 * mirror's table goes live, stopped (after the region in progress) before a suspend and at close;
 * the log remembers where it was. A suspend's stop can be given up (the region in progress may
 * wait at a suspended leg); a close's cannot.
 *
 * <p>Never interrupted: an interrupt would close the FileChannels of the legs under it. It stops on
 * a flag checked between regions, and sleeps on {@code lock} so that stop and a new rate wake it.
 * Guarded by {@code lock}: {@code thread}, {@code stopping}, {@code rate}.
 */
final class MirrorResync {
    private static final Logger log = LoggerFactory.getLogger(MirrorResync.class);

    /** Copies one region; false when resync cannot go on (its source failed). */
    interface RegionCopier {
        boolean copy(long region) throws IOException;
    }

    private final String name;
    private final RegionLog regions;
    private final long regionBytes;
    private final RegionCopier copier;
    private final Runnable completed;
    private final Object lock = new Object();
    private Thread thread;
    private boolean stopping;
    private long rateKiB;

    MirrorResync(String name, RegionLog regions, long regionBytes, RegionCopier copier, long rateKiB,
            Runnable completed) {
        this.name = name;
        this.regions = regions;
        this.regionBytes = regionBytes;
        this.copier = copier;
        this.rateKiB = rateKiB;
        this.completed = completed;
    }

    void start() {
        synchronized (lock) {
            if (thread != null || regions.nextOutOfSync(0) < 0) {
                return;
            }
            stopping = false;
            thread = new Thread(this::run, "mirror-resync-" + name);
            thread.setDaemon(true);
            thread.start();
        }
    }

    /** Stops after the region being copied and waits for the thread to end. */
    void stop() {
        Thread t = requestStop();
        if (t == null) {
            return;
        }
        boolean interrupted = false;
        while (t.isAlive()) {
            try {
                t.join();
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * As {@link #stop()}, but gives up when the caller does (see {@link Interrupts}): the region
     * being copied may wait at a suspended lower device. Then the resync goes on, or, if it had
     * already seen the stop, the next {@link #start()} starts it again; false.
     */
    boolean stopOrGiveUp() {
        Thread t = requestStop();
        if (t == null || Interrupts.join(t)) {
            return true;
        }
        synchronized (lock) {
            if (thread == t) {
                stopping = false; // not seen yet: it goes on
            }
        }
        return false;
    }

    /** Sets the stop flag; returns the thread to wait for, or null (none, or the caller is it). */
    private Thread requestStop() {
        synchronized (lock) {
            stopping = true;
            lock.notifyAll();
            return thread == Thread.currentThread() ? null : thread;
        }
    }

    long rate() {
        synchronized (lock) {
            return rateKiB;
        }
    }

    void rate(long kib) {
        synchronized (lock) {
            rateKiB = kib;
            lock.notifyAll();
        }
    }

    boolean running() {
        synchronized (lock) {
            return thread != null;
        }
    }

    private void run() {
        long copied = 0;
        long started = System.nanoTime();
        long windowStart = started;
        long windowBytes = 0;
        long windowRate = rate();
        try {
            long region = regions.nextOutOfSync(0);
            while (region >= 0 && !stopRequested()) {
                if (!copier.copy(region)) {
                    log.warn("mirror {}: resync stopped: a leg is not healthy", name);
                    return;
                }
                copied++;
                // Throttle between regions, never while holding one: writes to it would wait.
                long rate = rate();
                if (rate != windowRate) {
                    windowStart = System.nanoTime();
                    windowBytes = 0;
                    windowRate = rate;
                }
                windowBytes += regionBytes;
                if (rate > 0) {
                    pause(windowStart + dueNanos(windowBytes, rate), rate);
                }
                long next = regions.nextOutOfSync(region + 1);
                region = next >= 0 ? next : regions.nextOutOfSync(0);
            }
            if (region < 0 && copied > 0) {
                double seconds = Math.max(1e-9, (System.nanoTime() - started) / 1e9);
                log.info("mirror {}: resync complete: {} regions ({} MiB) copied in {} s, {} MiB/s", name, copied,
                        copied * regionBytes >> 20, String.format("%.2f", seconds),
                        String.format("%.0f", copied * regionBytes / 1048576.0 / seconds));
                completed.run();
            }
        } catch (IOException | RuntimeException e) {
            log.warn("mirror {}: resync stopped: {}", name, e.toString());
        } finally {
            synchronized (lock) {
                if (thread == Thread.currentThread()) {
                    thread = null;
                }
                lock.notifyAll();
            }
        }
    }

    /**
     * True when asked to stop, and then this thread is no longer the resync's: a {@link #start()}
     * from now on starts a new one, and a {@link #stopOrGiveUp()} that gives up cannot leave a
     * thread that has stopped looking as if it would go on.
     */
    private boolean stopRequested() {
        synchronized (lock) {
            if (stopping && thread == Thread.currentThread()) {
                thread = null;
                lock.notifyAll();
            }
            return stopping;
        }
    }

    /** Sleeps until {@code deadline} (System.nanoTime), or until stopped or the rate changes. */
    private void pause(long deadline, long rate) {
        synchronized (lock) {
            long left;
            while (!stopping && rateKiB == rate && (left = deadline - System.nanoTime()) > 0) {
                try {
                    lock.wait(Math.max(1, left / 1_000_000));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
        }
    }

    /**
     * When {@code bytes} copied at {@code rateKiB} KiB/s are due, in nanoseconds from the start.
     * In floating point: bytes times 10^9 leaves a long after 8 GiB.
     */
    static long dueNanos(long bytes, long rateKiB) {
        return (long) Math.min(Long.MAX_VALUE / 2, bytes * 1e9 / (rateKiB * 1024.0));
    }
}
