package org.mapperfs.jmh;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
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
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The paths of a persistent snapshot (4 KiB chunks) that take no new exception, 4 KiB requests
 * into a direct buffer: a rewrite of a chunk the snapshot already has, a read of such a chunk, a
 * read that falls through to the origin, and an origin write over a chunk already copied out;
 * and 64 KiB of its own chunks handed over as one range of the COW file ({@code readRange}, the
 * engine's share of a spliced read).
 * First writes (a data write and a commit each) are measured through the kernel by
 * src/bench/snapshot-bench.sh.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class SnapshotBenchmark {
    static final long SIZE = 32L << 20;
    static final int REQUEST = 4096;
    static final int RANGE = 64 << 10;

    private Path dir;
    private Mapper mapper;
    private MappedDevice origin;
    private MappedDevice snap;
    private ByteBuffer buffer;
    private final RangeHandover.Sink sink = new RangeHandover.Sink();
    private long[] offsets;
    private int next;

    @Setup(Level.Trial)
    public void setUp() throws IOException, MapperException {
        dir = Files.createTempDirectory("mapperfs-jmh-snap");
        Path base = dir.resolve("origin.img");
        Path cow = dir.resolve("cow.img");
        BenchFiles.fill(base, SIZE);
        BenchFiles.fill(cow, SIZE + (4L << 20));
        mapper = new Mapper(TargetRegistry.standard(), HolePuncher.NONE, RangeHandover.DESCRIPTOR_ONLY,
                Optional.empty());
        long sectors = SIZE / 512;
        origin = mapper.create("origin", "0 " + sectors + " snapshot-origin " + base, dir);
        snap = mapper.create("snap", "0 " + sectors + " snapshot " + base + " " + cow + " P 8", dir);
        buffer = ByteBuffer.allocateDirect(REQUEST);
        // Every chunk of the first half gets its exception; the second half stays the origin's.
        ByteBuffer chunk = ByteBuffer.allocateDirect(1 << 20);
        for (long at = 0; at < SIZE / 2; at += chunk.capacity()) {
            chunk.clear();
            snap.write(chunk, at);
        }
        SplittableRandom random = new SplittableRandom(3);
        offsets = new long[4096];
        for (int i = 0; i < offsets.length; i++) {
            offsets[i] = random.nextLong(SIZE / 2 / REQUEST) * REQUEST;
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() throws IOException {
        mapper.close();
        BenchFiles.deleteTree(dir);
    }

    private long nextOffset() {
        return offsets[next++ & (offsets.length - 1)];
    }

    @Benchmark
    public ByteBuffer snapshotRewrite() throws IOException {
        buffer.clear();
        snap.write(buffer, nextOffset());
        return buffer;
    }

    @Benchmark
    public ByteBuffer snapshotReadOwnChunk() throws IOException {
        buffer.clear();
        snap.read(buffer, nextOffset());
        return buffer;
    }

    /** 64 KiB of the snapshot's own chunks handed over as one range of its COW file. */
    @Benchmark
    public long snapshotReadRange() throws IOException {
        snap.readRange(nextOffset() & -RANGE, RANGE, sink);
        return sink.sum;
    }

    @Benchmark
    public ByteBuffer snapshotReadThroughToOrigin() throws IOException {
        buffer.clear();
        snap.read(buffer, SIZE / 2 + nextOffset());
        return buffer;
    }

    @Benchmark
    public ByteBuffer originWriteCopiedOut() throws IOException {
        buffer.clear();
        origin.write(buffer, nextOffset());
        return buffer;
    }
}
