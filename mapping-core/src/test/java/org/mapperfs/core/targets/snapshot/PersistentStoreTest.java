package org.mapperfs.core.targets.snapshot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.mapperfs.core.TestFiles.bytes;
import static org.mapperfs.core.TestFiles.read;
import static org.mapperfs.core.TestFiles.seeded;
import static org.mapperfs.core.TestFiles.slice;
import static org.mapperfs.core.TestFiles.write;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mapperfs.core.MappedDevice;
import org.mapperfs.core.Mapper;
import org.mapperfs.core.MapperException;
import org.mapperfs.core.TestFiles;

/** The persistent COW store: the kernel's on-disk layout, byte by byte, and reopening it. */
class PersistentStoreTest {
    private static final int S = 512;
    private static final int CHUNK = 8 * S;
    /** Exceptions per metadata area with 8-sector chunks. */
    private static final int PER_AREA = CHUNK / 16;

    @TempDir
    Path dir;
    Mapper mapper;
    Path origin;
    Path cow;
    byte[] original;

    @BeforeEach
    void setUp() throws IOException {
        mapper = Mapper.standalone();
        origin = TestFiles.noiseSectors(dir, "origin.img", 4096, 9).toRealPath();
        cow = Files.write(dir.resolve("cow.img"), new byte[4096 * S]).toRealPath();
        original = bytes(origin);
    }

    @AfterEach
    void tearDown() {
        mapper.close();
    }

    private String table(String mode) {
        return "0 4096 snapshot " + origin + " " + cow + " " + mode + " 8\n";
    }

    private static ByteBuffer le(byte[] data, long offset, int length) {
        return ByteBuffer.wrap(slice(data, offset, length)).order(ByteOrder.LITTLE_ENDIAN);
    }

    @Test
    void theLayoutIsTheKernelsByteForByte() throws Exception {
        MappedDevice snap = mapper.create("snap", table("P"), dir);
        byte[] data = seeded(CHUNK, 1);
        write(snap, 5L * CHUNK, data);
        write(snap, 2L * CHUNK + 7, new byte[] {9});
        assertThat(slice(bytes(cow), 2L * CHUNK, CHUNK)).as("the data chunk is written at once").isEqualTo(data);
        snap.flush();

        byte[] disk = bytes(cow);
        ByteBuffer header = le(disk, 0, 16);
        assertThat(slice(disk, 0, 4)).containsExactly(0x53, 0x6e, 0x41, 0x70);
        assertThat(header.getInt(0)).isEqualTo(0x70416e53);
        assertThat(header.getInt(4)).as("valid").isEqualTo(1);
        assertThat(header.getInt(8)).as("version").isEqualTo(1);
        assertThat(header.getInt(12)).as("chunk size in sectors").isEqualTo(8);
        ByteBuffer entries = le(disk, CHUNK, 48);
        assertThat(entries.getLong(0)).as("first old_chunk").isEqualTo(5);
        assertThat(entries.getLong(8)).as("first new_chunk").isEqualTo(2);
        assertThat(entries.getLong(16)).isEqualTo(2);
        assertThat(entries.getLong(24)).isEqualTo(3);
        assertThat(entries.getLong(40)).as("end of the list").isZero();
        assertThat(slice(disk, 2L * CHUNK, CHUNK)).isEqualTo(data);
        byte[] second = slice(original, 2L * CHUNK, CHUNK);
        second[7] = 9;
        assertThat(slice(disk, 3L * CHUNK, CHUNK)).isEqualTo(second);
    }

    @Test
    void theSecondAreaFollowsAFullFirstOneAndReadsBack() throws Exception {
        MappedDevice snap = mapper.create("snap", table("P"), dir);
        for (int c = 0; c <= PER_AREA; c++) {
            write(snap, (long) c * CHUNK, new byte[] {(byte) c});
        }
        snap.flush();

        byte[] disk = bytes(cow);
        long secondArea = 1 + PER_AREA + 1;
        ByteBuffer last = le(disk, CHUNK + (PER_AREA - 1) * 16L, 16);
        assertThat(last.getLong(0)).isEqualTo(PER_AREA - 1);
        assertThat(last.getLong(8)).isEqualTo(PER_AREA + 1);
        ByteBuffer first = le(disk, secondArea * CHUNK, 32);
        assertThat(first.getLong(0)).isEqualTo(PER_AREA);
        assertThat(first.getLong(8)).as("skips the metadata chunk").isEqualTo(secondArea + 1);
        assertThat(first.getLong(24)).isZero();
        // Header, two metadata chunks, PER_AREA + 1 data chunks.
        assertThat(snap.liveTable().statusText())
                .isEqualTo("0 4096 snapshot " + (secondArea + 2) * 8 + "/4096 24\n");

        mapper.remove("snap", false);
        MappedDevice again = mapper.create("again", table("P"), dir);
        for (int c = 0; c <= PER_AREA + 1; c++) {
            byte expected = c <= PER_AREA ? (byte) c : original[c * CHUNK];
            assertThat(read(again, (long) c * CHUNK, 1)).as("chunk %s", c).containsExactly(expected);
        }
    }

