package org.mapperfs.core.targets;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.mapperfs.core.TestFiles.bytes;
import static org.mapperfs.core.TestFiles.read;
import static org.mapperfs.core.TestFiles.seeded;
import static org.mapperfs.core.TestFiles.slice;
import static org.mapperfs.core.TestFiles.write;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.mapperfs.core.MappedDevice;
import org.mapperfs.core.Mapper;
import org.mapperfs.core.MapperException;
import org.mapperfs.core.Target;
import org.mapperfs.core.TestFiles;

/** Delays are measured with a lower bound only; concurrency is shown by the status counts. */
class DelayTargetTest {
    private static final int S = 512;

    @TempDir
    Path dir;
    Mapper mapper;
    Path a;
    Path b;
    byte[] originalA;
    byte[] originalB;

    @BeforeEach
    void setUp() throws IOException {
        mapper = Mapper.standalone();
        a = TestFiles.noiseSectors(dir, "a.img", 64, 1).toRealPath();
        b = TestFiles.noiseSectors(dir, "b.img", 64, 2).toRealPath();
        originalA = bytes(a);
        originalB = bytes(b);
    }

    @AfterEach
    void tearDown() {
        mapper.close();
    }

    private static long millisSince(long start) {
        return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
    }

    private Target target(MappedDevice device) {
        return device.liveTable().segments().get(0).target();
    }

    @Test
    void withThreeArgumentsReadsWritesAndFlushesWaitTheDelay() throws Exception {
        MappedDevice device = mapper.create("dev", "0 16 delay " + a + " 8 150\n", dir);
        byte[] data = seeded(S, 3);

        long start = System.nanoTime();
        byte[] got = read(device, 0, 2 * S);
        long readMs = millisSince(start);
        start = System.nanoTime();
        write(device, 4 * S, data);
        long writeMs = millisSince(start);
        start = System.nanoTime();
        device.flush();
        long flushMs = millisSince(start);

        assertThat(readMs).isGreaterThanOrEqualTo(150);
        assertThat(writeMs).isGreaterThanOrEqualTo(150);
        assertThat(flushMs).isGreaterThanOrEqualTo(150);
        assertThat(got).isEqualTo(slice(originalA, 8 * S, 2 * S));
        assertThat(slice(bytes(a), 12 * S, S)).isEqualTo(data);
    }

    @Test
    void withSixArgumentsWritesAndDiscardsGoToTheWriteDeviceAfterTheWriteDelay() throws Exception {
        MappedDevice device = mapper.create("dev", "0 16 delay " + a + " 2 0 " + b + " 40 120\n", dir);
        byte[] data = seeded(S, 4);

        byte[] got = read(device, S, S);
        long start = System.nanoTime();
        write(device, S, data);
        long writeMs = millisSince(start);
        device.discard(3 * S, S);

        assertThat(got).isEqualTo(slice(originalA, 3 * S, S));
        assertThat(writeMs).isGreaterThanOrEqualTo(120);
        assertThat(bytes(a)).as("reads' device is never written").isEqualTo(originalA);
        byte[] expectedB = originalB.clone();
        System.arraycopy(data, 0, expectedB, 41 * S, S);
        Arrays.fill(expectedB, 43 * S, 44 * S, (byte) 0);
        assertThat(bytes(b)).isEqualTo(expectedB);
        assertThat(read(device, S, S)).as("reads still come from the read device")
                .isEqualTo(slice(originalA, 3 * S, S));
    }

    @Test
    void withNineArgumentsFlushesHaveTheirOwnDelay() throws Exception {
        MappedDevice device = mapper.create("dev", "0 16 delay " + a + " 0 0 " + a + " 0 0 " + b + " 0 200\n", dir);

        write(device, 0, seeded(S, 5));
        long start = System.nanoTime();
        device.flush();

        assertThat(millisSince(start)).isGreaterThanOrEqualTo(200);
        assertThat(target(device).devices()).hasSize(2);
    }

