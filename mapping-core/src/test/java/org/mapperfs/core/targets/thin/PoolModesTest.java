package org.mapperfs.core.targets.thin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mapperfs.core.MappedDevice;
import org.mapperfs.core.Mapper;
import org.mapperfs.core.MapperException;
import org.mapperfs.core.TestFiles;
import org.mapperfs.core.thin.ThinCheck;

/**
 * The pool's modes, as the kernel's: a failed metadata operation leaves it read-only with
 * needs_check set until the tools clear it; running short of metadata space stops new blocks
 * until a reload grows the metadata device; a metadata device that cannot even be marked fails
 * the pool.
 */
class PoolModesTest {
    private static final int BLOCK = 64 * 1024;

    @TempDir
    Path dir;

    private Mapper mapper;
    private Path meta;
    private Path data;

    @BeforeEach
    void files() throws IOException {
        meta = TestFiles.sized(dir, "meta", 4 << 20);
        data = TestFiles.sized(dir, "data", 64 << 20);
        mapper = Mapper.standalone();
    }

    @AfterEach
    void close() {
        mapper.close();
    }

    private String poolTable(String metadata) {
        return "0 " + (64 << 11) + " thin-pool " + metadata + " " + data + " 128 16";
    }

    /** Pool status fields after "start length thin-pool": 0 transaction, ..., 4 mode, ..., 7 needs_check. */
    private String field(int n) {
        return mapper.find("pool").orElseThrow().liveTable().statusText().trim().split(" ")[3 + n];
    }

    private static void write(MappedDevice d, long block, int seed) throws IOException {
        d.write(ByteBuffer.wrap(TestFiles.seeded(4096, seed)), block * BLOCK);
    }

    /** Where device {@code id}'s mapping tree starts: its value in the top tree's root leaf. */
    private long subtreeRoot(long id) throws IOException {
        ByteBuffer file = ByteBuffer.wrap(Files.readAllBytes(meta)).order(ByteOrder.LITTLE_ENDIAN);
        int top = (int) file.getLong(320) * 4096;
        assertThat(file.getInt(top + 4)).as("the top tree's root is a leaf").isEqualTo(2);
        int entries = file.getInt(top + 16);
        int max = file.getInt(top + 20);
        for (int i = 0; i < entries; i++) {
            if (file.getLong(top + 32 + 8 * i) == id) {
                return file.getLong(top + 32 + 8 * max + 8 * i);
            }
        }
        throw new AssertionError("no device " + id + " in the top tree");
    }

    private void flipByte(long at) throws IOException {
        try (RandomAccessFile f = new RandomAccessFile(meta.toFile(), "rw")) {
            f.seek(at);
            int b = f.read();
            f.seek(at);
            f.write(b ^ 0x40);
        }
    }

