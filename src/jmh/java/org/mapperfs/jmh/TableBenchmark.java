package org.mapperfs.jmh;

import java.nio.ByteBuffer;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.mapperfs.core.Table;
import org.mapperfs.core.TableException;
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
import org.openjdk.jmh.annotations.Warmup;

/**
 * The engine's request path without I/O: segment lookup in a table of 100 000 segments, and
 * splitting reads and writes at segment and stripe-chunk boundaries, over devices that move no
 * bytes. Run with {@code -prof gc}: the path must not allocate (≈ 0 B/op).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class TableBenchmark {
    static final int SEGMENTS = 100_000;
    static final long SEGMENT_SECTORS = 16;

    @Param({"4096", "131072"})
    int requestBytes;

    private Table linear;
    private Table striped;
    private ByteBuffer buffer;
    private long[] offsets;
    private int next;

    @Setup(Level.Trial)
    public void setUp() throws TableException {
        NullDevice lower = new NullDevice("null", SEGMENTS * SEGMENT_SECTORS * 512L);
        StringBuilder text = new StringBuilder();
        for (int i = 0; i < SEGMENTS; i++) {
            // Scattered: segment i maps to a pseudo-random place of the lower device.
            long at = ((i * 7919L) % SEGMENTS) * SEGMENT_SECTORS;
            text.append(i * SEGMENT_SECTORS).append(' ').append(SEGMENT_SECTORS).append(" linear null ").append(at)
                    .append('\n');
        }
        linear = Table.build(text.toString(), TargetRegistry.standard(), arg -> lower, () -> {});
        NullDevice[] legs = new NullDevice[4];
        for (int i = 0; i < legs.length; i++) {
            legs[i] = new NullDevice("n" + i, 1L << 40);
        }
        striped = Table.build("0 " + (4L << 21) + " striped 4 8 n0 0 n1 0 n2 0 n3 0", TargetRegistry.standard(),
                arg -> legs[arg.charAt(1) - '0'], () -> {});
        buffer = ByteBuffer.allocateDirect(requestBytes);
        SplittableRandom random = new SplittableRandom(1);
        offsets = new long[4096];
        long span = Math.min(linear.size(), striped.size()) - requestBytes;
        for (int i = 0; i < offsets.length; i++) {
            offsets[i] = random.nextLong(span / 512) * 512;
        }
    }

    private long nextOffset() {
        return offsets[next++ & (offsets.length - 1)];
    }

    @Benchmark
    public int segmentLookup() {
        return linear.segmentIndex(nextOffset());
    }

    /** A read crossing up to {@code requestBytes / 8 KiB} segments of the 100 000. */
    @Benchmark
    public ByteBuffer linearRead() throws Exception {
        buffer.clear();
        linear.read(buffer, nextOffset());
        return buffer;
    }

    @Benchmark
    public ByteBuffer linearWrite() throws Exception {
        buffer.clear();
        linear.write(buffer, nextOffset());
        return buffer;
    }

    /** Four stripes of 4 KiB chunks: a 128 KiB read is one call per stripe with 8 pieces (a read each here). */
    @Benchmark
    public ByteBuffer stripedRead() throws Exception {
        buffer.clear();
        striped.read(buffer, nextOffset());
        return buffer;
    }
}
