package org.mapperfs.fs;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
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
 * A thin device's read handed over as ranges of the pool's data file ({@link
 * org.mapperfs.core.BlockDevice#readRange}, the path of a spliced READ reply): only where every
 * block of the read is mapped; as one range where their data blocks follow one another, else run
 * by run as pieces to a sink that takes them; with the blocks' cells held until it is taken.
 */
class ThinReadRangeTest {
    private static final int BLOCK = 64 << 10; // 128 sectors

    @TempDir
    Path dir;
    Path data;
    Mapper mapper;
    MappedDevice thin;

    private Path sized(String name, long bytes) throws IOException {
        Path p = dir.resolve(name);
        try (RandomAccessFile f = new RandomAccessFile(p.toFile(), "rw")) {
            f.setLength(bytes);
        }
        return p.toRealPath();
    }

    @BeforeEach
    void setUp() throws Exception {
        Path meta = sized("meta", 4 << 20);
        data = sized("data", 16 << 20);
        mapper = RangeReading.mapper(new LibcVectorIo());
        mapper.create("pool", "0 32768 thin-pool " + meta + " " + data + " 128 16", dir);
        mapper.message("pool", 0, List.of("create_thin", "0"));
        thin = mapper.create("t", "0 65536 thin pool 0", dir); // 32 MiB
    }

    @AfterEach
    void tearDown() {
        mapper.close();
    }

    private static byte[] noise(int length, long seed) {
        byte[] b = new byte[length];
        new Random(seed).nextBytes(b);
        return b;
    }

    /** Writes a whole block of noise at virtual block {@code block}; returns it. */
    private byte[] writeBlock(long block) throws IOException {
        byte[] b = noise(BLOCK, block);
        thin.write(ByteBuffer.wrap(b), block * BLOCK);
        return b;
    }

    @Test
    void blocksMappedOneAfterAnotherAreTheDataFilesRange() throws Exception {
        byte[] first = writeBlock(10); // data block 0
        byte[] second = writeBlock(11); // data block 1
        RangeReading sink = new RangeReading();

        assertThat(thin.readRange(10L * BLOCK + 4096, BLOCK, sink)).isTrue();

        assertThat(sink.files).containsExactly(data);
        assertThat(sink.positions).containsExactly(4096L);
        byte[] want = new byte[BLOCK];
        System.arraycopy(first, 4096, want, 0, BLOCK - 4096);
        System.arraycopy(second, 0, want, BLOCK - 4096, 4096);
        assertThat(sink.taken.get(0)).isEqualTo(want);
    }

    @Test
    void blocksNotInOrderInTheDataFileOrNotMappedAreNotHandedOverToASinkOfWholeReads() throws Exception {
        writeBlock(5); // data block 0
        writeBlock(3); // data block 1
        writeBlock(4); // data block 2
        RangeReading sink = new RangeReading();

        assertThat(thin.readRange(3L * BLOCK, 3 * BLOCK, sink)).as("3 4 5 -> 1 2 0").isFalse();
        assertThat(thin.readRange(5L * BLOCK, 2 * BLOCK, sink)).as("5, then 6 unmapped").isFalse();
        assertThat(thin.readRange(20L * BLOCK, BLOCK, sink)).as("unmapped").isFalse();
        assertThat(sink.taken).isEmpty();

        assertThat(thin.readRange(3L * BLOCK, 2 * BLOCK, sink)).as("3 4 -> 1 2").isTrue();
        assertThat(sink.positions).containsExactly((long) BLOCK);
    }

    @Test
    void blocksApartInTheDataFileAreHandedOverRunByRunToASinkThatTakesPieces() throws Exception {
        byte[] five = writeBlock(5); // data block 0
        byte[] three = writeBlock(3); // data block 1
        byte[] four = writeBlock(4); // data block 2
        RangeReading sink = new RangeReading();
        sink.pieces = 2;
        int length = 3 * BLOCK - 8192;

        assertThat(thin.readRange(3L * BLOCK + 4096, length, sink)).as("3 4 5 -> 1 2 0: two runs").isTrue();

        assertThat(sink.files).containsExactly(data, data);
        assertThat(sink.positions).containsExactly((long) BLOCK + 4096, 0L);
        assertThat(sink.totals).containsExactly(length, length);
        byte[] want = new byte[length];
        System.arraycopy(three, 4096, want, 0, BLOCK - 4096);
        System.arraycopy(four, 0, want, BLOCK - 4096, BLOCK);
        System.arraycopy(five, 0, want, 2 * BLOCK - 4096, BLOCK - 4096);
        assertThat(sink.joined()).isEqualTo(want);

        RangeReading one = new RangeReading();
        one.pieces = 1;
        assertThat(thin.readRange(3L * BLOCK, 3 * BLOCK, one)).as("two runs, one piece").isFalse();
        sink.pieces = 4;
        assertThat(thin.readRange(5L * BLOCK, 2 * BLOCK, sink)).as("5, then 6 unmapped").isFalse();
        assertThat(one.taken).isEmpty();
        assertThat(sink.taken).hasSize(2);
    }

    @Test
    void aWriteToABlockBeingTakenWaitsUntilTheRangeIsTaken() throws Exception {
        writeBlock(0);
        byte[] second = writeBlock(1);
        RangeReading.Held slow = new RangeReading.Held();
        CompletableFuture<Boolean> read = slow.readRangeHeld(thin::readRange, 0, 2 * BLOCK);

        CompletableFuture<Void> overwrite = RangeReading.writeAsync(thin, BLOCK + 4096L, new byte[4096]);
        Thread.sleep(200);
        assertThat(overwrite).as("the write waits for the block's cell").isNotDone();

        slow.release();
        assertThat(read.get(5, TimeUnit.SECONDS)).isTrue();
        overwrite.get(5, TimeUnit.SECONDS);
        byte[] taken = slow.taken.get(0);
        assertThat(java.util.Arrays.copyOfRange(taken, BLOCK, 2 * BLOCK)).isEqualTo(second);
    }
}
