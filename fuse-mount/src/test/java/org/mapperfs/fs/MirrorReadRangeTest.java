package org.mapperfs.fs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mapperfs.core.FileRangeSink;
import org.mapperfs.core.IoStats;
import org.mapperfs.core.Mapper;
import org.mapperfs.libc.LibcVectorIo;

/**
 * A mirror's read handed over as a range of one leg's file ({@link MapperFs#readRange}, the path
 * of a spliced READ reply): the leg chosen as a copied read chooses it, a leg whose file cannot be
 * read dropped and the next one tried, a failure of the sink's own leaving every leg as it was.
 */
class MirrorReadRangeTest {
    private static final int MIB = 1 << 20;
    private static final int K64 = 64 << 10;
    private static final Pattern HEALTH = Pattern.compile(" \\d+/\\d+ 1 ([ADFRS]+) ");

    @TempDir
    Path dir;
    /** Two legs of the same random bytes, 2 MiB each. */
    Path a;
    Path b;
    Mapper mapper;

    @BeforeEach
    void setUp() throws IOException {
        a = leg("a");
        b = leg("b");
        mapper = RangeReading.mapper(new LibcVectorIo());
    }

    @AfterEach
    void tearDown() {
        mapper.close();
    }

    private Path leg(String name) throws IOException {
        return RangeReading.noise(dir, name, 2 * MIB, 42);
    }

    /** A file system with device "vol" made of {@code table}, and a handle of it. */
    private record Vol(MapperFs fs, long fh) {
        int readRange(long offset, int size, FileRangeSink sink) throws Exception {
            return fs.readRange(fh, offset, size, sink);
        }
    }

    private Vol vol(String table) throws Exception {
        mapper.create("vol", table, dir);
        MapperFs fs = RangeReading.fs(mapper, dir);
        return new Vol(fs, RangeReading.open(fs, "vol"));
    }

    /** The mirror of a and b, every region in sync. */
    private Vol inSync() throws Exception {
        return vol("0 4096 mirror core 2 1024 nosync 2 " + a + " 0 " + b + " 0");
    }

    private static String health(Mapper mapper) throws Exception {
        String status = mapper.device("vol").liveTable().statusText();
        Matcher m = HEALTH.matcher(status);
        assertThat(m.find()).as("a mirror status: %s", status).isTrue();
        return m.group(1);
    }

    /** Sources every read of {@code broken} fail, as a splice from a file cut short does. */
    private static final class FailingOn extends RangeReading {
        private final Path broken;
        int failed;

        FailingOn(Path broken) {
            this.broken = broken;
        }

        @Override
        public void take(int fd, long position, int length) throws IOException {
            if (Files.readSymbolicLink(Path.of("/proc/self/fd/" + fd)).equals(broken)) {
                failed++;
                throw new FileRangeSink.SourceFailed("unexpected end of file at offset " + position);
            }
            super.take(fd, position, length);
        }
    }

    @Test
    void readsOfRegionsInSyncAreHandedOverFromTheLegsInTurn() throws Exception {
        Vol vol = inSync();
        RangeReading sink = new RangeReading();

        for (int i = 0; i < 4; i++) {
            assertThat(vol.readRange(4096 + i * K64, K64, sink)).isEqualTo(K64);
        }

        assertThat(sink.files).containsExactly(a, b, a, b);
        for (int i = 0; i < 4; i++) {
            assertThat(sink.taken.get(i)).isEqualTo(RangeReading.bytes(a, 4096 + i * K64, K64));
        }
        assertThat(mapper.device("vol").stats().ops(IoStats.Kind.READ)).isEqualTo(4);
        assertThat(health(mapper)).isEqualTo("AA");
    }

    @Test
    void withLegsAtOffsetsTheRangeIsEachLegsOwn() throws Exception {
        b = RangeReading.noise(dir, "b3", 3 * MIB, 43);
        Vol vol = vol("0 2048 mirror core 2 1024 nosync 2 " + a + " 0 " + b + " 2048");
        RangeReading sink = new RangeReading();

        vol.readRange(8192, K64, sink);
        vol.readRange(8192, K64, sink);

        assertThat(sink.positions).containsExactly(8192L, MIB + 8192L);
        assertThat(sink.taken.get(1)).isEqualTo(RangeReading.bytes(b, MIB + 8192, K64));
    }

