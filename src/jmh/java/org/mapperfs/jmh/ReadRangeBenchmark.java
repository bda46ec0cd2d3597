package org.mapperfs.jmh;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.mapperfs.core.BufferPieces;
import org.mapperfs.core.FileRangeSink;
import org.mapperfs.core.HolePuncher;
import org.mapperfs.core.MappedDevice;
import org.mapperfs.core.Mapper;
import org.mapperfs.core.MapperException;
import org.mapperfs.core.TargetRegistry;
import org.mapperfs.core.VectorIo;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The engine's share of a spliced read: a mapped device hands a 256 KiB read over as a range of
 * its backing file ({@code MappedDevice.readRange}: suspend gate, statistics, table, linear
 * target, the file's descriptor and position), to a sink that only keeps the numbers; the
 * splice itself is the host's. The host's descriptor is stood in for by one that is never used.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class ReadRangeBenchmark {
    static final long SIZE = 64L << 20;
    static final int REQUEST = 256 << 10;

    /** Vectored I/O that only lends a descriptor number: the sink never uses it. */
    private static final VectorIo DESCRIPTOR_ONLY = path -> new VectorIo.Vectored() {
        @Override
        public long read(ByteBuffer buffer, BufferPieces pieces, long offset) {
            return 0; // the engine then reads piece by piece
        }

        @Override
        public long write(ByteBuffer buffer, BufferPieces pieces, long offset) {
            return 0;
        }

        @Override
        public int descriptor() {
            return 1_000_000;
        }

        @Override
        public void close() {}
    };

    /** Keeps what it is handed, so that nothing is optimized away. */
    private static final class Sink implements FileRangeSink {
        long sum;

        @Override
        public void take(int fd, long position, int length) {
            sum += fd + position + length;
        }
    }

    private Path dir;
    private Mapper mapper;
    private MappedDevice device;
    private final Sink sink = new Sink();
    private long[] offsets;
    private int next;

    @Setup(Level.Trial)
    public void setUp() throws IOException, MapperException {
        dir = Files.createTempDirectory("mapperfs-jmh");
        Path file = dir.resolve("a.img");
        BenchFiles.fill(file, SIZE);
        mapper = new Mapper(TargetRegistry.standard(), HolePuncher.NONE, DESCRIPTOR_ONLY, Optional.empty());
        device = mapper.create("vol", "0 " + SIZE / 512 + " linear " + file + " 0", dir);
        SplittableRandom random = new SplittableRandom(3);
        offsets = new long[4096];
        for (int i = 0; i < offsets.length; i++) {
            offsets[i] = random.nextLong((SIZE - REQUEST) / 4096) * 4096;
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() throws IOException {
        mapper.close();
        BenchFiles.deleteTree(dir);
    }

    @Benchmark
    public long deviceReadRange() throws IOException {
        device.readRange(offsets[next++ & (offsets.length - 1)], REQUEST, sink);
        return sink.sum;
    }
}
