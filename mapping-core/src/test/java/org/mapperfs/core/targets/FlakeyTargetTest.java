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
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.mapperfs.core.HolePuncher;
import org.mapperfs.core.MappedDevice;
import org.mapperfs.core.Mapper;
import org.mapperfs.core.MapperException;
import org.mapperfs.core.Target;
import org.mapperfs.core.TargetRegistry;
import org.mapperfs.core.VectorIo;
import org.mapperfs.core.TestFiles;

/** Time is a test clock: up 2 s, down 3 s means seconds 0-1 up, 2-4 down, 5-6 up, ... */
class FlakeyTargetTest {
    private static final int S = 512;

    @TempDir
    Path dir;
    final AtomicLong nanos = new AtomicLong(1_000_000_000_000L);
    Mapper mapper;
    Path file;
    byte[] original;

    @BeforeEach
    void setUp() throws IOException {
        mapper = mapperSeeded(42);
        file = TestFiles.noiseSectors(dir, "disk.img", 64, 7).toRealPath();
        original = bytes(file);
    }

    @AfterEach
    void tearDown() {
        mapper.close();
    }

    private Mapper mapperSeeded(long seed) {
        return new Mapper(TargetRegistry.standard().with("flakey", FlakeyTarget.factory(nanos::get, seed)),
                HolePuncher.NONE, VectorIo.NONE, Optional.empty());
    }

    private MappedDevice flakey(String features) throws MapperException {
        return mapper.create("dev", "0 16 flakey " + file + " 4 2 3" + (features.isEmpty() ? "" : " " + features)
                + "\n", dir);
    }

    /** Moves the clock to {@code seconds} (plus a bit) after the table was loaded. */
    private void at(double seconds) {
        nanos.addAndGet((long) (seconds * 1e9) - elapsed);
        elapsed = (long) (seconds * 1e9);
    }

    private long elapsed;

    private byte[] expectedWith(long fileOffset, byte[] data) {
        byte[] expected = original.clone();
        System.arraycopy(data, 0, expected, Math.toIntExact(fileOffset), data.length);
        return expected;
    }

    @Test
    void duringTheUpIntervalItIsLinear() throws Exception {
        MappedDevice device = flakey("");
        at(1.9);
        byte[] data = seeded(3 * S, 1);

        write(device, S + 5, data);

        assertThat(bytes(file)).isEqualTo(expectedWith(5 * S + 5, data));
        assertThat(read(device, 0, 16 * S)).isEqualTo(slice(bytes(file), 4 * S, 16 * S));
    }

    @Test
    void withoutFeaturesTheDownIntervalFailsEveryReadWriteDiscardAndFlush() throws Exception {
        MappedDevice device = flakey("");
        at(2.0);

        assertThatThrownBy(() -> read(device, 0, S)).isInstanceOf(IOException.class).hasMessageContaining("down");
        assertThatThrownBy(() -> write(device, 0, seeded(S, 2))).isInstanceOf(IOException.class);
        assertThatThrownBy(() -> device.discard(0, S)).isInstanceOf(IOException.class);
        assertThatThrownBy(device::flush).isInstanceOf(IOException.class);
        at(4.99);
        assertThatThrownBy(() -> read(device, 15 * S, S)).isInstanceOf(IOException.class);
        assertThat(bytes(file)).isEqualTo(original);
    }

    @Test
    void theCycleRepeatsUpAgainAfterTheDownInterval() throws Exception {
        MappedDevice device = flakey("");
        List<String> states = new ArrayList<>();
        for (int second = 0; second < 11; second++) {
            at(second + 0.5);
            try {
                read(device, 0, S);
                states.add("up");
            } catch (IOException e) {
                states.add("down");
            }
        }
        assertThat(states).containsExactly("up", "up", "down", "down", "down", "up", "up", "down", "down", "down",
                "up");
    }

    @Test
    void upIntervalZeroIsDownFromTheStart() throws Exception {
        MappedDevice device = mapper.create("dev", "0 16 flakey " + file + " 4 0 5 1 drop_writes\n", dir);

        write(device, 0, seeded(S, 3));

        assertThat(bytes(file)).isEqualTo(original);
    }

    @Test
    void dropWritesAcknowledgesWritesAndDiscardsButKeepsTheBytes() throws Exception {
        MappedDevice device = flakey("1 drop_writes");
        byte[] before = seeded(S, 4);
        at(1);
        write(device, 0, before);
        at(2.5);
        byte[] dropped = seeded(2 * S, 5);

        write(device, 100, dropped);
        device.discard(8 * S, 4 * S);

        assertThat(bytes(file)).isEqualTo(expectedWith(4 * S, before));
        assertThat(read(device, 0, S)).as("reads still work while down").isEqualTo(before);
        at(5.1);
        write(device, 100, dropped);
        assertThat(slice(bytes(file), 4 * S + 100, 2 * S)).isEqualTo(dropped);
    }