    @Test
    void aRegionNotInSyncIsHandedOverFromThePrimaryOnly() throws Exception {
        // Resync at 1 KiB/s: the last region (512 KiB) is not in sync for minutes.
        Vol vol = vol("0 4096 mirror core 2 1024 sync 2 " + a + " 0 " + b + " 0 2 max_recovery_rate 1");
        RangeReading sink = new RangeReading();

        for (int i = 0; i < 3; i++) {
            vol.readRange(2 * MIB - K64, K64, sink);
        }

        assertThat(sink.files).containsExactly(a, a, a);
    }

    @Test
    void aLegWhoseFileCannotBeReadIsDroppedAndTheNextLegHandsTheRangeOver() throws Exception {
        Vol vol = inSync();
        FailingOn sink = new FailingOn(a);

        for (int i = 0; i < 4; i++) {
            assertThat(vol.readRange(i * K64, K64, sink)).isEqualTo(K64);
        }

        assertThat(sink.failed).as("leg a tried once, then dropped").isEqualTo(1);
        assertThat(sink.files).containsExactly(b, b, b, b);
        assertThat(sink.taken.get(0)).isEqualTo(RangeReading.bytes(b, 0, K64));
        assertThat(health(mapper)).isEqualTo("RA");
        IoStats.Counters c = mapper.device("vol").stats();
        assertThat(c.ops(IoStats.Kind.READ)).isEqualTo(4);
        assertThat(c.errors()).isZero();
    }

    @Test
    void whenNoLegCanBeReadTheReadFailsAndEveryLegIsDropped() throws Exception {
        Vol vol = inSync();
        RangeReading sink = new RangeReading() {
            @Override
            public void take(int fd, long position, int length) throws IOException {
                throw new FileRangeSink.SourceFailed("splice failed: errno 5");
            }
        };

        assertThatThrownBy(() -> vol.readRange(0, K64, sink)).isInstanceOf(IOException.class)
                .hasMessageContaining("mirror: no healthy leg could read 65536 bytes at segment offset 0")
                .hasRootCauseMessage("splice failed: errno 5");

        assertThat(health(mapper)).isEqualTo("RR");
        assertThat(mapper.device("vol").stats().errors()).isEqualTo(1);
    }

    @Test
    void aFailureOfTheSinksOwnFailsTheReadAndDropsNoLeg() throws Exception {
        Vol vol = inSync();

        assertThatThrownBy(() -> vol.readRange(0, K64, (fd, position, length) -> {
            throw new IOException("splicing the reply into /dev/fuse failed: errno 32");
        })).hasMessage("splicing the reply into /dev/fuse failed: errno 32");

        assertThat(health(mapper)).isEqualTo("AA");
        assertThat(mapper.device("vol").stats().errors()).isEqualTo(1);
    }

    @Test
    void aLegThatIsNotOneFileLeavesTheReadToTheUsualPath() throws Exception {
        Path c = leg("c");
        mapper.create("stripes", "0 4096 striped 2 128 " + a + " 0 " + b + " 0", dir);
        Vol vol = vol("0 4096 mirror core 2 1024 nosync 2 stripes 0 " + c + " 0");
        RangeReading sink = new RangeReading();

        // across two chunks: in pieces, which this sink does not take
        assertThat(vol.readRange(K64 / 2, K64, sink)).as("leg 0, striped").isEqualTo(-1);
        assertThat(vol.readRange(K64 / 2, K64, sink)).as("leg 1, a file").isEqualTo(K64);

        assertThat(sink.files).containsExactly(c);
        assertThat(health(mapper)).isEqualTo("AA");
        assertThat(mapper.device("vol").stats().ops(IoStats.Kind.READ)).isEqualTo(1);
    }
}
