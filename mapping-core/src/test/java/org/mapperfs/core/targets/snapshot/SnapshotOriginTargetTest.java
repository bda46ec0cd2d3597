package org.mapperfs.core.targets.snapshot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.mapperfs.core.TestFiles.bytes;
import static org.mapperfs.core.TestFiles.read;
import static org.mapperfs.core.TestFiles.seeded;
import static org.mapperfs.core.TestFiles.slice;
import static org.mapperfs.core.TestFiles.write;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mapperfs.core.MappedDevice;
import org.mapperfs.core.Mapper;
import org.mapperfs.core.TestFiles;
import org.mapperfs.core.TestThreads;

class SnapshotOriginTargetTest {
    private static final int S = 512;
    private static final int SECTORS = 512;

    @TempDir
    Path dir;
    Mapper mapper;
    Path origin;
    byte[] original;

    @BeforeEach
    void setUp() throws IOException {
        mapper = Mapper.standalone();
        origin = TestFiles.noiseSectors(dir, "origin.img", SECTORS, 5).toRealPath();
        original = bytes(origin);
    }

    @AfterEach
    void tearDown() {
        mapper.close();
    }

    private Path cow(String name, int sectors) throws IOException {
        return Files.write(dir.resolve(name), new byte[sectors * S]).toRealPath();
    }

    private MappedDevice snapshot(String name, String mode, int chunk) throws Exception {
        return mapper.create(name, "0 " + SECTORS + " snapshot " + origin + " " + cow(name + ".cow", 2 * SECTORS)
                + " " + mode + " " + chunk, dir);
    }

    @Test
    void originWritesCopyOutSoThatEverySnapshotKeepsItsOwnView() throws Exception {
        MappedDevice a = snapshot("a", "N", 8);
        MappedDevice b = snapshot("b", "P", 32);
        MappedDevice base = mapper.create("base", "0 " + SECTORS + " snapshot-origin " + origin, dir);
        byte[] originModel = original.clone();
        byte[] aModel = original.clone();
        byte[] bModel = original.clone();
        Random random = new Random(17);
        for (int i = 0; i < 300; i++) {
            int offset = random.nextInt(originModel.length);
            int length = 1 + random.nextInt(Math.min(40 * S, originModel.length - offset));
            byte[] data = seeded(length, i);
            int which = random.nextInt(3);
            MappedDevice target = which == 0 ? base : which == 1 ? a : b;
            byte[] model = which == 0 ? originModel : which == 1 ? aModel : bModel;
            write(target, offset, data);
            System.arraycopy(data, 0, model, offset, length);
        }

        assertThat(read(base, 0, originModel.length)).isEqualTo(originModel);
        assertThat(bytes(origin)).isEqualTo(originModel);
        assertThat(read(a, 0, aModel.length)).isEqualTo(aModel);
        assertThat(read(b, 0, bModel.length)).isEqualTo(bModel);
    }

    @Test
    void readsPassThroughAndEachChunkIsCopiedOutOnce() throws Exception {
        MappedDevice snap = snapshot("snap", "N", 8);
        MappedDevice base = mapper.create("base", "0 " + SECTORS + " snapshot-origin " + origin, dir);
        assertThat(read(base, 0, 64 * S)).isEqualTo(slice(original, 0, 64 * S));

        write(base, 0, new byte[] {1});
        write(base, 100, new byte[] {2});
        write(base, 7 * S, new byte[] {3});

        assertThat(snap.liveTable().statusText()).isEqualTo("0 " + SECTORS + " snapshot 8/1024 0\n");
        assertThat(read(snap, 0, 8 * S)).isEqualTo(slice(original, 0, 8 * S));
        assertThat(base.liveTable().statusText()).isEqualTo("0 " + SECTORS + " snapshot-origin\n");
        assertThat(base.liveTable().text()).isEqualTo("0 " + SECTORS + " snapshot-origin " + origin + "\n");
    }

