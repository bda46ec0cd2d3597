package org.mapperfs.jmh;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.mapperfs.core.HolePuncher;
import org.mapperfs.core.MappedDevice;
import org.mapperfs.core.Mapper;
import org.mapperfs.core.MapperException;
import org.mapperfs.core.TargetRegistry;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The whole read/write path of a mapped device into a direct buffer, as the FUSE layer calls
 * it: suspend gate, table, linear target, positional I/O on a backing file in the page cache.
 * Compared with the same pread/pwrite on the file's channel directly. And the engine's share of
 * a spliced read: the read handed over as a range of the backing file ({@code readRange}), to a
 * sink that only keeps the numbers (the splice itself is the host's; the host's descriptor is
 * stood in for by one that is never used).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class DeviceBenchmark {
    static final long SIZE = 64L << 20;

    @Param({"4096", "131072"})
    int requestBytes;

    private final RangeHandover.Sink sink = new RangeHandover.Sink();
    private Path dir;
    private Mapper mapper;
    private MappedDevice device;
    private MappedDevice mirror;
    private MappedDevice logWrites;
    private FileChannel raw;
    private ByteBuffer buffer;
    private long[] offsets;
    private int next;

    @Setup(Level.Trial)
    public void setUp() throws IOException, MapperException {
        dir = Files.createTempDirectory("mapperfs-jmh");
        Path file = dir.resolve("a.img");
        BenchFiles.fill(file, SIZE);
        Path other = dir.resolve("b.img");
        BenchFiles.fill(other, SIZE);
        mapper = new Mapper(TargetRegistry.standard(), HolePuncher.NONE, RangeHandover.DESCRIPTOR_ONLY,
                Optional.empty());
        device = mapper.create("vol", "0 " + SIZE / 512 + " linear " + file + " 0", dir);
        mirror = mapper.create("mirror", "0 " + SIZE / 512 + " mirror core 2 1024 nosync 2 " + file + " 0 " + other
                + " 0", dir);
        // log-writes over the same file, its log on a device that drops writes: the engine's share
        mapper.create("log", "0 " + (1L << 31) + " zero", dir);
        logWrites = mapper.create("logw", "0 " + SIZE / 512 + " log-writes " + file + " log", dir);
        raw = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE);
        buffer = ByteBuffer.allocateDirect(requestBytes);
        SplittableRandom random = new SplittableRandom(2);
        offsets = new long[4096];
        for (int i = 0; i < offsets.length; i++) {
            offsets[i] = random.nextLong((SIZE - requestBytes) / 4096) * 4096;
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() throws IOException {
        raw.close();
        mapper.close();
        BenchFiles.deleteTree(dir);
    }

    private long nextOffset() {
        return offsets[next++ & (offsets.length - 1)];
    }

    @Benchmark
    public ByteBuffer deviceRead() throws IOException {
        buffer.clear();
        device.read(buffer, nextOffset());
        return buffer;
    }

    @Benchmark
    public ByteBuffer deviceWrite() throws IOException {
        buffer.clear();
        device.write(buffer, nextOffset());
        return buffer;
    }

    /** A write through log-writes: the device's write, then its entry (header and data) in the log. */
    @Benchmark
    public ByteBuffer logWritesWrite() throws IOException {
        buffer.clear();
        logWrites.write(buffer, nextOffset());
        return buffer;
    }

    @Benchmark
    public long deviceReadRange() throws IOException {
        device.readRange(nextOffset(), requestBytes, sink);
        return sink.sum;
    }

    /** A two-leg mirror's read handed over: the leg chosen in turn, its range. */
    @Benchmark
    public long mirrorReadRange() throws IOException {
        mirror.readRange(nextOffset(), requestBytes, sink);
        return sink.sum;
    }

    /** The floor: the same pread on the backing file's channel, without the engine. */
    @Benchmark
    public ByteBuffer fileRead() throws IOException {
        buffer.clear();
        long at = nextOffset();
        while (buffer.hasRemaining()) {
            raw.read(buffer, at + buffer.position());
        }
        return buffer;
    }

    /** The floor of writes: the same pwrite on the backing file's channel, without the engine. */
    @Benchmark
    public ByteBuffer fileWrite() throws IOException {
        buffer.clear();
        long at = nextOffset();
        while (buffer.hasRemaining()) {
            raw.write(buffer, at + buffer.position());
        }
        return buffer;
    }
}
