package org.mapperfs.core.targets.thin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mapperfs.core.MappedDevice;
import org.mapperfs.core.Mapper;
import org.mapperfs.core.TestFiles;
import org.mapperfs.core.thin.ThinCheck;

/** thin-pool and thin through the mapper, with thin_check on the metadata after each change. */
class ThinTargetTest {
    private static final int BLOCK = 64 * 1024; // 128 sectors

    @TempDir
    Path dir;

    private Mapper mapper;
    private Path meta;
    private Path data;

    @BeforeEach
    void files() throws IOException {
        meta = sized("meta", 4 << 20);
        data = sized("data", 64 << 20);
        mapper = Mapper.standalone();
    }

    @AfterEach
    void close() {
        mapper.close();
    }

    private Path sized(String name, long bytes) throws IOException {
        return TestFiles.sized(dir, name, bytes);
    }

    private MappedDevice pool(String features) throws Exception {
        return mapper.create("pool", "0 " + (64 << 11) + " thin-pool " + meta + " " + data + " 128 16" + features,
                dir);
    }

    private void checkMetadata() throws Exception {
        ThinCheck.passes(meta);
    }

    @Test
    void aThinDeviceReadsZerosUntilWrittenAndProvisionsEachBlockOnce() throws Exception {
        ThinCheck.require();
        MappedDevice pool = pool("");
        mapper.message("pool", 0, List.of("create_thin", "0"));
        MappedDevice thin = mapper.create("t", "0 2097152 thin pool 0", dir); // 1 GiB on a 64 MiB pool
        assertThat(TestFiles.read(thin, 5 << 20, 4096)).containsOnly(0);
        assertThat(thin.liveTable().statusText().trim()).endsWith("thin 0 -");

        byte[] a = TestFiles.seeded(3000, 1);
        thin.write(ByteBuffer.wrap(a), BLOCK * 10L + 100); // part of a block: the rest zeroed
        byte[] full = TestFiles.seeded(BLOCK * 2, 2);
        thin.write(ByteBuffer.wrap(full), BLOCK * 1000L);
        thin.write(ByteBuffer.wrap(TestFiles.seeded(100, 3)), BLOCK * 10L + 5000); // the same block: in place

        assertThat(TestFiles.read(thin, BLOCK * 10L + 100, a.length)).isEqualTo(a);
        assertThat(TestFiles.read(thin, BLOCK * 10L, 100)).containsOnly(0);
        assertThat(TestFiles.read(thin, BLOCK * 1000L, full.length)).isEqualTo(full);
        assertThat(thin.liveTable().statusText().trim()).endsWith("thin " + 3 * 128 + " " + (1002 * 128 - 1));
        thin.flush();
        assertThat(pool.liveTable().statusText()).contains(" 3/1024 ").contains(" rw discard_passdown queue_if_no_space ");
        checkMetadata();
    }

    @Test
    void aSnapshotSharesBlocksUntilEitherSideWrites() throws Exception {
        ThinCheck.require();
        pool("");
        mapper.message("pool", 0, List.of("create_thin", "0"));
        MappedDevice origin = mapper.create("origin", "0 32768 thin pool 0", dir);
        byte[] before = TestFiles.seeded(BLOCK * 4, 4);
        origin.write(ByteBuffer.wrap(before), 0);

        mapper.suspend("origin", true);
        mapper.message("pool", 0, List.of("create_snap", "1", "0"));
        mapper.resume("origin");
        MappedDevice snap = mapper.create("snap", "0 32768 thin pool 1", dir);
        assertThat(TestFiles.read(snap, 0, before.length)).isEqualTo(before);

        byte[] after = TestFiles.seeded(1000, 5);
        origin.write(ByteBuffer.wrap(after), BLOCK + 10); // breaks sharing of block 1 only
        assertThat(TestFiles.read(origin, BLOCK + 10, after.length)).isEqualTo(after);
        assertThat(TestFiles.read(origin, BLOCK, 10)).isEqualTo(java.util.Arrays.copyOfRange(before, BLOCK, BLOCK + 10));
        assertThat(TestFiles.read(snap, 0, before.length)).as("the snapshot keeps the old bytes").isEqualTo(before);

        mapper.suspend("snap", true);
        mapper.message("pool", 0, List.of("create_snap", "2", "1")); // a snapshot of the snapshot
        mapper.resume("snap");
        MappedDevice snap2 = mapper.create("snap2", "0 32768 thin pool 2", dir);
        snap.write(ByteBuffer.wrap(TestFiles.seeded(BLOCK, 6)), 2L * BLOCK);
        assertThat(TestFiles.read(snap2, 0, before.length)).isEqualTo(before);
        mapper.find("pool").orElseThrow().flush();
        origin.flush();
        checkMetadata();

        mapper.remove("snap", false);
        mapper.message("pool", 0, List.of("delete", "1"));
        checkMetadata();
        assertThat(TestFiles.read(snap2, 0, before.length)).isEqualTo(before);
        assertThatThrownBy(() -> mapper.message("pool", 0, List.of("delete", "1")))
                .hasMessageContaining("no device 1");
        assertThatThrownBy(() -> mapper.message("pool", 0, List.of("create_thin", "2")))
                .hasMessageContaining("device 2 already exists");
        assertThatThrownBy(() -> mapper.create("bad", "0 8 thin pool 9", dir)).hasMessageContaining("no device 9");
    }

