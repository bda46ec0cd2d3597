package org.mapperfs.core.thin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mapperfs.core.FileDevice;
import org.mapperfs.core.HolePuncher;
import org.mapperfs.core.TestFiles;

/**
 * Pool metadata written here is the kernel's format: thin_check passes it, thin_dump lists what
 * was made, the own reference-count checker agrees with both space maps, and metadata written by
 * thin_restore opens here.
 */
class ThinMetadataTest {
    private static final int BLOCK_SECTORS = 128;

    @TempDir
    Path dir;

    private final List<FileDevice> open = new ArrayList<>();

    @AfterEach
    void close() throws IOException {
        for (FileDevice d : open) {
            d.close();
        }
    }

    private Path file(String name, long bytes) throws IOException {
        return TestFiles.sized(dir, name, bytes);
    }

    private ThinMetadata open(Path metadata, long dataBlocks) throws IOException {
        FileDevice d = FileDevice.open(metadata, HolePuncher.NONE);
        open.add(d);
        return ThinMetadata.open(d, BLOCK_SECTORS, dataBlocks);
    }

    private void verify(Path metadata, Map<Long, Map<Long, Long>> expected) throws Exception {
        ThinTools.verify(metadata, expected);
    }

    @Test
    void anEmptyPoolPassesThinCheck() throws Exception {
        ThinTools.require();
        Path meta = file("meta", 4 << 20);
        ThinMetadata m = open(meta, 1000);
        assertThat(m.devices()).isEmpty();
        verify(meta, Map.of());
        String dump = ThinTools.dump(meta);
        assertThat(dump).contains("data_block_size=\"128\"", "nr_data_blocks=\"1000\"");
    }

    @Test
    void mappingsInRandomOrderSplitTheTreesAndSurviveAReopen() throws Exception {
        ThinTools.require();
        Path meta = file("meta", 8 << 20);
        ThinMetadata m = open(meta, 10_000);
        m.createThin(7);
        Map<Long, Long> want = new TreeMap<>();
        List<Long> order = new ArrayList<>();
        for (long v = 0; v < 3000; v++) {
            order.add(v * 3);
        }
        Collections.shuffle(order, new Random(1));
        for (long v : order) {
            long d = m.allocateData();
            m.map(7, v, d);
            want.put(v, d);
        }
        m.setTransactionId(0, 5);
        m.commit();
        verify(meta, Map.of(7L, want));
        assertThat(m.details(7).mappedBlocks()).isEqualTo(3000);

        ThinMetadata again = open(meta, 10_000);
        assertThat(again.transactionId()).isEqualTo(5);
        for (Map.Entry<Long, Long> e : want.entrySet()) {
            assertThat(again.lookup(7, e.getKey()).dataBlock()).isEqualTo(e.getValue());
        }
        assertThat(again.lookup(7, 1)).isNull();
        assertThat(again.usedDataBlocks()).isEqualTo(3000);
    }

    @Test
    void snapshotsShareUntilWrittenAndDeletingThemFreesWhatOnlyTheyHeld() throws Exception {
        ThinTools.require();
        Path meta = file("meta", 8 << 20);
        ThinMetadata m = open(meta, 20_000);
        Map<Long, Map<Long, Long>> want = new TreeMap<>();
        m.createThin(0);
        want.put(0L, new TreeMap<>());
        for (long v = 0; v < 600; v++) {
            long d = m.allocateData();
            m.map(0, v, d);
            want.get(0L).put(v, d);
        }
        m.commit();
        m.createSnap(1, 0);
        want.put(1L, new TreeMap<>(want.get(0L)));
        assertThat(m.shared(0, m.lookup(0, 5))).isTrue();
        for (long v = 0; v < 600; v += 6) { // the origin breaks sharing on every sixth block
            long d = m.allocateData();
            m.map(0, v, d);
            want.get(0L).put(v, d);
        }
        assertThat(m.shared(0, m.lookup(0, 6))).as("written since the snapshot").isFalse();
        m.createSnap(2, 1);
        m.createSnap(3, 2); // a snapshot of a snapshot of a snapshot
        want.put(2L, new TreeMap<>(want.get(1L)));
        want.put(3L, new TreeMap<>(want.get(1L)));
        for (long v = 1; v < 600; v += 7) {
            long d = m.allocateData();
            m.map(3, v, d);
            want.get(3L).put(v, d);
        }
        m.commit();
        verify(meta, want);
        assertThat(m.dataReferences(want.get(1L).get(1L))).as("a block in leaves of 1, 2 and 0").isGreaterThan(0);

        m.delete(1);
        want.remove(1L);
        m.commit();
        verify(meta, want);

        m.delete(0);
        m.delete(2);
        m.delete(3);
        m.commit();
        verify(meta, Map.of());
        assertThat(m.usedDataBlocks()).isZero();
        assertThatThrownBy(() -> m.delete(3)).hasMessageContaining("no device 3");
        assertThatThrownBy(() -> m.createThin(1 << 24)).hasMessageContaining("out of range");
    }

