package org.mapperfs.core.targets.snapshot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.mapperfs.core.ForwardingDevice;
import org.mapperfs.core.MemoryDevice;

/**
 * The persistent store commits concurrent exceptions in groups: many requests share a data
 * flush and an entry write, each returns only once its own exception is durable, and the
 * entries reach the device in slot order, so a reopened store reads back every one.
 */
class GroupCommitTest {
    private static final int CHUNK_SECTORS = 8;
    private static final int CHUNK = CHUNK_SECTORS * 512;
    private static final int WRITERS = 16;

    private final ExecutorService threads = Executors.newFixedThreadPool(WRITERS);

    @AfterEach
    void stop() {
        threads.shutdownNow();
    }

    /** A COW device whose first flush waits until every writer's data chunk has landed. */
    private static final class HeldFirstFlush extends ForwardingDevice {
        final MemoryDevice memory;
        final CountDownLatch dataWritten = new CountDownLatch(WRITERS);
        final AtomicInteger flushes = new AtomicInteger();
        volatile boolean holding;

        HeldFirstFlush(MemoryDevice memory) {
            super(memory);
            this.memory = memory;
        }

        @Override
        public void write(ByteBuffer src, long offset) throws IOException {
            boolean data = src.remaining() == CHUNK && offset % CHUNK == 0 && offset >= 2L * CHUNK;
            super.write(src, offset);
            if (data) {
                dataWritten.countDown();
            }
        }

        @Override
        public void flush() throws IOException {
            if (holding && flushes.getAndIncrement() == 0) {
                try {
                    assertThat(dataWritten.await(10, TimeUnit.SECONDS)).as("every writer wrote its data").isTrue();
                } catch (InterruptedException e) {
                    throw new IOException(e);
                }
            }
            super.flush();
        }
    }

    private static ByteBuffer chunkOf(int seed) {
        byte[] b = new byte[CHUNK];
        Arrays.fill(b, (byte) seed);
        return ByteBuffer.wrap(b);
    }

    @Test
    void concurrentExceptionsShareCommitsAndAllReadBack() throws Exception {
        HeldFirstFlush cow = new HeldFirstFlush(new MemoryDevice("cow", 1 << 20));
        PersistentStore store = PersistentStore.open(cow, CHUNK_SECTORS, false);
        int flushesBefore = cow.memory.flushes();
        cow.holding = true;
        List<Future<?>> done = new ArrayList<>();
        for (int w = 0; w < WRITERS; w++) {
            int writer = w;
            done.add(threads.submit(() -> {
                store.add(new long[] {100 + writer}, chunkOf(writer + 1), 1, true);
                assertThat(store.lookup(100 + writer)).as("published once durable").isNotNegative();
                return null;
            }));
        }
        for (Future<?> f : done) {
            f.get(30, TimeUnit.SECONDS);
        }
        int flushes = cow.memory.flushes() - flushesBefore;
        assertThat(flushes).as("flushes for %d exceptions one at a time would be %d", WRITERS, 2 * WRITERS)
                .isLessThanOrEqualTo(8);
        assertThat(store.count()).isEqualTo(WRITERS);

        PersistentStore again = PersistentStore.open(cow, CHUNK_SECTORS, false);
        assertThat(again.count()).isEqualTo(WRITERS);
        for (int w = 0; w < WRITERS; w++) {
            long at = again.lookup(100 + w);
            assertThat(at).isNotNegative();
            ByteBuffer got = ByteBuffer.allocate(CHUNK);
            cow.read(got, at * CHUNK);
            assertThat(got.array()).as("chunk of writer " + w).isEqualTo(chunkOf(w + 1).array());
        }
    }

    @Test
    void aFailedDataWriteFailsTheWaitersAndCommitsNothingAfterIt() throws Exception {
        MemoryDevice cow = new MemoryDevice("cow", 1 << 20);
        PersistentStore store = PersistentStore.open(cow, CHUNK_SECTORS, false);
        store.add(new long[] {1}, chunkOf(1), 1, true);
        cow.failIo(true);
        assertThatThrownBy(() -> store.add(new long[] {2}, chunkOf(2), 1, true))
                .isInstanceOf(IOException.class);
        cow.failIo(false);
        assertThatThrownBy(() -> store.add(new long[] {3}, chunkOf(3), 1, true))
                .hasMessageContaining("an earlier write to the snapshot failed");
        assertThat(PersistentStore.open(cow, CHUNK_SECTORS, false).count()).as("only the first").isEqualTo(1);
    }
}
