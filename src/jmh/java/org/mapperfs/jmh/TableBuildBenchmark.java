package org.mapperfs.jmh;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.mapperfs.core.Mapper;
import org.mapperfs.core.MapperException;
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

/** Creating (and removing) a device whose table has 100 000 linear segments over one file. */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3)
@Measurement(iterations = 10)
@Fork(1)
public class TableBuildBenchmark {
    private Path dir;
    private Mapper mapper;
    private String text;

    @Setup(Level.Trial)
    public void setUp() throws IOException {
        dir = Files.createTempDirectory("mapperfs-jmh");
        Path file = dir.resolve("big.img");
        try (var f = new java.io.RandomAccessFile(file.toFile(), "rw")) {
            f.setLength(TableBenchmark.SEGMENTS * TableBenchmark.SEGMENT_SECTORS * 512L);
        }
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < TableBenchmark.SEGMENTS; i++) {
            long at = ((i * 7919L) % TableBenchmark.SEGMENTS) * TableBenchmark.SEGMENT_SECTORS;
            sb.append(i * TableBenchmark.SEGMENT_SECTORS).append(' ').append(TableBenchmark.SEGMENT_SECTORS)
                    .append(" linear ").append(file).append(' ').append(at).append('\n');
        }
        text = sb.toString();
        mapper = Mapper.standalone();
    }

    @TearDown(Level.Trial)
    public void tearDown() throws IOException {
        mapper.close();
        BenchFiles.deleteTree(dir);
    }

    @Benchmark
    public long create100kSegments() throws MapperException {
        long sectors = mapper.create("big", text, dir).liveTable().sectors();
        mapper.remove("big", false);
        return sectors;
    }
}
