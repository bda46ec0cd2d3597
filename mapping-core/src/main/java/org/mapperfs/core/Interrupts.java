package org.mapperfs.core;

import java.io.InterruptedIOException;
import java.util.function.BooleanSupplier;

/**
 * Whether the caller of the request the calling thread serves has given up on it: the FUSE
 * transport learns it from the kernel's FUSE_INTERRUPT (the client got a signal), an embedder
 * from {@link Thread#interrupt()}. Control operations that wait for something outside their
 * own device (a suspend draining I/O that waits at a suspended lower device) look at it between
 * short slices of waiting, and end with {@link MapperException.Reason#INTERRUPTED}, leaving the
 * device as it was.
 *
 * <p>Not {@link Thread#interrupt()} for the transport's threads: an interrupt that reached a
 * thread inside {@link java.nio.channels.FileChannel} I/O would close the backing file for
 * every device. The hook is per thread, like {@link LongWaits}.
 */
public final class Interrupts {
    private static final ThreadLocal<BooleanSupplier> HOOK = new ThreadLocal<>();

    private Interrupts() {}

    /** Makes {@code interrupted} say whether the calling thread's current request was given up. */
    public static void onThisThread(BooleanSupplier interrupted) {
        HOOK.set(interrupted);
    }

    /** Whether the calling thread's current request has been given up, or the thread interrupted. */
    public static boolean requested() {
        BooleanSupplier hook = HOOK.get();
        return (hook != null && hook.getAsBoolean()) || Thread.currentThread().isInterrupted();
    }

    /**
     * Waits for {@code thread} to end, asking {@link #requested()} every {@value
     * IoGate#SLICE_MILLIS} ms: false, with the thread still running, if the caller gave up first.
     * For a target's presuspend, whose own thread (a resync, a merge) may wait at a suspended
     * lower device.
     */
    public static boolean join(Thread thread) {
        while (thread.isAlive()) {
            if (requested()) {
                return false;
            }
            try {
                thread.join(IoGate.SLICE_MILLIS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        }
        return true;
    }

    /**
     * {@link Object#wait()} on {@code monitor}, which the caller holds: an interrupt ends it as an
     * {@link InterruptedIOException} ("interrupted while waiting for " {@code what}), the thread's
     * interrupt status kept.
     */
    public static void await(Object monitor, String what) throws InterruptedIOException {
        try {
            monitor.wait();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while waiting for " + what);
        }
    }
}