    @Test
    void errorWritesFailsWritesAndLeavesReadsAlone() throws Exception {
        MappedDevice device = flakey("1 error_writes");
        at(3);

        assertThatThrownBy(() -> write(device, 0, seeded(S, 6))).isInstanceOf(IOException.class);
        assertThatThrownBy(device::flush).isInstanceOf(IOException.class);
        assertThat(read(device, 0, 16 * S)).isEqualTo(slice(original, 4 * S, 16 * S));
        assertThat(bytes(file)).isEqualTo(original);
    }

    @Test
    void errorReadsFailsReadsAndLetsWritesThrough() throws Exception {
        MappedDevice device = flakey("1 error_reads");
        at(3);
        byte[] data = seeded(S, 7);

        write(device, 2 * S, data);
        device.flush();

        assertThatThrownBy(() -> read(device, 2 * S, S)).isInstanceOf(IOException.class);
        assertThat(bytes(file)).isEqualTo(expectedWith(6 * S, data));
    }

    @Test
    void corruptBioByteOnReadsReplacesExactlyTheNthByteOfEachReadWhileDown() throws Exception {
        MappedDevice device = flakey("5 corrupt_bio_byte 32 r 1 0");
        byte[] clean = read(device, 3 * S, 2 * S);
        at(2);

        byte[] down = read(device, 3 * S, 2 * S);
        byte[] tooShort = read(device, 0, 31);

        byte[] expected = slice(original, 7 * S, 2 * S);
        expected[31] = 1;
        assertThat(clean).isEqualTo(slice(original, 7 * S, 2 * S));
        assertThat(down).isEqualTo(expected);
        assertThat(tooShort).as("a read shorter than 32 bytes has no 32nd byte").isEqualTo(slice(original, 4 * S, 31));
        assertThat(bytes(file)).as("only the data returned is corrupted").isEqualTo(original);
        write(device, 0, seeded(S, 8));
        assertThat(slice(bytes(file), 4 * S, S)).as("writes pass unchanged").isEqualTo(seeded(S, 8));
    }

    @Test
    void corruptBioByteOnWritesStoresTheValueAndLeavesTheCallersBufferAlone() throws Exception {
        MappedDevice device = flakey("5 corrupt_bio_byte 224 w 0 0");
        at(4);
        byte[] data = seeded(S, 9);
        data[223] = 77;
        byte[] copy = data.clone();

        write(device, S, data);

        byte[] stored = data.clone();
        stored[223] = 0;
        assertThat(data).isEqualTo(copy);
        assertThat(bytes(file)).isEqualTo(expectedWith(5 * S, stored));
        assertThat(read(device, S, S)).as("reads are not corrupted").isEqualTo(stored);
    }

    @Test
    void corruptBioByteWithFlagsNeverMatchesBecauseRequestsCarryNoFlags() throws Exception {
        MappedDevice device = flakey("5 corrupt_bio_byte 1 r 0 32");
        at(2);

        assertThat(read(device, 0, S)).isEqualTo(slice(original, 4 * S, S));
    }

    @Test
    void randomReadCorruptAtCertaintyChangesExactlyOneByteOfEveryRead() throws Exception {
        MappedDevice device = flakey("2 random_read_corrupt 1000000000");
        at(2);
        for (int i = 0; i < 50; i++) {
            byte[] got = read(device, i % 8 * S, 4 * S);
            assertThat(differences(got, slice(original, (4 + i % 8) * S, 4 * S))).hasSize(1);
        }
        assertThat(bytes(file)).isEqualTo(original);
    }

    @ParameterizedTest(name = "probability {0} of 10^9")
    @ValueSource(longs = {100_000_000L, 500_000_000L, 900_000_000L})
    void randomReadCorruptHitsAboutItsProbabilityAndIsReproducibleFromTheSeed(long probability) throws Exception {
        List<Integer> first = corruptedReads(probability, 11);
        List<Integer> again = corruptedReads(probability, 11);

        assertThat(again).isEqualTo(first);
        double share = first.size() / 1000.0;
        assertThat(share).isCloseTo(probability / 1e9, org.assertj.core.api.Assertions.within(0.06));
    }

    private List<Integer> corruptedReads(long probability, long seed) throws Exception {
        try (Mapper seeded = mapperSeeded(seed)) {
            nanos.set(0);
            MappedDevice device = seeded.create("r", "0 16 flakey " + file + " 4 0 1 2 random_read_corrupt "
                    + probability + "\n", dir);
            List<Integer> hit = new ArrayList<>();
            for (int i = 0; i < 1000; i++) {
                if (!differences(read(device, 0, S), slice(original, 4 * S, S)).isEmpty()) {
                    hit.add(i);
                }
            }
            return hit;
        }
    }

    @Test
    void randomWriteCorruptStoresOneChangedByteAndNeverTouchesTheCaller() throws Exception {
        MappedDevice device = flakey("2 random_write_corrupt 1000000000");
        at(2);
        byte[] data = seeded(8 * S, 12);
        byte[] copy = data.clone();

        write(device, 0, data);

        assertThat(data).isEqualTo(copy);
        assertThat(differences(slice(bytes(file), 4 * S, 8 * S), data)).hasSize(1);
        assertThat(slice(bytes(file), 12 * S, 52 * S)).isEqualTo(slice(original, 12 * S, 52 * S));
    }