    @Test
    void threeHundredDevicesSplitTheTopLevelAndDetailsTrees() throws Exception {
        ThinTools.require();
        Path meta = file("meta", 8 << 20);
        ThinMetadata m = open(meta, 2000);
        Map<Long, Map<Long, Long>> want = new TreeMap<>();
        for (long id = 0; id < 300; id++) {
            m.createThin(id * 11);
            Map<Long, Long> dev = new TreeMap<>();
            for (long v = 0; v < 3; v++) {
                long d = m.allocateData();
                m.map(id * 11, v * 1000, d);
                dev.put(v * 1000, d);
            }
            want.put(id * 11, dev);
        }
        m.commit();
        verify(meta, want);
    }

    @Test
    void unmappingMostBlocksRebalancesTheTreeAndFreesTheirData() throws Exception {
        ThinTools.require();
        Path meta = file("meta", 8 << 20);
        ThinMetadata m = open(meta, 10_000);
        m.createThin(1);
        Map<Long, Long> want = new TreeMap<>();
        for (long v = 0; v < 4000; v++) {
            long d = m.allocateData();
            m.map(1, v, d);
            want.put(v, d);
        }
        m.commit();
        List<Long> order = new ArrayList<>(want.keySet());
        Collections.shuffle(order, new Random(2));
        int n = 0;
        for (long v : order.subList(0, 3900)) {
            assertThat(m.unmap(1, v)).isEqualTo(want.remove(v));
            if (++n % 1000 == 0) {
                m.commit();
                verify(meta, Map.of(1L, want));
            }
        }
        m.commit();
        verify(meta, Map.of(1L, want));
        assertThat(m.usedDataBlocks()).isEqualTo(100);
        assertThat(m.unmap(1, order.get(0))).isEqualTo(-1);
    }

    @Test
    void metadataWrittenByThinRestoreOpensReadsAndTakesWrites() throws Exception {
        ThinTools.require();
        Path xml = Files.writeString(dir.resolve("pool.xml"), """
                <superblock uuid="" time="1" transaction="3" flags="0" version="2" data_block_size="128" nr_data_blocks="5000">
                  <device dev_id="1" mapped_blocks="300" transaction="0" creation_time="0" snap_time="1">
                    <range_mapping origin_begin="0" data_begin="100" length="300" time="0"/>
                  </device>
                  <device dev_id="2" mapped_blocks="301" transaction="0" creation_time="1" snap_time="1">
                    <range_mapping origin_begin="0" data_begin="100" length="300" time="0"/>
                    <single_mapping origin_block="1000" data_block="4000" time="1"/>
                  </device>
                </superblock>
                """);
        Path meta = file("meta", 8 << 20);
        ThinTools.Result restored = ThinTools.run("thin_restore", "-i", xml.toString(), "-o", meta.toString());
        assertThat(restored.exit()).as(restored.err()).isZero();

        ThinMetadata m = open(meta, 5000);
        assertThat(m.devices()).containsExactly(1L, 2L);
        assertThat(m.transactionId()).isEqualTo(3);
        assertThat(m.lookup(2, 1000)).isEqualTo(new ThinMetadata.Mapping(4000, 1));
        assertThat(m.lookup(1, 299).dataBlock()).isEqualTo(399);
        assertThat(m.shared(1, m.lookup(1, 0))).isTrue();
        assertThat(m.dataReferences(150)).as("two devices' leaves").isEqualTo(2);

        long d = m.allocateData();
        m.map(1, 0, d); // breaks sharing with device 2
        m.createThin(3);
        m.map(3, 7, m.allocateData());
        m.commit();
        Map<Long, Long> one = new TreeMap<>();
        Map<Long, Long> two = new TreeMap<>();
        for (long v = 0; v < 300; v++) {
            one.put(v, 100 + v);
            two.put(v, 100 + v);
        }
        one.put(0L, d);
        two.put(1000L, 4000L);
        verify(meta, Map.of(1L, one, 2L, two, 3L, Map.of(7L, m.lookup(3, 7).dataBlock())));
    }

