package org.mapperfs.core.thin;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.mapperfs.core.FileDevice;
import org.mapperfs.core.HolePuncher;

/**
 * An own reference-count checker, beside thin_check (whose 0.9.0 does not count data blocks):
 * from a metadata file alone, counts every pointer to every metadata block and every mapping
 * leaf's pointer to every data block, walking a shared node once, and compares them with the
 * counts both space maps hold; also each device's mapped_blocks against its mappings.
 */
final class RefCounts {
    private final byte[] image;
    private final Map<Long, Integer> metaExpected = new TreeMap<>();
    private final Map<Long, Integer> dataExpected = new TreeMap<>();
    private final Set<Long> walked = new HashSet<>();

    private RefCounts(byte[] image) {
        this.image = image;
    }

    private byte[] block(long b) {
        byte[] out = new byte[Blocks.SIZE];
        System.arraycopy(image, (int) (b * Blocks.SIZE), out, 0, Blocks.SIZE);
        return out;
    }

    private enum Kind { TOP, MAPPING, DETAILS, INDEX, OVERFLOW }

    private static int valueSize(Kind k) {
        return switch (k) {
            case TOP, MAPPING -> 8;
            case DETAILS -> 24;
            case INDEX -> 16;
            case OVERFLOW -> 4;
        };
    }

    private void ref(long b) {
        metaExpected.merge(b, 1, Integer::sum);
    }

    /** One pointer to the node at {@code b}; its contents are walked the first time only. */
    private void tree(long b, Kind kind, Map<Long, Long> mappedPerDevice, long device) throws IOException {
        ref(b);
        if (!walked.add(b)) {
            if (kind == Kind.MAPPING) { // a shared subtree: its mappings are the device's all the same
                countMappings(b, mappedPerDevice, device);
            }
            return;
        }
        Node n = Node.check(b, block(b), valueSize(kind));
        for (int i = 0; i < n.nr(); i++) {
            if (i > 0) {
                assertThat(Long.compareUnsigned(n.key(i - 1), n.key(i))).as("keys increase in node " + b)
                        .isNegative();
            }
            if (!n.leaf()) {
                tree(n.value(i), kind, mappedPerDevice, device);
                continue;
            }
            switch (kind) {
                case TOP -> {
                    mappedPerDevice.putIfAbsent(n.key(i), 0L);
                    tree(n.value(i), Kind.MAPPING, mappedPerDevice, n.key(i));
                }
                case MAPPING -> {
                    dataExpected.merge(n.value(i) >>> 24, 1, Integer::sum);
                    mappedPerDevice.merge(device, 1L, Long::sum);
                }
                case INDEX -> ref(Blocks.le(n.valueBytes(i)).getLong(0));
                default -> {
                }
            }
        }
    }

    private void countMappings(long b, Map<Long, Long> mappedPerDevice, long device) throws IOException {
        Node n = Node.check(b, block(b), 8);
        for (int i = 0; i < n.nr(); i++) {
            if (n.leaf()) {
                mappedPerDevice.merge(device, 1L, Long::sum);
            } else {
                countMappings(n.value(i), mappedPerDevice, device);
            }
        }
    }

    /** Checks the metadata file at {@code path}: every count, every device's mapped_blocks. */
    static void check(Path path) throws Exception {
        RefCounts c = new RefCounts(Files.readAllBytes(path));
        Superblock sb = Superblock.decode(c.block(0), 0);
        c.ref(0);
        Map<Long, Long> mapped = new TreeMap<>();
        c.tree(sb.mappingRoot(), Kind.TOP, mapped, -1);
        c.tree(sb.detailsRoot(), Kind.DETAILS, mapped, -1);
        if (sb.heldRoot() != 0) { // a metadata snapshot: its superblock copy and the trees it holds
            c.ref(sb.heldRoot());
            Superblock held = Superblock.decode(c.block(sb.heldRoot()), sb.heldRoot());
            assertThat(held.heldRoot()).as("a metadata snapshot holds none").isZero();
            c.tree(held.mappingRoot(), Kind.TOP, new TreeMap<>(), -1);
            c.tree(held.detailsRoot(), Kind.DETAILS, new TreeMap<>(), -1);
        }
        c.ref(sb.metadataSpace().bitmapRoot());
        ByteBuffer index = Blocks.le(c.block(sb.metadataSpace().bitmapRoot()));
        for (int i = 0; i < SpaceMaps.bitmaps(sb.metadataSpace().blocks()); i++) {
            c.ref(index.getLong(16 + SpaceMaps.INDEX_ENTRY * i));
        }
        c.tree(sb.metadataSpace().refCountRoot(), Kind.OVERFLOW, mapped, -1);
        c.tree(sb.dataSpace().bitmapRoot(), Kind.INDEX, mapped, -1);
        c.tree(sb.dataSpace().refCountRoot(), Kind.OVERFLOW, mapped, -1);

        try (FileDevice device = FileDevice.open(path, HolePuncher.NONE)) {
            MetaSpace meta = new MetaSpace(device, sb.metadataSpace().blocks());
            DataSpace data = new DataSpace(sb.dataSpace().blocks());
            SpaceMaps maps = new SpaceMaps(meta);
            maps.readMetadata(sb.metadataSpace());
            maps.readData(sb.dataSpace(), data);
            List<String> wrong = new ArrayList<>();
            for (long b = 0; b < meta.blocks(); b++) {
                int expected = c.metaExpected.getOrDefault(b, 0);
                if (meta.count(b) != expected) {
                    wrong.add("metadata block " + b + ": " + meta.count(b) + " in the space map, " + expected
                            + " pointers");
                }
            }
            for (long b = 0; b < data.blocks(); b++) {
                int expected = c.dataExpected.getOrDefault(b, 0);
                if (data.count(b) != expected) {
                    wrong.add("data block " + b + ": " + data.count(b) + " in the space map, " + expected
                            + " leaves");
                }
            }
            assertThat(wrong).as("reference counts").isEmpty();
            assertThat(sb.metadataSpace().allocated()).as("metadata blocks in use").isEqualTo(meta.allocated());
            assertThat(sb.dataSpace().allocated()).as("data blocks in use").isEqualTo(data.allocated());
        }
        Map<Long, Long> recorded = new HashMap<>();
        Btree.Visitor details = (key, value) -> recorded.put(key, ThinMetadata.Details.of(value).mappedBlocks());
        c.walkPlain(sb.detailsRoot(), details);
        assertThat(recorded).as("each device's mapped_blocks").isEqualTo(mapped);
    }

    private void walkPlain(long b, Btree.Visitor visitor) throws IOException {
        Node n = Node.check(b, block(b), 24);
        for (int i = 0; i < n.nr(); i++) {
            if (n.leaf()) {
                visitor.visit(n.key(i), n.valueBytes(i));
            } else {
                walkPlain(n.value(i), visitor);
            }
        }
    }
}
