package org.mapperfs.core.targets.snapshot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.mapperfs.core.BlockDevice;
import org.mapperfs.core.MemoryDevice;
import org.mapperfs.core.TableException;
import org.mapperfs.core.Target;
import org.mapperfs.core.TargetArgs;
import org.mapperfs.core.VolatileCacheDevice;

/**
 * A write to a {@code P} snapshot is acknowledged before its exception is committed; the commit
 * comes at a flush, a close, the periodic commit, or an origin write that relies on it. A power
 * cut at any moment leaves every block of the snapshot as the last flush left it or as a write
 * since made it: never an entry over data that did not reach the disk, and never an origin write
 * showing through an exception that was lost.
 */
class SnapshotCommitTest {
    private static final int BLOCK = 4096;
    private static final int CHUNK_SECTORS = 16; // two blocks a chunk: a block's first write copies its neighbour
    private static final int CHUNK = CHUNK_SECTORS * 512;
    /** 600 chunks: more than one metadata area (512 entries with 8 KiB chunks). */
    private static final int BLOCKS = 1200;

    private final Map<String, BlockDevice> devices = new HashMap<>();
    private final AtomicLong clock = new AtomicLong();
    private VolatileCacheDevice origin;
    private VolatileCacheDevice cow;
    private Target snapshot;
    private Target originTarget;

    @AfterEach
    void close() {
        if (originTarget != null) {
            originTarget.close();
        }
        if (snapshot != null) {
            snapshot.close();
        }
    }

    /** An origin whose block {@code b} holds tag {@code b + 1}, a zeroed COW, a snapshot and the origin's target. */
    private void build() throws TableException {
        ByteBuffer image = ByteBuffer.allocate(BLOCKS * BLOCK);
        for (int b = 0; b < BLOCKS; b++) {
            fill(image, b, b + 1);
        }
        origin = new VolatileCacheDevice("origin", image.array(), clock);
        cow = new VolatileCacheDevice("cow", new byte[(BLOCKS / 2 + 8) * CHUNK], clock);
        snapshot = snapshotOf(origin, cow);
        originTarget = SnapshotOriginTarget.create(new TargetArgs(1, "snapshot-origin", BLOCKS * 8L,
                List.of("origin"), devices::get));
    }

    /** A {@code P} snapshot of {@code originDevice} on {@code cowDevice}. */
    private Target snapshotOf(BlockDevice originDevice, BlockDevice cowDevice) throws TableException {
        devices.put("origin", originDevice);
        devices.put("cow", cowDevice);
        return SnapshotTarget.create(new TargetArgs(1, "snapshot", BLOCKS * 8L,
                List.of("origin", "cow", "P", Integer.toString(CHUNK_SECTORS)), devices::get));
    }

    /** {@link #snapshot} of a zeroed origin on a COW in memory (returned), its periodic commit held off. */
    private MemoryDevice heldSnapshotOnMemory() throws TableException {
        MemoryDevice memory = new MemoryDevice("cow", (BLOCKS / 2 + 8) * CHUNK);
        snapshot = snapshotOf(new VolatileCacheDevice("origin", new byte[BLOCKS * BLOCK]), memory);
        snapshot.presuspend();
        return memory;
    }

    private static void fill(ByteBuffer buffer, int block, long tag) {
        for (int i = 0; i < BLOCK; i += 8) {
            buffer.putLong(block * BLOCK + i, tag);
        }
    }

    private static ByteBuffer tagged(long tag) {
        ByteBuffer b = ByteBuffer.allocate(BLOCK);
        fill(b, 0, tag);
        return b;
    }

    /** The snapshot's flush as a table makes it: the target's, then the devices it leaves to the table. */
    private void flushSnapshot() throws IOException {
        snapshot.flush();
        for (BlockDevice d : snapshot.flushedByTable()) {
            d.flush();
        }
    }

    @ParameterizedTest(name = "seed {0}")
    @ValueSource(longs = {1, 2, 3, 4})
    void aPowerCutAtAnyMomentLeavesEveryBlockAsFlushedOrAsWrittenSince(long seed) throws Exception {
        build();
        Random random = new Random(seed);
        long[] flushed = new long[BLOCKS]; // per block: its tag as of the snapshot's last flush
        List<Set<Long>> since = new java.util.ArrayList<>(); // tags written to it since
        for (int b = 0; b < BLOCKS; b++) {
            flushed[b] = b + 1;
            since.add(new HashSet<>());
        }
        long tags = 1_000_000;
        int cuts = 0;
        int lastWritten = 0;
        long marked = clock.get(); // power cuts fall between the model's last flush and now
        for (int op = 0; op < 1500; op++) {
            int kind = random.nextInt(100);
            if (kind < 50) { // a write of 1 to 3 blocks to the snapshot
                int first = random.nextInt(BLOCKS - 3);
                int n = 1 + random.nextInt(3);
                ByteBuffer data = ByteBuffer.allocate(n * BLOCK);
                for (int i = 0; i < n; i++) {
                    fill(data, i, ++tags);
                    since.get(first + i).add(tags);
                }
                snapshot.write(data, (long) first * BLOCK);
                lastWritten = first;
            } else if (kind < 82) { // a write to the origin, which the snapshot must never show
                // Half of them next to the snapshot's last write: chunks it has, maybe not committed.
                int block = random.nextBoolean() ? random.nextInt(BLOCKS) : Math.max(0, lastWritten - 1 + random.nextInt(5));
                originTarget.write(tagged(++tags), (long) block * BLOCK);
            } else if (kind < 90) {
                flushSnapshot();
                ByteBuffer check = ByteBuffer.allocate(BLOCK);
                for (int b = 0; b < BLOCKS; b++) {
                    snapshot.read(check.clear(), (long) b * BLOCK);
                    flushed[b] = check.getLong(0);
                    since.get(b).clear();
                }
                cow.mark();
                origin.mark();
                marked = clock.get();
            } else { // a cut at any moment since, also in the middle of a commit
                cuts++;
                long tick = marked + (long) (random.nextDouble() * (clock.get() - marked + 1));
                checkAfterPowerCut(cow.imageAt(tick, random), origin.imageAt(tick, random), flushed, since,
                        "seed " + seed + ", op " + op + ", tick " + tick);
            }
        }
        assertThat(cuts).isPositive();
        checkAfterPowerCut(cow.current(), origin.current(), flushed, since, "the daemon killed at the end");
        checkAfterPowerCut(cow.durable(), origin.durable(), flushed, since, "every unflushed write lost at the end");
    }

