package org.mapperfs.core.targets.snapshot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.mapperfs.core.TestFiles.bytes;
import static org.mapperfs.core.TestFiles.read;
import static org.mapperfs.core.TestFiles.seeded;
import static org.mapperfs.core.TestFiles.write;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mapperfs.core.MappedDevice;
import org.mapperfs.core.Mapper;
import org.mapperfs.core.MapperException;
import org.mapperfs.core.TestFiles;

class SnapshotMergeTest {
    private static final int S = 512;
    private static final int SECTORS = 2048;
    private static final Pattern USAGE = Pattern.compile("snapshot-merge (\\d+)/(\\d+) (\\d+)\n");

    @TempDir
    Path dir;
    Mapper mapper;
    Path origin;
    Path cow;
    byte[] original;

    @BeforeEach
    void setUp() throws IOException {
        mapper = Mapper.standalone();
        origin = TestFiles.noiseSectors(dir, "origin.img", SECTORS, 21).toRealPath();
        cow = Files.write(dir.resolve("cow.img"), new byte[2 * SECTORS * S]).toRealPath();
        original = bytes(origin);
    }

    @AfterEach
    void tearDown() {
        mapper.close();
    }

    /** Writes seeded data to a P snapshot, returns its view, and removes it as dm requires before a merge. */
    private byte[] changedSnapshot(int writes, long seed) throws Exception {
        MappedDevice snap = mapper.create("snap", "0 " + SECTORS + " snapshot " + origin + " " + cow + " P 8", dir);
        byte[] model = original.clone();
        Random random = new Random(seed);
        for (int i = 0; i < writes; i++) {
            int offset = random.nextInt(model.length - 20 * S);
            byte[] data = seeded(1 + random.nextInt(20 * S), seed * 1000 + i);
            write(snap, offset, data);
            System.arraycopy(data, 0, model, offset, data.length);
        }
        mapper.remove("snap", false);
        return model;
    }

    /**
     * The COW file behind a delay device (2 ms an I/O), for a merge that must still be running
     * when the test looks: unslowed it ends in a few ms, which a descheduled test thread misses.
     */
    private String slowCow() throws Exception {
        mapper.create("slowcow", "0 " + 2 * SECTORS + " delay " + cow + " 0 2", dir);
        return "slowcow";
    }

    private static long[] usage(MappedDevice device) {
        Matcher m = USAGE.matcher(device.liveTable().statusText());
        assertThat(m.find()).as(device.liveTable().statusText()).isTrue();
        return new long[] {Long.parseLong(m.group(1)), Long.parseLong(m.group(2)), Long.parseLong(m.group(3))};
    }

    private static void awaitMerged(MappedDevice device) throws InterruptedException {
        long deadline = System.nanoTime() + 60_000_000_000L;
        while (usage(device)[0] != usage(device)[2]) {
            assertThat(System.nanoTime()).as("merge still running").isLessThan(deadline);
            Thread.sleep(5);
        }
    }

    @Test
    void theMergedOriginEqualsTheSnapshotsViewAndTheEventIsRaised() throws Exception {
        MappedDevice base = mapper.create("base", "0 " + SECTORS + " snapshot-origin " + origin, dir);
        byte[] model = changedSnapshot(150, 1);
        assertThat(bytes(origin)).isEqualTo(original);

        long before = base.eventNumber();
        String table = "0 " + SECTORS + " snapshot-merge " + origin + " " + slowCow() + " P 8\n";
        mapper.load("base", table, dir);
        mapper.resume("base");
        assertThat(base.liveTable().text()).isEqualTo(table);
        long[] start = usage(base);
        assertThat(start[0]).isGreaterThan(start[2]);
        assertThat(base.awaitEvent(before + 1, 60_000)).as("merge-done event").isGreaterThan(before + 1);

        awaitMerged(base);
        assertThat(usage(base)).containsExactly(16, 2 * SECTORS, 16);
        assertThat(bytes(origin)).isEqualTo(model);
        assertThat(read(base, 0, model.length)).isEqualTo(model);
    }

    @Test
    void theDeviceShowsTheSnapshotsViewAndTakesWritesWhileItMerges() throws Exception {
        MappedDevice base = mapper.create("base", "0 " + SECTORS + " snapshot-origin " + origin, dir);
        byte[] model = changedSnapshot(600, 2);
        mapper.load("base", "0 " + SECTORS + " snapshot-merge " + origin + " " + slowCow() + " P 8", dir);
        mapper.resume("base");

        assertThat(usage(base)[0]).as("still merging").isGreaterThan(usage(base)[2]);
        Random random = new Random(3);
        for (int i = 0; i < 100; i++) {
            int offset = random.nextInt(model.length - 8 * S);
            assertThat(read(base, offset, 8 * S)).isEqualTo(java.util.Arrays.copyOfRange(model, offset, offset + 8 * S));
            byte[] data = seeded(1 + random.nextInt(8 * S), 500 + i);
            write(base, offset, data);
            System.arraycopy(data, 0, model, offset, data.length);
        }
        awaitMerged(base);

        assertThat(bytes(origin)).isEqualTo(model);
    }

