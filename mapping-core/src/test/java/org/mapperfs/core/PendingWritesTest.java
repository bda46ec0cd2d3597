package org.mapperfs.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

class PendingWritesTest {
    private final PendingWrites pending = new PendingWrites();
    private final AtomicInteger forces = new AtomicInteger();

    private void count() {
        forces.incrementAndGet();
    }

    @Test
    void nothingWrittenNothingForced() throws IOException {
        pending.flush(this::count);

        assertThat(forces).hasValue(0);
    }

    @Test
    void oneForceCoversEveryWriteBeforeIt() throws IOException {
        pending.written();
        pending.written();

        pending.flush(this::count);
        pending.flush(this::count);

        assertThat(forces).hasValue(1);
    }

    @Test
    void aWriteAfterTheForceNeedsAnother() throws IOException {
        pending.written();
        pending.flush(this::count);
        pending.written();

        pending.flush(this::count);

        assertThat(forces).hasValue(2);
    }

    @Test
    void aFailedForceIsRetriedByTheNextFlush() throws IOException {
        pending.written();

        assertThatThrownBy(() -> pending.flush(() -> {
            throw new IOException("EIO");
        })).hasMessage("EIO");
        pending.flush(this::count);

        assertThat(forces).hasValue(1);
    }

    /**
     * A write is acknowledged, a first flush starts forcing it, and a second flush comes while
     * that force runs: the second must not return before the force has finished, since the write
     * it has to make durable is not durable yet.
     */
    @Test
    void aFlushDuringAnotherFlushsForceWaitsForIt() throws Exception {
        ExecutorService pool = TestThreads.pool();
        try {
            pending.written();
            CountDownLatch forcing = new CountDownLatch(1);
            CountDownLatch release = new CountDownLatch(1);
            AtomicBoolean forceDone = new AtomicBoolean();
            Future<?> first = pool.submit(() -> {
                pending.flush(() -> {
                    forcing.countDown();
                    await(release);
                    forceDone.set(true);
                });
                return null;
            });
            assertThat(forcing.await(5, TimeUnit.SECONDS)).isTrue();
            AtomicBoolean durableWhenSecondReturned = new AtomicBoolean();
            AtomicReference<Thread> secondThread = new AtomicReference<>();
            Future<?> second = pool.submit(() -> {
                secondThread.set(Thread.currentThread());
                pending.flush(this::count);
                durableWhenSecondReturned.set(forceDone.get());
                return null;
            });
            // Let the second flush run into the first's force before releasing it.
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
            while (!second.isDone() && !blocked(secondThread.get()) && System.nanoTime() < deadline) {
                Thread.onSpinWait();
            }
            assertThat(second.isDone() || blocked(secondThread.get())).as("the second flush met the first's force")
                    .isTrue();

            release.countDown();
            first.get(5, TimeUnit.SECONDS);
            second.get(5, TimeUnit.SECONDS);

            assertThat(durableWhenSecondReturned).isTrue();
            assertThat(forces).as("the first force covered the write").hasValue(0);
        } finally {
            TestThreads.shutdown(pool);
        }
    }

    private static boolean blocked(Thread t) {
        return t != null && t.getState() == Thread.State.BLOCKED;
    }

    private static void await(CountDownLatch latch) throws IOException {
        try {
            if (!latch.await(5, TimeUnit.SECONDS)) {
                throw new IOException("never released");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException(e);
        }
    }
}
