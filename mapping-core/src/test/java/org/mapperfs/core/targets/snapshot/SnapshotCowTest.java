package org.mapperfs.core.targets.snapshot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.mapperfs.core.MemoryDevice;
import org.mapperfs.core.Table;
import org.mapperfs.core.TargetRegistry;
import org.mapperfs.core.TestThreads;

/**
 * A snapshot and its COW device: going away, it waits for the origin's copy-outs into the COW
 * already under way; a commit to the COW that fails makes it invalid.
 */
class SnapshotCowTest {
    private static final int S = 512;
    private final ExecutorService pool = TestThreads.pool();
    private final MemoryDevice origin = new MemoryDevice("o", 64 * S);
    private final MemoryDevice cow = new MemoryDevice("c", 64 * S);

    @AfterEach
    void stop() throws InterruptedException {
        TestThreads.shutdown(pool);
    }

    private Table build(String line) throws Exception {
        return Table.build(line, TargetRegistry.standard(), name -> name.equals("o") ? origin : cow, () -> {});
    }

    @Test
    void closingASnapshotWaitsForACopyOutInFlight() throws Exception {
        Table snapshot = build("0 64 snapshot o c N 8\n");
        Table originTable = build("0 64 snapshot-origin o\n");
        snapshot.segments().get(0).target().resume();
        originTable.segments().get(0).target().resume();
        CountDownLatch copying = new CountDownLatch(1);
        CountDownLatch release = cow.blockIo(copying);
        Future<?> write = pool.submit(() -> {
            originTable.write(ByteBuffer.wrap(new byte[4096]), 0);
            return null;
        });
        assertThat(copying.await(10, TimeUnit.SECONDS)).as("the copy-out reached the COW").isTrue();

        AtomicReference<Thread> closer = new AtomicReference<>();
        Future<?> close = pool.submit(() -> {
            closer.set(Thread.currentThread());
            snapshot.close();
            return null;
        });
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!close.isDone() && !parked(closer.get()) && System.nanoTime() < deadline) {
            Thread.sleep(1);
        }
        assertThat(close).as("the close waits for the copy-out").isNotDone();

        release.countDown();
        write.get(10, TimeUnit.SECONDS);
        close.get(10, TimeUnit.SECONDS);
        originTable.close();
    }

    @Test
    void aCommitThatFailsInvalidatesTheSnapshot() throws Exception {
        Table snapshot = build("0 64 snapshot o c P 8\n");
        snapshot.segments().get(0).target().resume();
        cow.failIo(true);

        assertThatThrownBy(() -> snapshot.write(ByteBuffer.wrap(new byte[512]), 0)).isInstanceOf(IOException.class);
        cow.failIo(false);

        assertThat(snapshot.segments().get(0).target().status()).isEqualTo("Invalid");
        assertThatThrownBy(() -> snapshot.write(ByteBuffer.wrap(new byte[512]), 8 * S))
                .isInstanceOf(IOException.class).hasMessageContaining("is invalid");
        snapshot.close();
    }

    private static boolean parked(Thread t) {
        return t != null && (t.getState() == Thread.State.WAITING || t.getState() == Thread.State.BLOCKED);
    }
}
