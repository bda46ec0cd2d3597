package org.mapperfs.core.targets.snapshot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.mapperfs.core.TestFiles.bytes;
import static org.mapperfs.core.TestFiles.read;
import static org.mapperfs.core.TestFiles.seeded;
import static org.mapperfs.core.TestFiles.slice;
import static org.mapperfs.core.TestFiles.write;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.mapperfs.core.MappedDevice;
import org.mapperfs.core.Mapper;
import org.mapperfs.core.MapperException;
import org.mapperfs.core.TestFiles;

class SnapshotTargetTest {
    private static final int S = 512;

    @TempDir
    Path dir;
    Mapper mapper;
    Path origin;
    Path cow;
    byte[] original;

    @BeforeEach
    void setUp() throws IOException {
        mapper = Mapper.standalone();
        origin = TestFiles.noiseSectors(dir, "origin.img", 256, 11).toRealPath();
        cow = Files.write(dir.resolve("cow.img"), new byte[600 * S]).toRealPath();
        original = bytes(origin);
    }

    @AfterEach
    void tearDown() {
        mapper.close();
    }

    @ParameterizedTest(name = "{0} chunks of {1} sectors")
    @CsvSource({"N, 8", "P, 8", "N, 16", "P, 32", "PO, 64"})
    void randomWritesReadBackAsTheModelAndLeaveTheOriginAlone(String mode, int chunk) throws Exception {
        MappedDevice snap = mapper.create("snap", "0 256 snapshot " + origin + " " + cow + " " + mode + " " + chunk, dir);
        byte[] model = original.clone();
        Random random = new Random(chunk * 31L + mode.length());
        for (int i = 0; i < 200; i++) {
            int offset = random.nextInt(model.length);
            int length = 1 + random.nextInt(Math.min(3 * chunk * S, model.length - offset));
            byte[] data = seeded(length, i);
            write(snap, offset, data);
            System.arraycopy(data, 0, model, offset, length);
        }

        assertThat(read(snap, 0, model.length)).isEqualTo(model);
        assertThat(bytes(origin)).isEqualTo(original);
    }

    @Test
    void readsTheOriginUntilAChunkIsWrittenAndThenItsOwnCopy() throws Exception {
        MappedDevice snap = mapper.create("snap", "0 256 snapshot " + origin + " " + cow + " N 8", dir);
        assertThat(read(snap, 0, 256 * S)).isEqualTo(original);

        // One byte in chunk 3: the rest of the chunk comes from the origin, the COW holds it all.
        write(snap, 3 * 8 * S + 100, new byte[] {42});

        byte[] expected = slice(original, 3 * 8 * S, 8 * S);
        expected[100] = 42;
        assertThat(read(snap, 3 * 8 * S, 8 * S)).isEqualTo(expected);
        assertThat(slice(bytes(cow), 0, 8 * S)).isEqualTo(expected);
        assertThat(read(snap, 4 * 8 * S, 8 * S)).isEqualTo(slice(original, 4 * 8 * S, 8 * S));
    }

    @Test
    void statusCountsAllocatedTotalAndMetadataSectorsAsDmDoes() throws Exception {
        MappedDevice persistent = mapper.create("p", "0 256 snapshot " + origin + " " + cow + " P 8", dir);
        // Header chunk and the first metadata chunk.
        assertThat(persistent.liveTable().statusText()).isEqualTo("0 256 snapshot 16/600 16\n");
        write(persistent, 0, new byte[1]);
        write(persistent, 20 * 8 * S, new byte[1]);
        assertThat(persistent.liveTable().statusText()).isEqualTo("0 256 snapshot 32/600 16\n");

        Path cow2 = Files.write(dir.resolve("cow2.img"), new byte[64 * S]);
        MappedDevice transientSnap = mapper.create("n", "0 256 snapshot " + origin + " " + cow2 + " N 16", dir);
        assertThat(transientSnap.liveTable().statusText()).isEqualTo("0 256 snapshot 0/64 0\n");
        write(transientSnap, 0, new byte[1]);
        assertThat(transientSnap.liveTable().statusText()).isEqualTo("0 256 snapshot 16/64 0\n");
    }