    @Test
    void oneWriteWhoseExceptionsCrossIntoTheNextAreaIsCommittedWhole() throws Exception {
        MappedDevice snap = mapper.create("snap", table("P"), dir);
        byte[] data = seeded((PER_AREA + 10) * CHUNK, 8);
        write(snap, CHUNK, data);
        snap.flush();

        byte[] disk = bytes(cow);
        long secondArea = 1 + PER_AREA + 1;
        assertThat(le(disk, CHUNK + (PER_AREA - 1) * 16L, 16).getLong(0)).isEqualTo(PER_AREA);
        ByteBuffer next = le(disk, secondArea * CHUNK, 11 * 16);
        assertThat(next.getLong(0)).isEqualTo(PER_AREA + 1);
        assertThat(next.getLong(8)).isEqualTo(secondArea + 1);
        assertThat(next.getLong(9 * 16 + 8)).isEqualTo(secondArea + 10);
        assertThat(next.getLong(10 * 16 + 8)).as("end of the list").isZero();
        mapper.close();

        mapper = Mapper.standalone();
        assertThat(read(mapper.create("snap", table("P"), dir), CHUNK, data.length)).isEqualTo(data);
    }

    @Test
    void aReopenedStoreShowsTheSameViewAndKeepsAllocatingAfterIt() throws Exception {
        byte[] model = original.clone();
        Random random = new Random(4);
        MappedDevice snap = mapper.create("snap", table("P"), dir);
        for (int i = 0; i < 100; i++) {
            int offset = random.nextInt(model.length - 3 * CHUNK);
            byte[] data = seeded(1 + random.nextInt(3 * CHUNK), i);
            write(snap, offset, data);
            System.arraycopy(data, 0, model, offset, data.length);
        }
        String status = snap.liveTable().statusText();
        mapper.close();

        mapper = Mapper.standalone();
        MappedDevice again = mapper.create("snap", table("P"), dir);
        assertThat(again.liveTable().statusText()).isEqualTo(status);
        assertThat(read(again, 0, model.length)).isEqualTo(model);
        write(again, model.length - 1, new byte[] {7});
        model[model.length - 1] = 7;
        mapper.close();

        mapper = Mapper.standalone();
        assertThat(read(mapper.create("snap", table("P"), dir), 0, model.length)).isEqualTo(model);
        assertThat(bytes(origin)).isEqualTo(original);
    }

    @Test
    void staleBytesPastTheListAreNeverReadAsExceptions() throws Exception {
        // A reused COW file: noise everywhere except a zeroed header chunk.
        byte[] noise = seeded(4096 * S, 77);
        System.arraycopy(new byte[CHUNK], 0, noise, 0, CHUNK);
        Files.write(cow, noise);
        MappedDevice snap = mapper.create("snap", table("P"), dir);
        for (int c = 0; c < PER_AREA; c++) {
            write(snap, (long) c * CHUNK, new byte[] {1});
        }
        mapper.close();

        mapper = Mapper.standalone();
        MappedDevice again = mapper.create("snap", table("P"), dir);
        assertThat(again.liveTable().statusText()).isEqualTo("0 4096 snapshot " + (PER_AREA + 3) * 8 + "/4096 24\n");
        assertThat(read(again, (long) PER_AREA * CHUNK, 4 * CHUNK))
                .isEqualTo(slice(original, (long) PER_AREA * CHUNK, 4 * CHUNK));
    }

    @Test
    void aFullStoreIsMarkedInvalidOnDiskAndStaysInvalid() throws Exception {
        Files.write(cow, new byte[4 * CHUNK]);
        MappedDevice snap = mapper.create("snap", table("P"), dir);
        write(snap, 0, new byte[] {1});
        write(snap, CHUNK, new byte[] {1});
        assertThatThrownBy(() -> write(snap, 2 * CHUNK, new byte[] {1})).isInstanceOf(IOException.class);

        assertThat(le(bytes(cow), 0, 16).getInt(4)).as("valid").isZero();
        mapper.close();
        mapper = Mapper.standalone();
        MappedDevice again = mapper.create("snap", table("P"), dir);
        assertThat(again.liveTable().statusText()).isEqualTo("0 4096 snapshot Invalid\n");
        assertThatThrownBy(() -> read(again, 0, S)).isInstanceOf(IOException.class);
    }

    @Test
    void aForeignOrMismatchedCowIsRefused() throws Exception {
        Files.write(cow, seeded(4096 * S, 1));
        assertThatThrownBy(() -> mapper.create("snap", table("P"), dir)).isInstanceOf(MapperException.class)
                .hasMessageContaining("is not a snapshot COW device");

        Files.write(cow, new byte[4096 * S]);
        mapper.create("snap", table("P"), dir);
        mapper.remove("snap", false);
        assertThatThrownBy(() -> mapper.create("snap", table("P").replace(" 8\n", " 16\n"), dir))
                .isInstanceOf(MapperException.class).hasMessageContaining("was made with chunk size 8, not 16");
    }

    @Test
    void aTransientStoreForgetsEverythingOnClose() throws Exception {
        MappedDevice snap = mapper.create("snap", table("N"), dir);
        write(snap, 0, new byte[] {1});
        mapper.remove("snap", false);

        assertThat(read(mapper.create("snap", table("N"), dir), 0, S)).isEqualTo(slice(original, 0, S));
    }
}
