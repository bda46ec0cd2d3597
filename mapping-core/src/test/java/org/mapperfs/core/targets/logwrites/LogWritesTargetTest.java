package org.mapperfs.core.targets.logwrites;

import static org.assertj.core.api.Assertions.assertThat;
import static org.mapperfs.core.TestFiles.bytes;
import static org.mapperfs.core.TestFiles.seeded;
import static org.mapperfs.core.TestFiles.write;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mapperfs.core.MappedDevice;
import org.mapperfs.core.Mapper;

class LogWritesTargetTest {
    private static final int S = 512;

    @TempDir
    Path dir;
    Mapper mapper;
    Path disk;
    Path logFile;

    @BeforeEach
    void setUp() throws Exception {
        mapper = Mapper.standalone();
        disk = Files.write(dir.resolve("disk.img"), new byte[64 * S]).toRealPath();
        logFile = Files.write(dir.resolve("log.img"), new byte[256 * S]).toRealPath();
    }

    @AfterEach
    void tearDown() {
        mapper.close();
    }

    /** Writes A, flush, B, mark m1, C, discard, then removes the device (end mark). */
    private byte[][] session() throws Exception {
        MappedDevice d = mapper.create("lw", "0 64 log-writes " + disk + " " + logFile + "\n", dir);
        byte[] a = seeded(4 * S, 1);
        byte[] b = seeded(2 * S, 2);
        byte[] c = seeded(S, 3);
        write(d, 0, a);
        d.flush();
        write(d, 8 * S, b);
        assertThat(d.liveTable().segments().get(0).target().message(List.of("mark", "m1"))).isEmpty();
        write(d, 16 * S, c);
        d.discard(32 * S, 8 * S);
        assertThat(d.liveTable().statusText()).isEqualTo("0 64 log-writes 6 " + (1 + 5 + 1 + 3 + 1 + 2 + 1) + "\n");
        mapper.remove("lw", false);
        return new byte[][] {a, b, c};
    }

    @Test
    void theLogHasTheKernelsLayoutFieldByField() throws Exception {
        session();
        ByteBuffer log = ByteBuffer.wrap(bytes(logFile)).order(ByteOrder.LITTLE_ENDIAN);

        assertThat(Arrays.copyOfRange(log.array(), 0, 8)).isEqualTo("rhswfsj\0".getBytes(StandardCharsets.US_ASCII));
        assertThat(log.getLong(8)).as("version").isEqualTo(1);
        assertThat(log.getLong(16)).as("entries, with the end mark").isEqualTo(7);
        assertThat(log.getInt(24)).as("sector size").isEqualTo(512);
        // Entry 0 at sector 1: the write of A, 4 sectors at sector 0, its data from sector 2.
        assertThat(new long[] {log.getLong(S), log.getLong(S + 8), log.getLong(S + 16), log.getLong(S + 24)})
                .containsExactly(0, 4, 0, 0);
        assertThat(Arrays.copyOfRange(log.array(), 2 * S, 6 * S)).isEqualTo(seeded(4 * S, 1));
        // Entry 1 at sector 6: the flush.
        assertThat(log.getLong(6 * S + 16)).isEqualTo(WriteLog.FLUSH);
        // Entry 3 at sector 10: the mark, its text after the header.
        assertThat(log.getLong(10 * S + 16)).isEqualTo(WriteLog.MARK);
        assertThat(log.getLong(10 * S + 24)).isEqualTo(2);
        assertThat(new String(log.array(), 10 * S + 32, 2, StandardCharsets.US_ASCII)).isEqualTo("m1");
    }

    @Test
    void replayToAFlushOrAMarkGivesTheDeviceAsItWasThen() throws Exception {
        byte[][] data = session();
        try (LogReplay replay = LogReplay.open(logFile)) {
            assertThat(replay.entries()).extracting(e -> e.isFlush() ? "flush" : e.isMark() ? "mark " + e.mark()
                    : e.isDiscard() ? "discard " + e.sector() + "+" + e.sectors() : "write " + e.sector() + "+"
                    + e.sectors()).containsExactly("write 0+4", "flush", "write 8+2", "mark m1", "write 16+1",
                            "discard 32+8", "mark dm-log-writes-end");
            assertThat(replay.nextFlush(0)).isEqualTo(1);
            assertThat(replay.markIndex("m1")).isEqualTo(3);

            Path target = Files.write(dir.resolve("replayed.img"), new byte[64 * S]);
            try (FileChannel ch = FileChannel.open(target, StandardOpenOption.WRITE)) {
                replay.replay(ch, 0, replay.nextFlush(0) + 1);
            }
            byte[] atFlush = bytes(target);
            assertThat(Arrays.copyOfRange(atFlush, 0, 4 * S)).isEqualTo(data[0]);
            assertThat(Arrays.copyOfRange(atFlush, 8 * S, 10 * S)).containsOnly(0);

            try (FileChannel ch = FileChannel.open(target, StandardOpenOption.WRITE)) {
                replay.replay(ch, replay.nextFlush(0) + 1, replay.entries().size());
            }
            assertThat(bytes(target)).isEqualTo(bytes(disk));
        }
    }