    @Test
    void tableRoundTrips() throws Exception {
        String table = "0 256 snapshot " + origin + " " + cow + " PO 16\n";
        MappedDevice snap = mapper.create("snap", table, dir);

        assertThat(snap.liveTable().text()).isEqualTo(table);
        mapper.remove("snap", false);
        assertThat(mapper.create("again", snap.liveTable().text(), dir).liveTable().text()).isEqualTo(table);
    }

    @Test
    void aFullCowInvalidatesTheSnapshotAndLeavesTheOriginAlone() throws Exception {
        // Header, metadata and two data chunks of 8 sectors.
        Path small = Files.write(dir.resolve("small.img"), new byte[32 * S]).toRealPath();
        MappedDevice snap = mapper.create("snap", "0 256 snapshot " + origin + " " + small + " P 8", dir);
        write(snap, 0, new byte[] {1});
        write(snap, 8 * S, new byte[] {2});

        assertThatThrownBy(() -> write(snap, 16 * S, new byte[] {3})).isInstanceOf(IOException.class)
                .hasMessageContaining("full");
        assertThat(snap.liveTable().statusText()).isEqualTo("0 256 snapshot Invalid\n");
        assertThatThrownBy(() -> read(snap, 0, S)).isInstanceOf(IOException.class).hasMessageContaining("invalid");
        assertThat(bytes(origin)).isEqualTo(original);
        assertThat(slice(bytes(small), 4, 4)).containsExactly(0, 0, 0, 0);
    }

    @Test
    void poReportsOverflowWhenTheCowFillsUp() throws Exception {
        Path small = Files.write(dir.resolve("small.img"), new byte[24 * S]).toRealPath();
        MappedDevice snap = mapper.create("snap", "0 256 snapshot " + origin + " " + small + " PO 8", dir);
        write(snap, 0, new byte[] {1});

        assertThatThrownBy(() -> write(snap, 8 * S, new byte[] {2})).isInstanceOf(IOException.class);
        assertThat(snap.liveTable().statusText()).isEqualTo("0 256 snapshot Overflow\n");
    }

    @Test
    void aDiscardReadsBackAsZerosAndNeverReachesTheOrigin() throws Exception {
        MappedDevice snap = mapper.create("snap", "0 256 snapshot " + origin + " " + cow + " N 8", dir);
        snap.discard(5 * S, 20 * S);

        assertThat(read(snap, 5 * S, 20 * S)).isEqualTo(new byte[20 * S]);
        assertThat(read(snap, 0, 5 * S)).isEqualTo(slice(original, 0, 5 * S));
        assertThat(bytes(origin)).isEqualTo(original);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "snapshot ORIGIN COW X 8 | invalid persistent? 'X'",
        "snapshot ORIGIN COW P 12 | must be a power of two",
        "snapshot ORIGIN COW P 4 | must be between 8 and 1024",
        "snapshot ORIGIN COW N | expected 4 arguments",
        "snapshot ORIGIN ORIGIN N 8 | the COW device is the origin"})
    void badArgumentsAreRefusedNamingTheField(String line, String message) {
        String table = "0 256 " + line.replace("ORIGIN", origin.toString()).replace("COW", cow.toString());
        assertThatThrownBy(() -> mapper.create("snap", table, dir)).isInstanceOf(MapperException.class)
                .hasMessageContaining("line 1: snapshot: ").hasMessageContaining(message);
    }

    @Test
    void aCowDeviceServesOneSnapshotOnly() throws Exception {
        mapper.create("one", "0 256 snapshot " + origin + " " + cow + " N 8", dir);

        assertThatThrownBy(() -> mapper.create("two", "0 256 snapshot " + origin + " " + cow + " N 8", dir))
                .isInstanceOf(MapperException.class).hasMessageContaining("in use by another snapshot");
        mapper.remove("one", false);
        mapper.create("two", "0 256 snapshot " + origin + " " + cow + " N 8", dir);
    }

    @Test
    void aSnapshotMayNotBeLongerThanItsOrigin() {
        assertThatThrownBy(() -> mapper.create("snap", "0 257 snapshot " + origin + " " + cow + " N 8", dir))
                .isInstanceOf(MapperException.class).hasMessageContaining("too small");
    }
}