    /** Opens the store on {@code image} as a restart would, and checks every block against the model. */
    private static void checkAfterPowerCut(byte[] cowImage, byte[] originImage, long[] flushed, List<Set<Long>> since,
            String when) throws IOException {
        BlockDevice cut = new VolatileCacheDevice("cow after the cut", cowImage);
        BlockDevice originCut = new VolatileCacheDevice("origin after the cut", originImage);
        PersistentStore store = PersistentStore.open(cut, CHUNK_SECTORS, false);
        SnapshotView view = new SnapshotView(store, cut, originCut);
        ByteBuffer block = ByteBuffer.allocate(BLOCK).order(ByteOrder.BIG_ENDIAN);
        for (int b = 0; b < BLOCKS; b++) {
            view.read(block.clear(), (long) b * BLOCK);
            long tag = block.getLong(0);
            for (int i = 8; i < BLOCK; i += 8) {
                assertThat(block.getLong(i)).as("%s: block %d is one write's, whole", when, b).isEqualTo(tag);
            }
            if (tag != flushed[b]) {
                assertThat(since.get(b)).as("%s: block %d holds %d, flushed %d; written since", when, b, tag,
                        flushed[b]).contains(tag);
            }
        }
    }

    @Test
    void aWriteIsCommittedAtTheNextFlushNotBefore() throws Exception {
        build();
        assertThat(snapshot.presuspend()).isTrue(); // holds the periodic commit off, as a suspend does
        snapshot.write(tagged(7), 0);
        assertThat(entry(cow.durable(), 0)).as("no entry before a flush").isZero();
        assertThat(entry(cow.current(), 0)).as("nor written at all").isZero();
        ByteBuffer back = ByteBuffer.allocate(BLOCK);
        snapshot.read(back, 0);
        assertThat(back.getLong(0)).as("the write reads back at once").isEqualTo(7);

        flushSnapshot();
        assertThat(entry(cow.durable(), 0)).as("the new chunk's number").isEqualTo(2);
    }

    @Test
    void anOriginWriteCommitsTheUncommittedExceptionItReliesOnFirst() throws Exception {
        build();
        snapshot.presuspend();
        snapshot.write(tagged(7), 0); // block 0 of chunk 0: the snapshot's own copy, not committed yet

        originTarget.write(tagged(8), BLOCK); // block 1 of chunk 0: no copy-out needed, the chunk has one
        assertThat(entry(cow.durable(), 0)).as("committed before the origin changed").isEqualTo(2);
    }

    @Test
    void theLastCommitIsMadeAtClose() throws Exception {
        build();
        snapshot.presuspend();
        snapshot.write(tagged(7), 0);
        originTarget.close();
        originTarget = null;
        snapshot.close();
        snapshot = null;
        assertThat(entry(cow.durable(), 0)).isEqualTo(2);
    }

    @Test
    void thePeriodicCommitCommitsWithoutAFlush() throws Exception {
        build();
        snapshot.write(tagged(7), 0);
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (entry(cow.durable(), 0) == 0 && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        assertThat(entry(cow.durable(), 0)).as("committed by the periodic commit within 10 s").isEqualTo(2);
    }

    @Test
    void aCommitThatFailsFailsTheFlushAndInvalidatesTheSnapshot() throws Exception {
        MemoryDevice failing = heldSnapshotOnMemory();
        snapshot.write(tagged(7), 0);

        failing.failIo(true);
        assertThatThrownBy(snapshot::flush).isInstanceOf(IOException.class).hasMessageContaining("invalid");
        failing.failIo(false);
        assertThat(snapshot.status()).isEqualTo("Invalid");
        assertThatThrownBy(() -> snapshot.read(ByteBuffer.allocate(BLOCK), 0)).isInstanceOf(IOException.class);
    }

    @Test
    void aFlushFlushesTheCowOnceAfterTheCommitAndNeverTheOrigin() throws Exception {
        MemoryDevice cowCounted = heldSnapshotOnMemory();
        assertThat(snapshot.flushedByTable()).as("left to the table").isEmpty();

        snapshot.write(tagged(7), 0); // a new chunk: the commit flushes its data, then its entry
        int before = cowCounted.flushes();
        snapshot.flush();
        assertThat(cowCounted.flushes() - before).as("the commit's two flushes, no third").isEqualTo(2);

        snapshot.write(tagged(8), 0); // a rewrite: nothing to commit, one flush for its data
        before = cowCounted.flushes();
        snapshot.flush();
        assertThat(cowCounted.flushes() - before).isEqualTo(1);
    }

    /** The {@code new_chunk} of entry {@code index} in the first metadata area of {@code image}. */
    private static long entry(byte[] image, int index) {
        return ByteBuffer.wrap(image).order(ByteOrder.LITTLE_ENDIAN).getLong(CHUNK + index * 16 + 8);
    }
}
