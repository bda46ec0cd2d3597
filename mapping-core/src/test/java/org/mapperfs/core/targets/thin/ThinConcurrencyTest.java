package org.mapperfs.core.targets.thin;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLongArray;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mapperfs.core.MappedDevice;
import org.mapperfs.core.Mapper;
import org.mapperfs.core.TestFiles;
import org.mapperfs.core.thin.ThinCheck;

/**
 * Thin devices under concurrent writers: every block provisioned once, sharing broken once
 * without losing a write that raced with it or with a snapshot, and a discarded block never
 * handed out while its discard is still under way.
 */
class ThinConcurrencyTest {
    private static final int SLOT = 4096;

    @TempDir
    Path dir;

    private Mapper mapper;
    private Path meta;
    private Path data;
    private ExecutorService threads;

    @BeforeEach
    void files() throws IOException {
        meta = TestFiles.sized(dir, "meta", 4 << 20);
        data = TestFiles.sized(dir, "data", 64 << 20);
        mapper = Mapper.standalone();
        threads = Executors.newFixedThreadPool(9);
    }

    @AfterEach
    void close() {
        threads.shutdownNow();
        mapper.close();
    }

    private MappedDevice pool(String features) throws Exception {
        return mapper.create("pool", "0 " + (64 << 11) + " thin-pool " + meta + " " + data + " 128 16" + features,
                dir);
    }

    /** A 4 KiB slot's bytes: the writer's sequence number, then a fill that names slot and number. */
    private static byte[] slot(int slot, long seq) {
        byte[] b = new byte[SLOT];
        ByteBuffer.wrap(b).putLong(seq).putInt(slot);
        java.util.Arrays.fill(b, 12, SLOT, (byte) (slot * 31 + seq));
        return b;
    }

    private static long seqOf(byte[] b, int slot) {
        long seq = ByteBuffer.wrap(b).getLong(0);
        assertThat(b).as("slot " + slot + " is one whole write").isEqualTo(slot(slot, seq));
        return seq;
    }

