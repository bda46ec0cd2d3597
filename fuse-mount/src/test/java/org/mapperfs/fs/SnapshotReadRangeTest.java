package org.mapperfs.fs;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mapperfs.core.MappedDevice;
import org.mapperfs.core.Mapper;
import org.mapperfs.libc.LibcVectorIo;

/**
 * A snapshot's read, and its origin's, handed over as one range of a file ({@link
 * org.mapperfs.core.BlockDevice#readRange}, the path of a spliced READ reply): a run of chunks not
 * copied is the origin file's range, a run of copied chunks that follow one another in the COW
 * device is the COW file's, a read across such runs goes run by run to a sink that takes pieces
 * (else the usual way); and the chunks stay locked
 * against the origin's writes until the range is taken. A merge hands over a run of chunks not
 * merged yet from the COW file, merged ones from the origin's, and its steps wait the same way.
 */
class SnapshotReadRangeTest {
    private static final int MIB = 1 << 20;
    private static final int K64 = 64 << 10;
    private static final Pattern USAGE = Pattern.compile("snapshot-merge (\\d+)/\\d+ (\\d+)\n");

    @TempDir
    Path dir;
    Path originFile;
    Path cowFile;
    Mapper mapper;
    MappedDevice base;
    MappedDevice snap;

    @BeforeEach
    void setUp() throws Exception {
        originFile = RangeReading.noise(dir, "origin", 2 * MIB, 1);
        cowFile = Files.write(dir.resolve("cow"), new byte[4 * MIB]);
        mapper = RangeReading.mapper(new LibcVectorIo());
        base = mapper.create("base", "0 4096 snapshot-origin " + originFile, dir);
        snap = mapper.create("snap", "0 4096 snapshot " + originFile + " " + cowFile + " P 8", dir); // 4 KiB chunks
    }

    @AfterEach
    void tearDown() {
        mapper.close();
    }

    private static void write(MappedDevice device, long at, byte[] data) throws IOException {
        device.write(ByteBuffer.wrap(data), at);
    }

    /** Chunks a merge has still to take back into the origin, from its status. */
    private static long unmerged(MappedDevice device) {
        Matcher m = USAGE.matcher(device.liveTable().statusText());
        assertThat(m.find()).as(device.liveTable().statusText()).isTrue();
        return (Long.parseLong(m.group(1)) - Long.parseLong(m.group(2))) / 8;
    }

    @Test
    void chunksNotCopiedAreTheOriginFilesRange() throws Exception {
        RangeReading sink = new RangeReading();

        assertThat(snap.readRange(12288, K64, sink)).isTrue();
        assertThat(base.readRange(MIB, K64, sink)).isTrue();

        assertThat(sink.files).containsExactly(originFile.toRealPath(), originFile.toRealPath());
        assertThat(sink.positions).containsExactly(12288L, (long) MIB);
        assertThat(sink.taken.get(0)).isEqualTo(RangeReading.bytes(originFile, 12288, K64));
    }

    @Test
    void aRunOfCopiedChunksIsTheCowFilesRangeWithTheOldBytes() throws Exception {
        byte[] before = RangeReading.bytes(originFile, 0, 2 * K64);
        write(base, 0, new byte[2 * K64]); // copies out 32 chunks, in order

        RangeReading sink = new RangeReading();
        assertThat(snap.readRange(4096, K64, sink)).isTrue();

        assertThat(sink.files).containsExactly(cowFile.toRealPath());
        assertThat(sink.taken.get(0)).isEqualTo(java.util.Arrays.copyOfRange(before, 4096, 4096 + K64));
    }

    @Test
    void aReadAcrossCopiedAndUncopiedChunksIsNotHandedOverToASinkOfWholeReads() throws Exception {
        byte[] before = RangeReading.bytes(originFile, 0, 2 * K64);
        write(base, K64, new byte[4096]); // one chunk copied in the middle
        RangeReading sink = new RangeReading();

        assertThat(snap.readRange(0, 2 * K64, sink)).isFalse();

        assertThat(sink.taken).isEmpty();
        ByteBuffer copied = ByteBuffer.allocate(2 * K64);
        snap.read(copied, 0);
        assertThat(copied.array()).isEqualTo(before);
    }