    @Test
    void anExternalOriginServesUnprovisionedBlocksAndIsNeverWritten() throws Exception {
        ThinCheck.require();
        pool("");
        Path originFile = sized("origin", 3L * BLOCK + 1000); // ends inside block 3
        byte[] image = TestFiles.seeded(3 * BLOCK + 1000, 11);
        java.nio.file.Files.write(originFile, image);
        mapper.message("pool", 0, List.of("create_thin", "4"));
        MappedDevice thin = mapper.create("t", "0 1024 thin pool 4 " + originFile, dir);

        assertThat(TestFiles.read(thin, 0, image.length)).as("unprovisioned blocks read from the origin").isEqualTo(image);
        assertThat(TestFiles.read(thin, image.length, 4096)).as("past the origin's end: zeros").containsOnly(0);
        byte[] patch = TestFiles.seeded(500, 12);
        thin.write(ByteBuffer.wrap(patch), BLOCK + 100); // provisions block 1 with the origin's bytes around
        byte[] want = image.clone();
        System.arraycopy(patch, 0, want, BLOCK + 100, patch.length);
        assertThat(TestFiles.read(thin, 0, image.length)).isEqualTo(want);
        assertThat(java.nio.file.Files.readAllBytes(originFile)).as("the origin is never written").isEqualTo(image);
        assertThat(thin.liveTable().text()).contains("thin pool 4 " + originFile);
        thin.flush();
        checkMetadata();
    }

    @Test
    void aDiscardGivesBlocksBackAndTheDataSurvivesAReopen() throws Exception {
        ThinCheck.require();
        MappedDevice pool = pool("");
        mapper.message("pool", 0, List.of("create_thin", "7"));
        MappedDevice thin = mapper.create("t", "0 65536 thin pool 7", dir);
        byte[] kept = TestFiles.seeded(BLOCK * 8, 7);
        thin.write(ByteBuffer.wrap(kept), 0);
        thin.write(ByteBuffer.wrap(TestFiles.seeded(BLOCK * 8, 8)), BLOCK * 100L);
        thin.flush();
        assertThat(pool.liveTable().statusText()).contains(" 16/1024 ");
        thin.discard(BLOCK * 100L, BLOCK * 8L);
        thin.flush();
        assertThat(pool.liveTable().statusText()).contains(" 8/1024 ");
        assertThat(TestFiles.read(thin, BLOCK * 100L, BLOCK)).containsOnly(0);
        checkMetadata();

        mapper.close();
        mapper = Mapper.standalone();
        pool("");
        MappedDevice again = mapper.create("t", "0 65536 thin pool 7", dir);
        assertThat(TestFiles.read(again, 0, kept.length)).isEqualTo(kept);
        assertThat(again.liveTable().statusText().trim()).endsWith("thin " + 8 * 128 + " " + (8 * 128 - 1));
    }

    @Test
    void aFullPoolFailsWritesWithErrorIfNoSpaceAndTakesThemAfterItsDataGrows() throws Exception {
        ThinCheck.require();
        data = sized("small", 1 << 20); // 16 blocks
        mapper.create("pool", "0 2048 thin-pool " + meta + " " + data + " 128 4 1 error_if_no_space", dir);
        mapper.message("pool", 0, List.of("create_thin", "0"));
        MappedDevice thin = mapper.create("t", "0 65536 thin pool 0", dir);
        thin.write(ByteBuffer.wrap(TestFiles.seeded(BLOCK * 16, 9)), 0);
        assertThatThrownBy(() -> thin.write(ByteBuffer.wrap(TestFiles.seeded(4096, 10)), BLOCK * 20L))
                .hasMessageContaining("out of data space");
        assertThat(mapper.find("pool").orElseThrow().liveTable().statusText()).contains(" out_of_data_space ");

        try (RandomAccessFile f = new RandomAccessFile(data.toFile(), "rw")) {
            f.setLength(4 << 20);
        }
        mapper.load("pool", "0 8192 thin-pool " + meta + " " + data + " 128 4 1 error_if_no_space", dir);
        mapper.suspend("pool", true);
        mapper.resume("pool");
        thin.write(ByteBuffer.wrap(TestFiles.seeded(4096, 10)), BLOCK * 20L);
        thin.flush();
        assertThat(mapper.find("pool").orElseThrow().liveTable().statusText()).contains(" 17/64 ").contains(" rw ");
        checkMetadata();
    }

