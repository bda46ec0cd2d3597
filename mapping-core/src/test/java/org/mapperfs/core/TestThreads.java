package org.mapperfs.core;

import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;

/**
 * Thread pools for tests that block on purpose. Daemon threads: if a regression leaves one
 * stuck at a gate for ever (a lock wait cannot be interrupted), the test fails and the JVM
 * still exits, instead of the build hanging.
 */
public final class TestThreads {
    private TestThreads() {}

    public static ExecutorService pool() {
        AtomicInteger count = new AtomicInteger();
        ThreadFactory daemons = r -> {
            Thread t = new Thread(r, "test-io-" + count.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
        return Executors.newCachedThreadPool(daemons);
    }

    /** Interrupts what is left and fails if a thread is still stuck after a few seconds. */
    public static void shutdown(ExecutorService pool) throws InterruptedException {
        pool.shutdownNow();
        if (!pool.awaitTermination(5, TimeUnit.SECONDS)) {
            throw new AssertionError("a test thread is still blocked");
        }
    }

    /**
     * Waits, at most 10 s, until {@code condition} holds, asking it again and again; fails naming
     * {@code what} if it never does. For a test that needs another thread to have got somewhere.
     */
    public static void await(String what, BooleanSupplier condition) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() - deadline > 0) {
                throw new AssertionError("not within 10 s: " + what);
            }
            LockSupport.parkNanos(1_000_000); // 1 ms: the CPU stays with the thread awaited
        }
    }
}
