package org.mapperfs.fs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mapperfs.core.IoStats;
import org.mapperfs.core.Mapper;
import org.mapperfs.core.VectorIo;
import org.mapperfs.libc.LibcVectorIo;

/**
 * A device file's read handed over as a range of a backing file ({@link MapperFs#readRange}),
 * the path a spliced READ reply takes: through the device's gate and statistics, its table and
 * linear targets, to the backing file's own descriptor, which the test reads the bytes from.
 */
class ReadRangeTest {
    private static final int MIB = 1 << 20;

    @TempDir
    Path dir;

    private Path noise(String name, int size, long seed) throws IOException {
        return RangeReading.noise(dir, name, size, seed);
    }

    private MapperFs fs(Mapper mapper) throws IOException {
        return RangeReading.fs(mapper, dir);
    }

    /** A file system over {@code mapper} and a handle of its device "vol", linear over all of {@code file}. */
    private record Vol(MapperFs fs, long fh) {}

    private Vol linearVol(Mapper mapper, Path file) throws Exception {
        mapper.create("vol", "0 " + Files.size(file) / 512 + " linear " + file + " 0", dir);
        MapperFs fs = fs(mapper);
        return new Vol(fs, RangeReading.open(fs, "vol"));
    }

    @Test
    void aReadInsideALinearSegmentIsHandedOverAsTheBackingFilesRange() throws Exception {
        Path a = noise("a", 4 * MIB, 1);
        try (Mapper mapper = RangeReading.mapper(new LibcVectorIo())) {
            mapper.create("vol", "0 4096 linear " + a + " 2048", dir); // from 1 MiB into the file
            MapperFs fs = fs(mapper);
            long fh = RangeReading.open(fs, "vol");
            RangeReading sink = new RangeReading();

            int n = fs.readRange(fh, 12345, 256 << 10, sink);

            assertThat(n).isEqualTo(256 << 10);
            assertThat(sink.positions).containsExactly((long) MIB + 12345);
            assertThat(sink.taken.get(0)).isEqualTo(RangeReading.bytes(a, MIB + 12345, 256 << 10));
            IoStats.Counters c = mapper.device("vol").stats();
            assertThat(c.ops(IoStats.Kind.READ)).isEqualTo(1);
            assertThat(c.bytes(IoStats.Kind.READ)).isEqualTo(256 << 10);
            assertThat(c.inFlight()).isZero();
        }
    }

    @Test
    void aReadPastTheEndIsCutThereAndOneAtTheEndIsEmpty() throws Exception {
        Path a = noise("a", MIB, 2);
        try (Mapper mapper = RangeReading.mapper(new LibcVectorIo())) {
            Vol vol = linearVol(mapper, a);
            MapperFs fs = vol.fs();
            long fh = vol.fh();
            RangeReading sink = new RangeReading();

            assertThat(fs.readRange(fh, MIB - 4096, 65536, sink)).isEqualTo(4096);
            assertThat(fs.readRange(fh, MIB, 65536, sink)).isZero();

            assertThat(sink.taken).hasSize(1);
            assertThat(sink.taken.get(0)).isEqualTo(RangeReading.bytes(a, MIB - 4096, 4096));
        }
    }

    @Test
    void throughADeviceStackedOnAnotherItIsTheLowestFilesRange() throws Exception {
        Path a = noise("a", 2 * MIB, 3);
        try (Mapper mapper = RangeReading.mapper(new LibcVectorIo())) {
            mapper.create("low", "0 4096 linear " + a + " 0", dir);
            mapper.create("vol", "0 2048 linear low 1024", dir); // from 512 KiB into low
            MapperFs fs = fs(mapper);
            long fh = RangeReading.open(fs, "vol");
            RangeReading sink = new RangeReading();

            assertThat(fs.readRange(fh, 4096, 65536, sink)).isEqualTo(65536);

            assertThat(sink.positions).containsExactly(512L * 1024 + 4096);
            assertThat(sink.taken.get(0)).isEqualTo(RangeReading.bytes(a, 512 * 1024 + 4096, 65536));
            assertThat(mapper.device("low").stats().ops(IoStats.Kind.READ)).isEqualTo(1);
            assertThat(mapper.device("vol").stats().ops(IoStats.Kind.READ)).isEqualTo(1);
        }
    }