    @Test
    void aMetadataSnapshotShowsInTheStatusAndKeepsItsMomentForTheTools() throws Exception {
        ThinCheck.require();
        MappedDevice pool = pool("");
        mapper.message("pool", 0, List.of("create_thin", "0"));
        MappedDevice thin = mapper.create("t", "0 65536 thin pool 0", dir);
        thin.write(ByteBuffer.wrap(TestFiles.seeded(BLOCK * 4, 13)), 0);
        thin.flush();
        assertThat(field(pool, 3)).as("no held root").isEqualTo("-");

        mapper.message("pool", 0, List.of("reserve_metadata_snap"));
        assertThat(Long.parseLong(field(pool, 3))).as("the held root's block").isPositive();
        assertThatThrownBy(() -> mapper.message("pool", 0, List.of("reserve_metadata_snap")))
                .hasMessageContaining("already held");
        thin.write(ByteBuffer.wrap(TestFiles.seeded(BLOCK * 2, 14)), BLOCK * 50L); // after the snapshot
        thin.discard(0, BLOCK);
        thin.flush();
        ThinCheck.heldPasses(meta);
        assertThat(ThinCheck.heldMappings(meta, 0)).as("the mappings at the reserve").hasSize(4)
                .allMatch(m -> Long.parseLong(m.split(" ")[0]) < 4);
        checkMetadata();

        assertThatThrownBy(() -> mapper.message("pool", 0, List.of("release_metadata_snap", "now")))
                .hasMessageContaining("takes no arguments");
        mapper.message("pool", 0, List.of("release_metadata_snap"));
        assertThat(field(pool, 3)).isEqualTo("-");
        assertThat(field(pool, 2)).as("the discarded block is free once the snapshot lets go").isEqualTo("5/1024");
        assertThatThrownBy(() -> mapper.message("pool", 0, List.of("release_metadata_snap")))
                .hasMessageContaining("no metadata snapshot is held");
        checkMetadata();
    }

    /**
     * A block freed without passdown keeps its old bytes in the data file; given out again to a
     * partial write, the rest of it reads zeros, whether the pool zeroes it by a hole (a file)
     * or by writing zeros (a device that promises no zeros on discard).
     */
    @Test
    void aReusedBlockReadsZerosAroundAPartialWrite() throws Exception {
        ThinCheck.require();
        for (boolean onFile : new boolean[] {true, false}) {
            mapper.close();
            mapper = Mapper.standalone();
            Path small = sized("small-" + onFile, 1 << 20); // 16 blocks
            sized("meta-" + onFile, 4 << 20);
            String dataDev = small.toString();
            if (!onFile) {
                mapper.create("lin", "0 2048 linear " + small + " 0", dir);
                dataDev = "lin";
            }
            mapper.create("pool", "0 2048 thin-pool " + dir.resolve("meta-" + onFile) + " " + dataDev
                    + " 128 0 1 no_discard_passdown", dir);
            mapper.message("pool", 0, List.of("create_thin", "0"));
            MappedDevice thin = mapper.create("t", "0 65536 thin pool 0", dir);
            thin.write(ByteBuffer.wrap(TestFiles.seeded(16 * BLOCK, 15)), 0);
            thin.discard(0, 16L * BLOCK); // the data file keeps the bytes
            thin.flush();
            byte[] piece = TestFiles.seeded(512, 16);
            for (int b = 0; b < 16; b++) {
                thin.write(ByteBuffer.wrap(piece), (100L + b) * BLOCK + 1024);
            }
            for (int b = 0; b < 16; b++) {
                byte[] got = TestFiles.read(thin, (100L + b) * BLOCK, BLOCK);
                assertThat(java.util.Arrays.copyOfRange(got, 1024, 1536)).isEqualTo(piece);
                got = java.util.Arrays.copyOf(got, BLOCK);
                java.util.Arrays.fill(got, 1024, 1536, (byte) 0);
                assertThat(got).as("block " + (100 + b) + " around the write, data on a file: " + onFile)
                        .containsOnly(0);
            }
            thin.flush();
            ThinCheck.passes(dir.resolve("meta-" + onFile));
        }
    }

    /** A pool status field, counted after the table's "start length thin-pool". */
    private static String field(MappedDevice pool, int n) {
        return pool.liveTable().statusText().trim().split(" ")[3 + n];
    }
}
