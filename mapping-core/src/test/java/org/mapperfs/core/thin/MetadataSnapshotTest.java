package org.mapperfs.core.thin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mapperfs.core.FileDevice;
import org.mapperfs.core.HolePuncher;
import org.mapperfs.core.TestFiles;

/**
 * reserve_metadata_snap / release_metadata_snap: the held root keeps the trees as they were, for
 * thin_check -m and thin_dump -m on live metadata, while the live trees go on changing; the
 * counts stay exact throughout, and releasing gives back what only the snapshot held.
 */
class MetadataSnapshotTest {
    @TempDir
    Path dir;

    private FileDevice device;

    @AfterEach
    void close() throws Exception {
        if (device != null) {
            device.close();
        }
    }

    private ThinMetadata open(Path metadata) throws Exception {
        if (device != null) {
            device.close();
        }
        device = FileDevice.open(metadata, HolePuncher.NONE);
        return ThinMetadata.open(device, 128, 5000);
    }

    @Test
    void theHeldRootKeepsTheMappingsOfItsMomentWhileTheLiveTreesChange() throws Exception {
        ThinTools.require();
        Path meta = TestFiles.sized(dir, "meta", 8 << 20);
        ThinMetadata m = open(meta);
        m.createThin(1);
        Map<Long, Long> atSnapshot = new TreeMap<>();
        for (long v = 0; v < 600; v++) {
            long d = m.allocateData();
            m.map(1, v * 2, d);
            atSnapshot.put(v * 2, d);
        }
        m.commit();
        long usedBefore = m.usedMetadataBlocks();

        m.reserveMetadataSnap();
        m.commit();
        long held = m.heldRoot();
        assertThat(held).as("the held root").isPositive();
        assertThatThrownBy(m::reserveMetadataSnap).hasMessageContaining("already held at block " + held);

        // The live trees change: new mappings, unmaps, a remap, a snapshot, a new device.
        Map<Long, Long> live = new TreeMap<>(atSnapshot);
        for (long v = 0; v < 100; v++) {
            long d = m.allocateData();
            m.map(1, v * 2 + 1, d);
            live.put(v * 2 + 1, d);
        }
        long unmapped = live.get(10L);
        assertThat(m.unmap(1, 10)).isEqualTo(unmapped);
        live.remove(10L);
        assertThat(m.dataReferences(unmapped)).as("still held by the snapshot's leaf").isEqualTo(1);
        long remapped = m.allocateData();
        m.map(1, 20, remapped);
        live.put(20L, remapped);
        m.createSnap(2, 1);
        m.createThin(3);
        long d3 = m.allocateData();
        m.map(3, 0, d3);
        m.commit();

        Map<Long, Map<Long, Long>> liveDevices = Map.of(1L, live, 2L, live, 3L, Map.of(0L, d3));
        ThinTools.verify(meta, liveDevices);
        ThinTools.Result checkHeld = ThinTools.run("thin_check", "-m", meta.toString());
        assertThat(checkHeld.exit()).as("thin_check -m:\n" + checkHeld.out() + checkHeld.err()).isZero();
        ThinTools.matches(ThinTools.dump(meta, "-m"), Map.of(1L, atSnapshot));

        // It survives a reopen, and the release gives back what only it held.
        m = open(meta);
        assertThat(m.heldRoot()).isEqualTo(held);
        m.releaseMetadataSnap();
        m.commit();
        assertThat(m.heldRoot()).isZero();
        assertThat(m.dataReferences(unmapped)).as("no leaf holds it now").isZero();
        ThinTools.verify(meta, liveDevices);
        ThinTools.Result noSnapshot = ThinTools.run("thin_dump", "-m", meta.toString());
        assertThat(noSnapshot.exit()).as("thin_dump -m with no snapshot held: " + noSnapshot.err()).isNotZero();
        assertThatThrownBy(m::releaseMetadataSnap).hasMessageContaining("no metadata snapshot is held");

        // With every device gone, the pool is back to its empty size: nothing leaked.
        m.delete(1);
        m.delete(2);
        m.delete(3);
        m.commit();
        ThinTools.verify(meta, Map.of());
        assertThat(m.usedDataBlocks()).isZero();
        assertThat(m.usedMetadataBlocks()).isLessThan(usedBefore);
    }

    @Test
    void releasingRightAwayLeavesTheCountsAsTheyWere() throws Exception {
        ThinTools.require();
        Path meta = TestFiles.sized(dir, "meta", 4 << 20);
        ThinMetadata m = open(meta);
        m.createThin(5);
        for (long v = 0; v < 50; v++) {
            m.map(5, v, m.allocateData());
        }
        m.commit();
        long used = m.usedMetadataBlocks();
        m.reserveMetadataSnap();
        m.commit();
        assertThat(m.usedMetadataBlocks()).as("one block: the superblock's copy").isEqualTo(used + 1);
        RefCounts.check(meta);
        m.releaseMetadataSnap();
        m.commit();
        assertThat(m.usedMetadataBlocks()).isEqualTo(used);
        ThinTools.check(meta);
        RefCounts.check(meta);
    }
}