    @Test
    void aWriteThatIsNotInWholeSectorsIsRefusedBeforeTheDeviceSeesIt() throws Exception {
        MappedDevice d = mapper.create("lw", "0 64 log-writes " + disk + " " + logFile + "\n", dir);

        org.assertj.core.api.Assertions.assertThatThrownBy(() -> write(d, 0, seeded(100, 4)))
                .isInstanceOf(java.io.IOException.class).hasMessageContaining("is not in whole sectors");

        assertThat(bytes(disk)).containsOnly(0);
        assertThat(d.liveTable().statusText()).isEqualTo("0 64 log-writes 0 1\n");
    }

    @Test
    void concurrentWritesAndFlushesAreLoggedEachWithItsDataInTheOrderEachWriterMadeThem() throws Exception {
        int writers = 8;
        int writes = 100;
        int region = 64; // sectors of the disk each writer has to itself
        Path big = Files.write(dir.resolve("big.img"), new byte[writers * region * S]).toRealPath();
        Path bigLog = Files.write(dir.resolve("biglog.img"), new byte[16384 * S]).toRealPath();
        MappedDevice d = mapper.create("lw", "0 " + writers * region + " log-writes " + big + " " + bigLog + "\n", dir);
        long[][] made = new long[writers][]; // each writer's writes in its order: sector << 32 | sectors << 16 | seed
        ExecutorService pool = Executors.newFixedThreadPool(writers);
        try {
            List<Future<?>> done = new ArrayList<>();
            for (int w = 0; w < writers; w++) {
                int writer = w;
                done.add(pool.submit(() -> {
                    Random random = new Random(writer);
                    long[] mine = new long[writes];
                    for (int i = 0; i < writes; i++) {
                        int sectors = 1 + random.nextInt(8);
                        long sector = (long) writer * region + random.nextInt(region - sectors + 1);
                        int seed = writer * writes + i;
                        write(d, sector * S, seeded(sectors * S, seed));
                        mine[i] = sector << 32 | (long) sectors << 16 | seed;
                        if (i % 10 == 9) {
                            d.flush();
                        }
                    }
                    made[writer] = mine;
                    return null;
                }));
            }
            for (Future<?> f : done) {
                f.get(30, TimeUnit.SECONDS);
            }
        } finally {
            pool.shutdownNow();
        }
        mapper.remove("lw", false);

        byte[] logged = bytes(bigLog);
        int[] seen = new int[writers];
        try (LogReplay replay = LogReplay.open(bigLog)) {
            List<LogReplay.Entry> entries = replay.entries();
            assertThat(entries).hasSize(writers * writes + writers * writes / 10 + 1);
            assertThat(entries.stream().filter(LogReplay.Entry::isFlush)).hasSize(writers * writes / 10);
            assertThat(entries.get(entries.size() - 1).mark()).isEqualTo(LogWritesTarget.END_MARK);
            for (LogReplay.Entry e : entries) {
                if (e.isFlush() || e.isMark()) {
                    continue;
                }
                int writer = (int) (e.sector() / region);
                long expected = made[writer][seen[writer]++];
                assertThat(e.sector() << 32 | e.sectors() << 16).as("entry %s", e.index())
                        .isEqualTo(expected & ~0xffffL);
                int from = (int) (e.logSector() + 1) * S;
                assertThat(Arrays.copyOfRange(logged, from, from + (int) e.sectors() * S)).as("entry %s's data", e.index())
                        .isEqualTo(seeded((int) e.sectors() * S, expected & 0xffff));
            }
            Path replayed = Files.write(dir.resolve("replayed.img"), new byte[writers * region * S]);
            try (FileChannel ch = FileChannel.open(replayed, StandardOpenOption.WRITE)) {
                replay.replay(ch, 0, entries.size());
            }
            assertThat(bytes(replayed)).isEqualTo(bytes(big));
        }
        assertThat(seen).containsOnly(writes);
    }

    @Test
    void aLogWriteThatFailsStopsTheLogAtTheFlushBeforeIt() throws Exception {
        // The log device's first 8 sectors are the log file; past them, writes fail.
        mapper.create("logdev", "0 8 linear " + logFile + " 0\n8 64 error\n", dir);
        MappedDevice d = mapper.create("lw", "0 64 log-writes " + disk + " logdev\n", dir);
        write(d, 0, seeded(2 * S, 1)); // sectors 1-3 of the log
        d.flush(); // sector 4, and the super block counts 2 entries
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> write(d, 8 * S, seeded(4 * S, 2)))
                .isInstanceOf(java.io.IOException.class); // its data would end at sector 9
        write(d, 16 * S, seeded(S, 3)); // the device goes on, unlogged
        d.flush();
        mapper.remove("lw", false);
        mapper.remove("logdev", false);

        assertThat(Arrays.copyOfRange(bytes(disk), 16 * S, 17 * S)).isEqualTo(seeded(S, 3));
        try (LogReplay replay = LogReplay.open(logFile)) {
            assertThat(replay.entries()).extracting(e -> e.isFlush() ? "flush" : "write " + e.sector() + "+" + e.sectors())
                    .containsExactly("write 0+2", "flush");
        }
    }
}
