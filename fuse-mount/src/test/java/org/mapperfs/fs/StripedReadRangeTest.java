package org.mapperfs.fs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mapperfs.core.FileRangeSink;
import org.mapperfs.core.MappedDevice;
import org.mapperfs.core.Mapper;
import org.mapperfs.libc.LibcVectorIo;

/**
 * A striped device's read handed over as ranges of its stripes' files ({@link
 * org.mapperfs.core.BlockDevice#readRange}, the path of a spliced READ reply): a read inside one
 * chunk as one range, a longer one chunk by chunk as pieces in the read's order, where the sink
 * takes that many; a stripe whose file cannot be read is marked D.
 */
class StripedReadRangeTest {
    private static final int MIB = 1 << 20;
    private static final int K64 = 64 << 10;

    @TempDir
    Path dir;
    Path a;
    Path b;
    Mapper mapper;
    /** a and b, 1 MiB each, in chunks of 64 KiB: a 2 MiB device. */
    MappedDevice vol;

    @BeforeEach
    void setUp() throws Exception {
        a = RangeReading.noise(dir, "a", MIB, 1).toRealPath();
        b = RangeReading.noise(dir, "b", MIB, 2).toRealPath();
        mapper = RangeReading.mapper(new LibcVectorIo());
        vol = mapper.create("vol", "0 4096 striped 2 128 " + a + " 0 " + b + " 0", dir);
    }

    @AfterEach
    void tearDown() {
        mapper.close();
    }

    private byte[] read(long at, int length) throws IOException {
        ByteBuffer buffer = ByteBuffer.allocate(length);
        vol.read(buffer, at);
        return buffer.array();
    }

    @Test
    void aReadInsideOneChunkIsOneRangeOfItsStripesFile() throws Exception {
        RangeReading sink = new RangeReading();

        assertThat(vol.readRange(3L * K64 + 4096, 8192, sink)).isTrue(); // chunk 3: b's second chunk

        assertThat(sink.files).containsExactly(b);
        assertThat(sink.positions).containsExactly((long) K64 + 4096);
        assertThat(sink.taken.get(0)).isEqualTo(RangeReading.bytes(b, K64 + 4096, 8192));
        assertThat(sink.taken.get(0)).isEqualTo(read(3L * K64 + 4096, 8192));
    }

    @Test
    void aLongerReadIsHandedOverChunkByChunkInTheReadsOrder() throws Exception {
        RangeReading sink = new RangeReading();
        sink.pieces = 5;
        int length = 4 * K64; // from half-way into chunk 0 to half-way into chunk 4

        assertThat(vol.readRange(K64 / 2, length, sink)).isTrue();

        assertThat(sink.files).containsExactly(a, b, a, b, a);
        assertThat(sink.positions).containsExactly((long) K64 / 2, 0L, (long) K64, (long) K64, 2L * K64);
        assertThat(sink.taken).extracting(t -> t.length).containsExactly(K64 / 2, K64, K64, K64, K64 / 2);
        assertThat(sink.totals).containsExactly(length, length, length, length, length);
        assertThat(sink.joined()).isEqualTo(read(K64 / 2, length));
    }

    @Test
    void aSinkThatTakesFewerPiecesIsHandedNothing() throws Exception {
        RangeReading four = new RangeReading();
        four.pieces = 4;
        RangeReading whole = new RangeReading();

        assertThat(vol.readRange(K64 / 2, 4 * K64, four)).as("5 chunks, 4 pieces at most").isFalse();
        assertThat(vol.readRange(0, 2 * K64, whole)).as("2 chunks, whole reads only").isFalse();

        assertThat(four.taken).isEmpty();
        assertThat(whole.taken).isEmpty();
        assertThat(vol.readRange(0, 4 * K64, four)).as("4 chunks, 4 pieces").isTrue();
        assertThat(four.joined()).isEqualTo(read(0, 4 * K64));
    }

    @Test
    void aStripeWhoseFileCannotBeReadFailsTheReadAndIsMarkedD() throws Exception {
        RangeReading sink = new RangeReading() {
            @Override
            public void take(int fd, long position, int length) throws IOException {
                if (Files.readSymbolicLink(Path.of("/proc/self/fd/" + fd)).equals(b)) {
                    throw new FileRangeSink.SourceFailed("unexpected end of file at offset " + position);
                }
                super.take(fd, position, length);
            }
        };
        sink.pieces = 8;
        assertThat(vol.liveTable().statusText()).contains(" 1 AA");

        assertThatThrownBy(() -> vol.readRange(0, 4 * K64, sink)).isInstanceOf(FileRangeSink.SourceFailed.class)
                .hasMessageContaining(b + ": unexpected end of file at offset 0");

        assertThat(vol.liveTable().statusText()).contains(" 1 AD");
        assertThat(sink.files).as("a's first chunk went before").isEqualTo(Collections.singletonList(a));
    }
}