    @Test
    void aReadAcrossCopiedAndUncopiedChunksGoesRunByRunToASinkThatTakesPieces() throws Exception {
        byte[] before = RangeReading.bytes(originFile, 0, 2 * K64);
        write(snap, K64 + 4096, new byte[4096]); // chunk 17: the snapshot's own, at COW chunk 2
        write(base, K64, new byte[4096]); // chunk 16 copied out, to COW chunk 3
        byte[] want = before.clone();
        Arrays.fill(want, K64 + 4096, K64 + 8192, (byte) 0);
        RangeReading sink = new RangeReading();
        sink.pieces = 4;

        assertThat(snap.readRange(0, 2 * K64, sink)).as("origin, COW 2, COW 1, origin").isTrue();

        Path origin = originFile.toRealPath();
        Path cow = cowFile.toRealPath();
        assertThat(sink.files).containsExactly(origin, cow, cow, origin);
        // (COW chunks 0 and 1 are the header and the first metadata area)
        assertThat(sink.positions).containsExactly(0L, 3 * 4096L, 2 * 4096L, K64 + 8192L);
        assertThat(sink.joined()).isEqualTo(want);
        ByteBuffer copied = ByteBuffer.allocate(2 * K64);
        snap.read(copied, 0);
        assertThat(copied.array()).isEqualTo(want);

        RangeReading three = new RangeReading();
        three.pieces = 3;
        assertThat(snap.readRange(0, 2 * K64, three)).as("4 runs, 3 pieces at most").isFalse();
        assertThat(three.taken).isEmpty();
    }

    @Test
    void anOriginWriteToAChunkBeingTakenWaitsUntilTheRangeIsTaken() throws Exception {
        byte[] before = RangeReading.bytes(originFile, 0, K64);
        RangeReading.Held slow = new RangeReading.Held();
        CompletableFuture<Boolean> read = slow.readRangeHeld(snap::readRange, 0, K64);

        CompletableFuture<Void> overwrite = RangeReading.writeAsync(base, 8192, new byte[4096]);
        Thread.sleep(200);
        assertThat(overwrite).as("the origin write waits for the chunk's lock").isNotDone();

        slow.release();
        assertThat(read.get(5, TimeUnit.SECONDS)).isTrue();
        overwrite.get(5, TimeUnit.SECONDS);
        assertThat(slow.files).containsExactly(originFile.toRealPath());
        assertThat(slow.taken.get(0)).isEqualTo(before);
        ByteBuffer after = ByteBuffer.allocate(K64);
        snap.read(after, 0);
        assertThat(after.array()).as("the snapshot kept the old chunk").isEqualTo(before);
    }

    @Test
    void aMergeHandsOverChunksNotMergedFromTheCowFileAndItsStepWaitsUntilTheRangeIsTaken() throws Exception {
        MappedDevice second = mapper.create("second", "0 4096 snapshot-origin " + originFile, dir);
        byte[] data = Files.readAllBytes(RangeReading.noise(dir, "new", 2 * MIB, 2));
        for (int at = 0; at < 2 * MIB; at += K64) { // chunk 0 first: the merge takes the newest first
            write(snap, at, Arrays.copyOfRange(data, at, at + K64));
        }
        mapper.remove("snap", false);
        mapper.load("base", "0 4096 snapshot-merge " + originFile + " " + cowFile + " P 8", dir);
        mapper.resume("base");
        mapper.suspend("base", true);
        assertThat(unmerged(base)).as("stopped before chunks 0-15, the oldest").isGreaterThanOrEqualTo(16);

        RangeReading sink = new RangeReading();
        assertThat(second.readRange(0, K64, sink)).as("another origin device, through the merge").isTrue();
        assertThat(sink.files).containsExactly(cowFile.toRealPath());
        assertThat(sink.taken.get(0)).isEqualTo(Arrays.copyOfRange(data, 0, K64));

        // Through the table: the suspended device would hold the read back.
        RangeReading.Held slow = new RangeReading.Held();
        CompletableFuture<Boolean> read = slow.readRangeHeld(base.liveTable()::readRange, 0, K64);
        mapper.resume("base");
        Thread.sleep(200);
        assertThat(unmerged(base)).as("the merge waits for chunks 0-15").isGreaterThanOrEqualTo(16);

        slow.release();
        assertThat(read.get(5, TimeUnit.SECONDS)).isTrue();
        assertThat(slow.files).containsExactly(cowFile.toRealPath());
        assertThat(slow.taken.get(0)).isEqualTo(Arrays.copyOfRange(data, 0, K64));
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (unmerged(base) > 0) {
            assertThat(System.nanoTime()).as("merge still running").isLessThan(deadline);
            Thread.sleep(5);
        }
        assertThat(Files.readAllBytes(originFile)).isEqualTo(data);

        RangeReading merged = new RangeReading();
        assertThat(base.readRange(K64, K64, merged)).isTrue();
        assertThat(merged.files).containsExactly(originFile.toRealPath());
        assertThat(merged.taken.get(0)).isEqualTo(Arrays.copyOfRange(data, K64, 2 * K64));
    }
}
