package org.mapperfs.fs;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
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
 * device is the COW file's, anything else is read the usual way; and the chunks stay locked
 * against the origin's writes until the range is taken.
 */
class SnapshotReadRangeTest {
    private static final int MIB = 1 << 20;
    private static final int K64 = 64 << 10;

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
    void aReadAcrossCopiedAndUncopiedChunksIsNotHandedOver() throws Exception {
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
    void anOriginWriteToAChunkBeingTakenWaitsUntilTheRangeIsTaken() throws Exception {
        byte[] before = RangeReading.bytes(originFile, 0, K64);
        RangeReading.Held slow = new RangeReading.Held();
        CompletableFuture<Boolean> read = slow.readRangeHeld(snap, 0, K64);

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
}