    @Test
    void aFullSnapshotIsInvalidatedAndTheOriginAndTheOtherSnapshotsGoOn() throws Exception {
        MappedDevice good = snapshot("good", "P", 8);
        Path small = cow("small.cow", 32);
        MappedDevice full = mapper.create("full", "0 " + SECTORS + " snapshot " + origin + " " + small + " P 8", dir);
        MappedDevice base = mapper.create("base", "0 " + SECTORS + " snapshot-origin " + origin, dir);

        byte[] data = seeded(64 * S, 3);
        write(base, 0, data);

        assertThat(full.liveTable().statusText()).endsWith("snapshot Invalid\n");
        assertThat(read(base, 0, 64 * S)).isEqualTo(data);
        assertThat(read(good, 0, SECTORS * S)).isEqualTo(original);
        // No more copy-out to the invalid one: its COW device no longer changes.
        byte[] frozen = bytes(small);
        write(base, 200 * S, seeded(S, 4));
        assertThat(bytes(small)).isEqualTo(frozen);
    }

    @Test
    void snapshotReadsNeverSeeOriginWritesThatRaceWithTheirCopyOut() throws Exception {
        MappedDevice a = snapshot("a", "N", 8);
        MappedDevice b = snapshot("b", "N", 16);
        MappedDevice base = mapper.create("base", "0 " + SECTORS + " snapshot-origin " + origin, dir);
        ExecutorService pool = TestThreads.pool();
        try {
            List<Future<?>> jobs = new ArrayList<>();
            for (int w = 0; w < 2; w++) {
                int seed = w;
                jobs.add(pool.submit(() -> {
                    Random random = new Random(seed);
                    for (int i = 0; i < 400; i++) {
                        int sector = random.nextInt(SECTORS - 8);
                        write(base, (long) sector * S, seeded(8 * S, seed * 1000 + i));
                    }
                    return null;
                }));
            }
            for (MappedDevice snap : List.of(a, b)) {
                jobs.add(pool.submit(() -> {
                    Random random = new Random(snap.name().hashCode());
                    for (int i = 0; i < 400; i++) {
                        int sector = random.nextInt(SECTORS - 8);
                        assertThat(read(snap, (long) sector * S, 8 * S))
                                .isEqualTo(slice(original, (long) sector * S, 8 * S));
                    }
                    return null;
                }));
            }
            for (Future<?> job : jobs) {
                job.get(60, TimeUnit.SECONDS);
            }
        } finally {
            TestThreads.shutdown(pool);
        }
        assertThat(read(a, 0, SECTORS * S)).isEqualTo(original);
        assertThat(read(b, 0, SECTORS * S)).isEqualTo(original);
    }

    @Test
    void concurrentFirstWritesToOneSnapshotChunkAllSurvive() throws Exception {
        MappedDevice snap = snapshot("snap", "P", 8);
        ExecutorService pool = TestThreads.pool();
        byte[] expected = original.clone();
        try {
            List<Future<?>> jobs = new ArrayList<>();
            // Eight writers, one sector each in every 8-sector chunk: each chunk's first write races.
            for (int w = 0; w < 8; w++) {
                int sectorInChunk = w;
                byte[] fill = seeded(S, 100 + w);
                for (int c = 0; c < SECTORS / 8; c++) {
                    System.arraycopy(fill, 0, expected, (c * 8 + sectorInChunk) * S, S);
                }
                jobs.add(pool.submit(() -> {
                    for (int c = 0; c < SECTORS / 8; c++) {
                        write(snap, (long) (c * 8 + sectorInChunk) * S, fill);
                    }
                    return null;
                }));
            }
            for (Future<?> job : jobs) {
                job.get(60, TimeUnit.SECONDS);
            }
        } finally {
            TestThreads.shutdown(pool);
        }
        assertThat(read(snap, 0, SECTORS * S)).isEqualTo(expected);
        assertThat(bytes(origin)).isEqualTo(original);
    }
}