    @Test
    void manyWritersOnManyDevicesProvisionEveryBlockOnce() throws Exception {
        ThinCheck.require();
        MappedDevice pool = pool(" 1 skip_block_zeroing");
        List<MappedDevice> devices = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            mapper.message("pool", 0, List.of("create_thin", Integer.toString(i)));
            devices.add(mapper.create("t" + i, "0 16384 thin pool " + i, dir)); // 8 MiB each
        }
        List<Future<Set<Integer>>> done = new ArrayList<>();
        for (int t = 0; t < 8; t++) {
            int thread = t;
            done.add(threads.submit(() -> {
                MappedDevice d = devices.get(thread % 4);
                Random r = new Random(thread);
                Set<Integer> written = new HashSet<>();
                for (int i = 0; i < 300; i++) { // 4 KiB writes at random 4 KiB slots: many race for a block
                    int slot = r.nextInt(2048);
                    byte[] b = new byte[SLOT];
                    java.util.Arrays.fill(b, (byte) (slot * 31 + thread % 4));
                    d.write(ByteBuffer.wrap(b), slot * (long) SLOT);
                    written.add(slot);
                }
                return written;
            }));
        }
        List<Set<Integer>> written = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            written.add(new HashSet<>());
        }
        for (int t = 0; t < 8; t++) {
            written.get(t % 4).addAll(done.get(t).get(60, TimeUnit.SECONDS));
        }
        long mapped = 0;
        for (int i = 0; i < 4; i++) {
            MappedDevice d = devices.get(i);
            for (int slot = 0; slot < 2048; slot++) {
                byte[] b = TestFiles.read(d, slot * (long) SLOT, SLOT);
                // Every slot written holds its write; the rest of a provisioned block reads zeros.
                assertThat(b).as("device " + i + " slot " + slot)
                        .containsOnly((byte) (written.get(i).contains(slot) ? slot * 31 + i : 0));
            }
            mapped += Long.parseLong(d.liveTable().statusText().split(" ")[3]) / 128;
            d.flush();
        }
        String status = pool.liveTable().statusText();
        assertThat(status).as("data blocks in use: one per mapped block").contains(" " + mapped + "/1024 ");
        ThinCheck.passes(meta);
    }

    /**
     * Eight writers hammer the 32 slots of two blocks of a device while ten snapshots of it are
     * taken (suspend, create_snap, resume): every write lands in the device, and each snapshot
     * holds, per slot, a write acknowledged no earlier than the last one acknowledged before the
     * suspend and begun no later than the suspend returned (a write under way when it began is
     * drained by it; one begun after waits for the resume). "Begun" is the bound, not
     * "acknowledged": a writer may not yet have recorded a write the suspend drained.
     */
    @Test
    void writersRacingSnapshotsOnSharedBlocksLoseNothing() throws Exception {
        ThinCheck.require();
        pool("");
        mapper.message("pool", 0, List.of("create_thin", "0"));
        MappedDevice origin = mapper.create("origin", "0 1024 thin pool 0", dir);
        int slots = 32; // two 64 KiB blocks
        for (int s = 0; s < slots; s++) {
            origin.write(ByteBuffer.wrap(slot(s, 0)), s * (long) SLOT);
        }
        AtomicLongArray begun = new AtomicLongArray(slots);
        AtomicLongArray acked = new AtomicLongArray(slots);
        AtomicBoolean stop = new AtomicBoolean();
        List<Future<?>> writers = new ArrayList<>();
        for (int t = 0; t < 8; t++) {
            int thread = t;
            writers.add(threads.submit(() -> {
                long seq = 0;
                while (!stop.get()) {
                    int s = thread + 8 * (int) (seq % 4); // each writer owns four slots, in both blocks
                    long next = acked.get(s) + 1;
                    begun.set(s, next);
                    origin.write(ByteBuffer.wrap(slot(s, next)), s * (long) SLOT);
                    acked.set(s, next);
                    seq++;
                }
                return null;
            }));
        }
        int snapshots = 10;
        long[][] before = new long[snapshots][slots];
        long[][] suspended = new long[snapshots][slots];
        for (int n = 0; n < snapshots; n++) {
            Thread.sleep(30);
            for (int s = 0; s < slots; s++) {
                before[n][s] = acked.get(s);
            }
            mapper.suspend("origin", true);
            for (int s = 0; s < slots; s++) {
                suspended[n][s] = begun.get(s);
            }
            mapper.message("pool", 0, List.of("create_snap", Integer.toString(n + 1), "0"));
            mapper.resume("origin");
        }
        Thread.sleep(30);
        stop.set(true);
        for (Future<?> f : writers) {
            f.get(60, TimeUnit.SECONDS);
        }
        for (int s = 0; s < slots; s++) {
            byte[] b = TestFiles.read(origin, s * (long) SLOT, SLOT);
            assertThat(seqOf(b, s)).as("slot " + s + " of the origin: its last write").isEqualTo(acked.get(s));
        }
        for (int n = 0; n < snapshots; n++) {
            MappedDevice snap = mapper.create("snap" + n, "0 1024 thin pool " + (n + 1), dir);
            for (int s = 0; s < slots; s++) {
                long seq = seqOf(TestFiles.read(snap, s * (long) SLOT, SLOT), s);
                assertThat(seq).as("snapshot " + n + " slot " + s).isBetween(before[n][s], suspended[n][s]);
            }
        }
        assertThat(acked.get(0)).as("the writers got going").isGreaterThan(snapshots);
        origin.flush();
        ThinCheck.passes(meta);
    }

    /**
     * Four threads each discard and rewrite their own blocks of a pool on a slow data device while
     * a fifth commits all the time:
     * a block freed by a discard is never given to another writer while the discard passed down
     * to it can still punch it, so every block reads back its last write, or zeros if discarded.
     */
    @Test
    void aDiscardedBlockIsNotReusedWhileItsDiscardIsUnderWay() throws Exception {
        ThinCheck.require();
        data = TestFiles.sized(dir, "small", 16 << 20); // 256 blocks: a freed block comes round again soon
        // Writes (and so discards) to the data take 10 ms: a block handed out too early gets punched.
        mapper.create("slow", "0 32768 delay " + data + " 0 0 " + data + " 0 10", dir);
        mapper.create("pool", "0 32768 thin-pool " + meta + " slow 128 16", dir);
        mapper.message("pool", 0, List.of("create_thin", "0"));
        MappedDevice thin = mapper.create("t", "0 32768 thin pool 0", dir); // as large as the pool
        int block = 64 * 1024;
        long[] last = new long[256]; // per block: the last write's number, 0 = discarded
        AtomicBoolean stop = new AtomicBoolean();
        Future<?> committer = threads.submit(() -> {
            while (!stop.get()) {
                thin.flush();
            }
            return null;
        });
        List<Future<?>> workers = new ArrayList<>();
        for (int t = 0; t < 4; t++) {
            int thread = t;
            workers.add(threads.submit(() -> {
                Random r = new Random(thread);
                for (int i = 1; i <= 300; i++) {
                    int b = thread + 4 * r.nextInt(64);
                    if (r.nextInt(3) == 0) {
                        thin.discard(b * (long) block, block);
                        last[b] = 0;
                    } else {
                        thin.write(ByteBuffer.wrap(slot(b, i)), b * (long) block);
                        last[b] = i;
                    }
                }
                return null;
            }));
        }
        for (Future<?> f : workers) {
            f.get(120, TimeUnit.SECONDS);
        }
        stop.set(true);
        committer.get(60, TimeUnit.SECONDS);
        for (int b = 0; b < 256; b++) {
            byte[] got = TestFiles.read(thin, b * (long) block, SLOT);
            if (last[b] == 0) {
                assertThat(got).as("block " + b + " was discarded last").containsOnly(0);
            } else {
                assertThat(seqOf(got, b)).as("block " + b + ": its last write").isEqualTo(last[b]);
            }
        }
        thin.flush();
        ThinCheck.passes(meta);
    }
}