    @Test
    void featuresCombine() throws Exception {
        MappedDevice device = flakey("7 drop_writes error_reads corrupt_bio_byte 1 r 9 0");
        at(2);

        write(device, 0, seeded(S, 13));

        assertThatThrownBy(() -> read(device, 0, S)).isInstanceOf(IOException.class);
        assertThat(bytes(file)).isEqualTo(original);
    }

    private static List<Integer> differences(byte[] a, byte[] b) {
        List<Integer> at = new ArrayList<>();
        for (int i = 0; i < a.length; i++) {
            if (a[i] != b[i]) {
                at.add(i);
            }
        }
        return at;
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "4 0 1                                               | 4 0 1",
            "4 30 5 1 drop_writes                                | 4 30 5 1 drop_writes",
            "4 30 5 1 ERROR_WRITES                               | 4 30 5 1 error_writes",
            "4 1 1 2 error_reads error_writes                    | 4 1 1 2 error_writes error_reads",
            "0 1 2 5 corrupt_bio_byte 32 r 1 0                   | 0 1 2 5 corrupt_bio_byte 32 r 1 0",
            "0 1 2 10 random_write_corrupt 7 error_reads corrupt_bio_byte 224 W 0 32 random_read_corrupt 9"
                    + " | 0 1 2 10 error_reads corrupt_bio_byte 224 w 0 32 random_read_corrupt 9"
                    + " random_write_corrupt 7",
            "4 0 1 0                                             | 4 0 1"})
    void tableRoundTripsInTheKernelsOrder(String args, String canonical) throws Exception {
        Target target = mapper.create("dev", "0 16 flakey " + file + " " + args + "\n", dir)
                .liveTable().segments().get(0).target();

        assertThat(target.params()).isEqualTo(file + " " + canonical);
        assertThat(target.status()).isEmpty();
        mapper.create("again", "0 16 flakey " + target.params() + "\n", dir);
        assertThat(mapper.device("again").liveTable().text()).isEqualTo("0 16 flakey " + file + " " + canonical
                + "\n");
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "4 1                                       | expected at least 4 arguments",
            "4 x 1                                     | invalid up interval 'x': not a number",
            "4 1 4294967296                            | invalid down interval 4294967296",
            "4 0 0                                     | total (up + down) interval is zero",
            "4 4294967295 1                            | interval overflow",
            "4 1 1 12 drop_writes                      | invalid #feature args 12",
            "4 1 1 2 drop_writes                       | insufficient feature arguments: 2 announced, 1 given",
            "4 1 1 1 drop_writes error_reads           | unexpected argument 'error_reads'",
            "4 1 1 2 drop_writes drop_writes           | feature drop_writes duplicated",
            "4 1 1 2 drop_writes error_writes          | feature error_writes conflicts with feature drop_writes",
            "4 1 1 2 error_writes drop_writes          | feature drop_writes conflicts with feature error_writes",
            "4 1 1 2 error_reads error_reads           | feature error_reads duplicated",
            "4 1 1 1 bogus                             | unrecognised feature 'bogus'",
            "4 1 1 4 corrupt_bio_byte 1 r 0            | feature corrupt_bio_byte requires 4 parameters",
            "4 1 1 5 corrupt_bio_byte 0 r 0 0          | invalid corrupt_bio_byte Nth_byte 0",
            "4 1 1 5 corrupt_bio_byte 1 x 0 0          | invalid corrupt_bio_byte direction 'x' (r or w)",
            "4 1 1 5 corrupt_bio_byte 1 r 256 0        | invalid corrupt_bio_byte value 256",
            "4 1 1 6 drop_writes corrupt_bio_byte 1 w 0 0 | drop_writes is incompatible",
            "4 1 1 3 error_writes random_write_corrupt 5 | error_writes is incompatible",
            "4 1 1 2 random_read_corrupt 1000000001    | invalid random_read_corrupt probability 1000000001",
            "4 1 1 1 random_read_corrupt               | feature random_read_corrupt requires a parameter",
            "60 1 1                                    | is too small"})
    void badArgumentsAreRefusedWithTheLineAndTheField(String args, String message) {
        assertThatThrownBy(() -> mapper.create("dev", "0 8 zero\n8 16 flakey " + file + " " + args + "\n", dir))
                .isInstanceOf(MapperException.class)
                .hasMessageContaining("line 2: flakey: ")
                .hasMessageContaining(message);
    }

    @Test
    void theCycleCountsFromTheLoadOfTheTable() throws Exception {
        at(100);
        MappedDevice device = flakey("");
        elapsed = 0;

        at(1.5);
        read(device, 0, S);
        at(2.0);
        assertThatThrownBy(() -> read(device, 0, S)).isInstanceOf(IOException.class);
        assertThat(TimeUnit.NANOSECONDS.toSeconds(nanos.get())).isGreaterThan(100);
    }
}