    @Test
    void concurrentRequestsWaitSideBySideAndASuspendReleasesThem() throws Exception {
        MappedDevice device = mapper.create("dev", "0 16 delay " + a + " 0 30000 " + b + " 0 30000\n", dir);
        Target target = target(device);
        ExecutorService pool = Executors.newFixedThreadPool(6);
        try {
            List<Future<byte[]>> reads = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                int sector = i;
                reads.add(pool.submit(() -> read(device, sector * S, S)));
            }
            Future<?> w1 = pool.submit(() -> { write(device, 8 * S, seeded(S, 6)); return null; });
            Future<?> w2 = pool.submit(() -> { write(device, 9 * S, seeded(S, 7)); return null; });
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (!target.status().equals("4 2 0") && System.nanoTime() < deadline) {
                Thread.sleep(5);
            }
            assertThat(target.status()).as("all six wait at the same time").isEqualTo("4 2 0");

            long start = System.nanoTime();
            mapper.suspend("dev", true);

            for (int i = 0; i < 4; i++) {
                assertThat(reads.get(i).get(5, TimeUnit.SECONDS)).isEqualTo(slice(originalA, i * S, S));
            }
            w1.get(5, TimeUnit.SECONDS);
            w2.get(5, TimeUnit.SECONDS);
            assertThat(millisSince(start)).as("released long before their 30 s").isLessThan(10_000);
            assertThat(target.status()).isEqualTo("0 0 0");
            assertThat(slice(bytes(b), 8 * S, 2 * S)).isEqualTo(concat(seeded(S, 6), seeded(S, 7)));

            mapper.resume("dev");
            Future<byte[]> delayedAgain = pool.submit(() -> read(device, 0, S));
            deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (!target.status().equals("1 0 0") && System.nanoTime() < deadline) {
                Thread.sleep(5);
            }
            assertThat(target.status()).as("resume delays again").isEqualTo("1 0 0");
            mapper.suspend("dev", false);
            delayedAgain.get(5, TimeUnit.SECONDS);
        } finally {
            pool.shutdownNow();
        }
    }

    private static byte[] concat(byte[] x, byte[] y) {
        byte[] out = Arrays.copyOf(x, x.length + y.length);
        System.arraycopy(y, 0, out, x.length, y.length);
        return out;
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "{a} 0 500                 | {a} 0 500",
            "{a} 8 0 {b} 16 400          | {a} 8 0 {b} 16 400",
            "{a} 0 50 {b} 0 100 {a} 0 333  | {a} 0 50 {b} 0 100 {a} 0 333"})
    void tableRoundTripsAndStatusCountsWaitingRequests(String args, String canonical) throws Exception {
        String text = "0 16 delay " + args.replace("{a}", a.toString()).replace("{b}", b.toString()) + "\n";
        Target target = target(mapper.create("dev", text, dir));

        assertThat(target.params()).isEqualTo(canonical.replace("{a}", a.toString()).replace("{b}", b.toString()));
        assertThat(target.status()).isEqualTo("0 0 0");
        mapper.create("again", "0 16 delay " + target.params() + "\n", dir);
        assertThat(mapper.device("again").liveTable().text()).isEqualTo(text);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "{a} 0                     | requires exactly 3, 6 or 9 arguments",
            "{a} 0 1 {b} 0               | requires exactly 3, 6 or 9 arguments",
            "{a} 0 1 {b} 0 1 {a} 0         | requires exactly 3, 6 or 9 arguments",
            "{a} x 1                   | invalid offset 'x': not a number",
            "{a} 0 -1                  | invalid delay -1",
            "{a} 0 4294967296          | invalid delay 4294967296",
            "{a} 0 1 {b} 0 soon          | invalid write delay 'soon'",
            "{a} 0 1 {b} 0 1 {b} 60 1      | is too small",
            "{a} 0 1 /nonexistent 0 1  | write dev"})
    void badArgumentsAreRefusedWithTheLineAndTheField(String args, String message) {
        String text = "0 8 zero\n8 16 delay " + args.replace("{a}", a.toString()).replace("{b}", b.toString()) + "\n";

        assertThatThrownBy(() -> mapper.create("dev", text, dir))
                .isInstanceOf(MapperException.class)
                .hasMessageContaining("line 2: delay: ")
                .hasMessageContaining(message);
    }

    @Test
    void refusesMessages() throws Exception {
        mapper.create("dev", "0 16 delay " + a + " 0 1\n", dir);

        assertThatThrownBy(() -> mapper.message("dev", 0, List.of("hello")))
                .isInstanceOf(MapperException.class)
                .hasMessage("delay: accepts no messages");
    }
}