    /** The checkers catch damage: without this, a passing check could mean nothing. */
    @Test
    void damageIsCaughtByThinCheckAndTheOwnCounter() throws Exception {
        ThinTools.require();
        Path meta = file("meta", 4 << 20);
        ThinMetadata m = open(meta, 1000);
        m.createThin(1);
        for (long v = 0; v < 10; v++) {
            m.map(1, v, m.allocateData());
        }
        m.commit();
        verify(meta, Map.of(1L, Map.of(0L, m.lookup(1, 0).dataBlock(), 1L, m.lookup(1, 1).dataBlock(),
                2L, m.lookup(1, 2).dataBlock(), 3L, m.lookup(1, 3).dataBlock(), 4L, m.lookup(1, 4).dataBlock(),
                5L, m.lookup(1, 5).dataBlock(), 6L, m.lookup(1, 6).dataBlock(), 7L, m.lookup(1, 7).dataBlock(),
                8L, m.lookup(1, 8).dataBlock(), 9L, m.lookup(1, 9).dataBlock())));
        byte[] image = Files.readAllBytes(meta);
        Superblock sb = Superblock.decode(java.util.Arrays.copyOf(image, Blocks.SIZE));

        // A byte flipped in the mapping tree's root: its checksum no longer matches.
        Path flipped = Files.write(dir.resolve("flipped"), image.clone());
        byte[] f = Files.readAllBytes(flipped);
        f[(int) (sb.mappingRoot() * Blocks.SIZE + 100)] ^= 1;
        Files.write(flipped, f);
        assertThat(ThinTools.run("thin_check", flipped.toString()).exit()).as("bad checksum").isNotZero();

        // One metadata block counted twice in its bitmap (resealed): a leak.
        Path leaked = dir.resolve("leaked");
        byte[] l = image.clone();
        long bitmap = Blocks.le(java.util.Arrays.copyOfRange(l, (int) (sb.metadataSpace().bitmapRoot() * Blocks.SIZE),
                (int) ((sb.metadataSpace().bitmapRoot() + 1) * Blocks.SIZE))).getLong(16);
        byte[] bm = java.util.Arrays.copyOfRange(l, (int) (bitmap * Blocks.SIZE), (int) ((bitmap + 1) * Blocks.SIZE));
        long word = Blocks.le(bm).getLong(16);
        long root = sb.detailsRoot(); // count 1 (bits 2) becomes 2 (bits 1)
        int shift = 2 * (int) (root % 32);
        Blocks.le(bm).putLong(16 + 8 * (int) (root / 32), (Blocks.le(bm).getLong(16 + 8 * (int) (root / 32))
                & ~(3L << shift)) | 1L << shift);
        assertThat(word).isNotNegative();
        Blocks.seal(bm, Blocks.BITMAP_SALT);
        System.arraycopy(bm, 0, l, (int) (bitmap * Blocks.SIZE), Blocks.SIZE);
        Files.write(leaked, l);
        assertThat(ThinTools.run("thin_check", leaked.toString()).exit()).as("a miscounted block").isNotZero();
        assertThatThrownBy(() -> RefCounts.check(leaked)).isInstanceOf(AssertionError.class)
                .hasMessageContaining("metadata block " + root);

        // A device's mapped_blocks off by one (resealed): thin_check 0.9.0 misses it, the counter does not.
        Path miscounted = dir.resolve("miscounted");
        byte[] c = image.clone();
        byte[] leaf = java.util.Arrays.copyOfRange(c, (int) (sb.detailsRoot() * Blocks.SIZE),
                (int) ((sb.detailsRoot() + 1) * Blocks.SIZE));
        Node n = new Node(sb.detailsRoot(), leaf);
        byte[] details = n.valueBytes(0);
        Blocks.le(details).putLong(0, 11);
        n.valueBytes(0, details);
        n.seal();
        System.arraycopy(leaf, 0, c, (int) (sb.detailsRoot() * Blocks.SIZE), Blocks.SIZE);
        Files.write(miscounted, c);
        assertThatThrownBy(() -> RefCounts.check(miscounted)).isInstanceOf(AssertionError.class)
                .hasMessageContaining("mapped_blocks");
    }
}
