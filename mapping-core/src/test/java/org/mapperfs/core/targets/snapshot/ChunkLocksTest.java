package org.mapperfs.core.targets.snapshot;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.Test;

/**
 * The striped chunk locks: a range holds the stripes of its grains (wrapping around the stripe
 * count), a write excludes readers and writers of any of them and no other, and a release gives
 * all of them back.
 */
class ChunkLocksTest {
    private static final long G = ChunkLocks.GRAIN;
    private static final long STRIPES = 1024;
    /** A thread per task: a task that waits for a lock must not hold up the next. */
    private final ExecutorService threads = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r);
        t.setDaemon(true);
        return t;
    });

    /** Whether {@code [from, to)} can be locked for reading within 5 s (released at once if so). */
    private boolean readable(ChunkLocks locks, long from, long to) throws Exception {
        try {
            run(() -> locks.release(locks.read(from, to))).get(5, TimeUnit.SECONDS);
            return true;
        } catch (TimeoutException e) {
            return false; // its thread goes on once the range is released
        }
    }

    private CompletableFuture<Void> run(Runnable task) {
        return CompletableFuture.runAsync(task, threads);
    }

    @Test
    void aWrittenRangeExcludesItsStripesAndNoOthers() throws Exception {
        ChunkLocks locks = new ChunkLocks();
        long held = locks.write(10 * G, 12 * G); // stripes 10 and 11
        CompletableFuture<Void> blocked = run(() -> locks.release(locks.read(11 * G, 11 * G + 1)));
        assertThat(readable(locks, 12 * G, 13 * G)).as("stripe 12").isTrue();
        assertThat(readable(locks, (STRIPES + 9) * G, (STRIPES + 10) * G)).as("stripe 9, one round on").isTrue();
        Thread.sleep(100);
        assertThat(blocked).as("a reader of stripe 11 waits").isNotDone();
        locks.release(held);
        blocked.get(5, TimeUnit.SECONDS);
    }

    @Test
    void aRangeThatWrapsAroundTheStripesHoldsBothEnds() throws Exception {
        ChunkLocks locks = new ChunkLocks();
        long held = locks.write((STRIPES - 2) * G, (STRIPES + 2) * G); // stripes 1022, 1023, 0, 1
        assertThat(readable(locks, 5 * G, 6 * G)).isTrue();
        assertThat(readable(locks, 2 * G, 3 * G)).isTrue();
        CompletableFuture<Void> first = run(() -> locks.release(locks.read(0, 1)));
        CompletableFuture<Void> last = run(() -> locks.release(locks.read(1023 * G, 1024 * G)));
        Thread.sleep(100);
        assertThat(first).isNotDone();
        assertThat(last).isNotDone();
        locks.release(held);
        first.get(5, TimeUnit.SECONDS);
        last.get(5, TimeUnit.SECONDS);
        assertThat(readable(locks, 0, STRIPES * G)).as("everything released").isTrue();
    }

    @Test
    void readersShareAndARangeOfEveryStripeHoldsThemAll() throws Exception {
        ChunkLocks locks = new ChunkLocks();
        long reading = locks.read(0, 3 * G);
        assertThat(readable(locks, 0, 3 * G)).as("readers share").isTrue();
        locks.release(reading);
        long all = locks.write(0, Long.MAX_VALUE);
        CompletableFuture<Void> any = run(() -> locks.release(locks.read(700 * G, 701 * G)));
        Thread.sleep(100);
        assertThat(any).isNotDone();
        locks.release(all);
        any.get(5, TimeUnit.SECONDS);
    }
}