    @Test
    void aDamagedMetadataBlockLeavesThePoolReadOnlyWithNeedsCheckUntilTheToolsClearIt() throws Exception {
        ThinCheck.require();
        mapper.create("pool", poolTable(meta.toString()), dir);
        mapper.message("pool", 0, List.of("create_thin", "0"));
        mapper.message("pool", 0, List.of("create_thin", "1"));
        MappedDevice t0 = mapper.create("t0", "0 65536 thin pool 0", dir);
        MappedDevice t1 = mapper.create("t1", "0 65536 thin pool 1", dir);
        for (int b = 0; b < 4; b++) {
            write(t0, b, b);
        }
        write(t1, 0, 9);
        t0.flush();
        mapper.close();
        long damaged = subtreeRoot(1) * 4096 + 100;
        flipByte(damaged); // device 1's mappings now fail their checksum

        mapper = Mapper.standalone();
        mapper.create("pool", poolTable(meta.toString()), dir);
        t0 = mapper.create("t0", "0 65536 thin pool 0", dir);
        t1 = mapper.create("t1", "0 65536 thin pool 1", dir);
        assertThat(field(4)).isEqualTo("rw");
        MappedDevice one = t1;
        assertThatThrownBy(() -> TestFiles.read(one, 0, 4096)).hasMessageContaining("bad checksum");
        assertThat(field(4)).as("aborted: read-only").isEqualTo("ro");
        assertThat(field(7)).isEqualTo("needs_check");

        write(t0, 1, 21); // a mapped, unshared block: written in place
        assertThat(TestFiles.read(t0, BLOCK, 4096)).isEqualTo(TestFiles.seeded(4096, 21));
        MappedDevice zero = t0;
        assertThatThrownBy(() -> write(zero, 100, 22)).hasMessageContaining("read-only");
        assertThatThrownBy(() -> mapper.message("pool", 0, List.of("create_thin", "2")))
                .isInstanceOf(MapperException.class).hasMessageContaining("read-only");
        t0.discard(2L * BLOCK, BLOCK); // taken, and nothing unmapped
        assertThat(TestFiles.read(t0, 2L * BLOCK, 4096)).isEqualTo(TestFiles.seeded(4096, 2));
        t0.flush();
        try (RandomAccessFile f = new RandomAccessFile(meta.toFile(), "r")) {
            f.seek(4);
            assertThat(Integer.reverseBytes(f.readInt()) & 1).as("needs_check in the superblock").isEqualTo(1);
        }
        mapper.close();

        flipByte(damaged); // repaired
        mapper = Mapper.standalone();
        mapper.create("pool", poolTable(meta.toString()), dir);
        assertThat(field(4)).as("the flag outlives the daemon").isEqualTo("ro");
        assertThat(field(7)).isEqualTo("needs_check");
        mapper.close();

        Process clear = new ProcessBuilder("thin_check", "--clear-needs-check-flag", meta.toString())
                .redirectErrorStream(true).start();
        assertThat(clear.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(clear.exitValue()).as(new String(clear.getInputStream().readAllBytes())).isZero();
        mapper = Mapper.standalone();
        mapper.create("pool", poolTable(meta.toString()), dir);
        assertThat(field(4)).isEqualTo("rw");
        assertThat(field(7)).isEqualTo("-");
        t0 = mapper.create("t0", "0 65536 thin pool 0", dir);
        write(t0, 100, 23);
        t0.flush();
        assertThat(TestFiles.read(t0, 100L * BLOCK, 4096)).isEqualTo(TestFiles.seeded(4096, 23));
        ThinCheck.passes(meta);
    }

    @Test
    void runningShortOfMetadataSpaceStopsNewBlocksUntilAReloadGrowsTheMetadata() throws Exception {
        ThinCheck.require();
        meta = TestFiles.sized(dir, "small-meta", 1 << 20); // 256 blocks, 25 held back
        mapper.create("pool", poolTable(meta.toString()), dir);
        mapper.message("pool", 0, List.of("create_thin", "0"));
        MappedDevice t0 = mapper.create("t0", "0 65536 thin pool 0", dir);
        write(t0, 0, 1);
        int id = 1;
        try {
            for (; id < 1000; id++) {
                mapper.message("pool", 0, List.of("create_thin", Integer.toString(id)));
            }
        } catch (MapperException e) {
            assertThat(e).hasMessageContaining("out of metadata space");
        }
        assertThat(id).as("devices made before the metadata ran short").isBetween(100, 999);
        assertThat(field(4)).isEqualTo("ro");
        assertThat(field(7)).as("nothing is damaged").isEqualTo("-");
        assertThatThrownBy(() -> write(t0, 5, 2)).hasMessageContaining("out of metadata space");
        write(t0, 0, 3); // in place
        t0.flush();
        ThinCheck.passes(meta);

        try (RandomAccessFile f = new RandomAccessFile(meta.toFile(), "rw")) {
            f.setLength(4 << 20);
        }
        mapper.load("pool", poolTable(meta.toString()), dir);
        mapper.suspend("pool", true);
        mapper.resume("pool");
        assertThat(field(4)).isEqualTo("rw");
        assertThat(field(1)).endsWith("/1024");
        mapper.message("pool", 0, List.of("create_thin", Integer.toString(id)));
        write(t0, 5, 2);
        t0.flush();
        assertThat(TestFiles.read(t0, 5L * BLOCK, 4096)).isEqualTo(TestFiles.seeded(4096, 2));
        ThinCheck.passes(meta);
    }

    @Test
    void aMetadataDeviceThatCannotBeWrittenFailsThePool() throws Exception {
        mapper.create("md", "0 8192 flakey " + meta + " 0 3600 0", dir);
        mapper.create("pool", poolTable("md"), dir);
        mapper.message("pool", 0, List.of("create_thin", "0"));
        MappedDevice t0 = mapper.create("t0", "0 65536 thin pool 0", dir);
        write(t0, 0, 1);
        t0.flush();
        write(t0, 1, 2);

        mapper.load("md", "0 8192 flakey " + meta + " 0 0 3600 1 error_writes", dir);
        mapper.suspend("md", true);
        mapper.resume("md");
        assertThatThrownBy(t0::flush).isInstanceOf(IOException.class);
        assertThat(mapper.find("pool").orElseThrow().liveTable().statusText().trim()).endsWith("thin-pool Fail");
        assertThat(t0.liveTable().statusText().trim()).endsWith("thin Fail");
        assertThatThrownBy(() -> TestFiles.read(t0, 0, 4096)).hasMessageContaining("failed");
    }
}