    @Test
    void aReadAcrossSegmentsOrThroughOtherTargetsIsNotHandedOverNorCounted() throws Exception {
        Path a = noise("a", MIB, 4);
        Path b = noise("b", MIB, 5);
        try (Mapper mapper = RangeReading.mapper(new LibcVectorIo())) {
            mapper.create("two", "0 1024 linear " + a + " 0\n1024 1024 linear " + b + " 0", dir);
            mapper.create("striped", "0 2048 striped 2 128 " + a + " 0 " + b + " 0", dir);
            mapper.create("zeros", "0 2048 zero", dir);
            MapperFs fs = fs(mapper);
            RangeReading sink = new RangeReading();

            for (String name : List.of("two", "striped", "zeros")) {
                long fh = RangeReading.open(fs, name);
                // "two": from 4 KiB before the second segment; "striped": across two chunks, to a
                // sink that takes reads in one range only
                long at = name.equals("two") ? 512 * 1024 - 4096 : name.equals("striped") ? 32768 : 0;
                assertThat(fs.readRange(fh, at, 65536, sink)).as(name).isEqualTo(-1);
                IoStats.Counters c = mapper.device(name).stats();
                assertThat(c.ops(IoStats.Kind.READ) + c.errors() + c.inFlight()).as(name).isZero();
            }
            assertThat(sink.taken).isEmpty();
        }
    }

    @Test
    void withoutADescriptorFromTheHostNothingIsHandedOver() throws Exception {
        Path a = noise("a", MIB, 6);
        try (Mapper mapper = RangeReading.mapper(VectorIo.NONE)) {
            Vol vol = linearVol(mapper, a);
            MapperFs fs = vol.fs();
            long fh = vol.fh();

            assertThat(fs.readRange(fh, 0, 65536, new RangeReading())).isEqualTo(-1);
        }
    }

    @Test
    void aSuspendedDeviceHoldsTheReadUntilItsResume() throws Exception {
        Path a = noise("a", MIB, 7);
        try (Mapper mapper = RangeReading.mapper(new LibcVectorIo())) {
            Vol vol = linearVol(mapper, a);
            MapperFs fs = vol.fs();
            long fh = vol.fh();
            RangeReading sink = new RangeReading();
            mapper.suspend("vol", true);

            CompletableFuture<Integer> read = CompletableFuture.supplyAsync(() -> {
                try {
                    return fs.readRange(fh, 0, 65536, sink);
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            Thread.sleep(200);
            assertThat(read).isNotDone();
            assertThat(sink.taken).isEmpty();

            mapper.resume("vol");
            assertThat(read.get(5, TimeUnit.SECONDS)).isEqualTo(65536);
            assertThat(sink.taken.get(0)).isEqualTo(RangeReading.bytes(a, 0, 65536));
        }
    }

    @Test
    void aSinkThatFailsFailsTheReadAndCountsAnError() throws Exception {
        Path a = noise("a", MIB, 8);
        try (Mapper mapper = RangeReading.mapper(new LibcVectorIo())) {
            Vol vol = linearVol(mapper, a);
            MapperFs fs = vol.fs();
            long fh = vol.fh();

            assertThatThrownBy(() -> fs.readRange(fh, 0, 65536, (fd, position, length) -> {
                throw new IOException("pipe broke");
            })).hasMessage("pipe broke");

            IoStats.Counters c = mapper.device("vol").stats();
            assertThat(c.errors()).isEqualTo(1);
            assertThat(c.inFlight()).isZero();
        }
    }
}