    @Test
    void anotherSnapshotOfTheOriginKeepsItsViewThroughTheMerge() throws Exception {
        Path otherCow = Files.write(dir.resolve("other.cow"), new byte[2 * SECTORS * S]).toRealPath();
        MappedDevice other = mapper.create("other",
                "0 " + SECTORS + " snapshot " + origin + " " + otherCow + " N 16", dir);
        MappedDevice base = mapper.create("base", "0 " + SECTORS + " snapshot-origin " + origin, dir);
        byte[] model = changedSnapshot(100, 4);
        mapper.load("base", "0 " + SECTORS + " snapshot-merge " + origin + " " + cow + " P 8", dir);
        mapper.resume("base");
        awaitMerged(base);

        assertThat(bytes(origin)).isEqualTo(model);
        assertThat(read(other, 0, original.length)).isEqualTo(original);
    }

    @Test
    void suspendStopsTheMergeAndResumeGoesOn() throws Exception {
        MappedDevice base = mapper.create("base", "0 " + SECTORS + " snapshot-origin " + origin, dir);
        byte[] model = changedSnapshot(600, 5);
        mapper.load("base", "0 " + SECTORS + " snapshot-merge " + origin + " " + slowCow() + " P 8", dir);
        mapper.resume("base");
        mapper.suspend("base", true);
        long[] stopped = usage(base);
        assertThat(stopped[0]).as("stopped half-way").isGreaterThan(stopped[2]);
        Thread.sleep(100);

        assertThat(usage(base)).containsExactly(stopped);
        mapper.resume("base");
        awaitMerged(base);
        assertThat(bytes(origin)).isEqualTo(model);
    }

    @Test
    void aMergeThatWasInterruptedGoesOnFromTheCowAfterAReopen() throws Exception {
        mapper.create("base", "0 " + SECTORS + " snapshot-origin " + origin, dir);
        byte[] model = changedSnapshot(300, 6);
        mapper.load("base", "0 " + SECTORS + " snapshot-merge " + origin + " " + cow + " P 8", dir);
        mapper.resume("base");
        mapper.close();

        mapper = Mapper.standalone();
        MappedDevice again = mapper.create("base",
                "0 " + SECTORS + " snapshot-merge " + origin + " " + cow + " P 8", dir);
        assertThat(read(again, 0, model.length)).isEqualTo(model);
        awaitMerged(again);
        assertThat(bytes(origin)).isEqualTo(model);
    }

    @Test
    void anotherOriginDeviceOfTheSameOriginGoesThroughTheMerge() throws Exception {
        MappedDevice base = mapper.create("base", "0 " + SECTORS + " snapshot-origin " + origin, dir);
        MappedDevice second = mapper.create("second", "0 " + SECTORS + " snapshot-origin " + origin, dir);
        byte[] model = changedSnapshot(600, 7);
        mapper.load("base", "0 " + SECTORS + " snapshot-merge " + origin + " " + cow + " P 8", dir);
        mapper.resume("base");

        // Every chunk, merged or not: a write through the other origin device is never undone.
        byte[] data = seeded(model.length, 8);
        write(second, 0, data);
        awaitMerged(base);

        assertThat(bytes(origin)).isEqualTo(data);
        assertThat(read(second, 0, data.length)).isEqualTo(data);
        Path otherCow = Files.write(dir.resolve("other.cow"), new byte[2 * SECTORS * S]).toRealPath();
        assertThatThrownBy(() -> mapper.create("m2",
                "0 " + SECTORS + " snapshot-merge " + origin + " " + otherCow + " P 8", dir))
                .isInstanceOf(MapperException.class).hasMessageContaining("is already being merged into");
    }

    @Test
    void aLoadedMergeChangesNothingUntilItIsResumed() throws Exception {
        MappedDevice base = mapper.create("base", "0 " + SECTORS + " snapshot-origin " + origin, dir);
        byte[] model = changedSnapshot(50, 9);
        mapper.load("base", "0 " + SECTORS + " snapshot-merge " + origin + " " + cow + " P 8", dir);
        Thread.sleep(50);

        assertThat(read(base, 0, original.length)).isEqualTo(original);
        assertThat(bytes(origin)).isEqualTo(original);
        mapper.resume("base");
        awaitMerged(base);
        assertThat(bytes(origin)).isEqualTo(model);
    }

    @Test
    void aMergeNeedsAPersistentCowThatNoSnapshotHolds() throws Exception {
        mapper.create("snap", "0 " + SECTORS + " snapshot " + origin + " " + cow + " P 8", dir);

        assertThatThrownBy(() -> mapper.create("m", "0 " + SECTORS + " snapshot-merge " + origin + " " + cow + " P 8",
                dir)).isInstanceOf(MapperException.class).hasMessageContaining("in use by another snapshot");
        assertThatThrownBy(() -> mapper.create("m", "0 " + SECTORS + " snapshot-merge " + origin + " " + cow + " N 8",
                dir)).isInstanceOf(MapperException.class).hasMessageContaining("needs a persistent store");
    }
}
