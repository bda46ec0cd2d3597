package org.mapperfs.core.thin;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * The two space maps on disk, written anew at every commit from the counts in memory, and read
 * back at open. Each counts its blocks two bits apiece in bitmap blocks of 16320 entries (0, 1,
 * 2, or 3 for "look in the overflow tree", which holds the larger counts as le32). The metadata
 * map indexes its bitmaps in one index block of 255 entries; the data map in a B+tree of index
 * entries. An index entry names its bitmap block, how many of its entries are free, and the
 * first free one.
 */
final class SpaceMaps {
    static final int ENTRIES_PER_BITMAP = (Blocks.SIZE - 16) * 4;
    static final int MAX_METADATA_BITMAPS = 255;
    static final long MAX_METADATA_BLOCKS = (long) MAX_METADATA_BITMAPS * ENTRIES_PER_BITMAP;
    static final int INDEX_ENTRY = 16;

    /** The blocks a commit's space maps took: released by the next commit, which writes its own. */
    record Layout(long metaIndex, long[] metaBitmaps, long metaOverflow, long dataIndex, long dataOverflow) {
    }

    /** An index entry: the bitmap's block, its free entries, the first free one. */
    record IndexEntry(long bitmap, int free, int firstFree) {
        void put(ByteBuffer b, int at) {
            b.putLong(at, bitmap).putInt(at + 8, free).putInt(at + 12, firstFree);
        }

        static IndexEntry get(ByteBuffer b, int at) {
            return new IndexEntry(b.getLong(at), b.getInt(at + 8), b.getInt(at + 12));
        }

        byte[] bytes() {
            byte[] v = new byte[INDEX_ENTRY];
            put(Blocks.le(v), 0);
            return v;
        }
    }

    private final MetaSpace meta;
    private final Btree overflow;
    private final Btree dataIndex;

    SpaceMaps(MetaSpace meta) {
        this.meta = meta;
        this.overflow = new Btree(meta, Btree.plain(4));
        this.dataIndex = new Btree(meta, new Btree.Values() {
            @Override
            public int size() {
                return INDEX_ENTRY;
            }

            @Override
            public void inc(byte[] value) {
                meta.inc(Blocks.le(value).getLong(0));
            }

            @Override
            public void dec(byte[] value) {
                meta.dec(Blocks.le(value).getLong(0));
            }
        });
    }

    static int bitmaps(long blocks) {
        return (int) ((blocks + ENTRIES_PER_BITMAP - 1) / ENTRIES_PER_BITMAP);
    }

    /** Releases the last commit's space-map blocks (they stay unusable until this commit is done). */
    void release(Layout old) throws IOException {
        if (old == null) {
            return;
        }
        meta.dec(old.metaIndex());
        for (long b : old.metaBitmaps()) {
            meta.dec(b);
        }
        overflow.delete(old.metaOverflow());
        dataIndex.delete(old.dataIndex());
        overflow.delete(old.dataOverflow());
    }

    /**
     * Writes both maps for the counts as they are now; returns their roots and the blocks taken.
     * The data map first: its blocks are metadata, counted in the metadata map, which is written
     * last, once every block this commit takes is allocated.
     */
    Layout write(DataSpace data, Superblock.SpaceMapRoot[] roots) throws IOException {
        int[] dataCounts = data.counts();
        long dataBlocks = data.blocks();
        int n = bitmaps(dataBlocks);
        long[] keys = new long[n];
        byte[][] entries = new byte[n][];
        for (int i = 0; i < n; i++) {
            keys[i] = i;
            entries[i] = dataBitmap(i, dataCounts, dataBlocks).bytes();
        }
        long dataIndexRoot = dataIndex.build(keys, entries);
        long dataOverflowRoot = overflowTree(i -> dataCounts[(int) i], dataBlocks);

        int m = bitmaps(meta.blocks());
        long[] metaBitmaps = new long[m];
        for (int i = 0; i < m; i++) {
            metaBitmaps[i] = meta.allocate(Blocks.BITMAP_SALT);
        }
        long metaIndex = meta.allocate(Blocks.INDEX_SALT);
        long metaOverflowRoot = overflowTree(meta::count, meta.blocks());
        // Every block of this commit is allocated: the counts are final.
        ByteBuffer index = Blocks.le(meta.writable(metaIndex));
        index.putLong(8, metaIndex);
        for (int i = 0; i < m; i++) {
            int[] counts = new int[(int) Math.min(ENTRIES_PER_BITMAP, meta.blocks() - (long) i * ENTRIES_PER_BITMAP)];
            for (int e = 0; e < counts.length; e++) {
                counts[e] = meta.count((long) i * ENTRIES_PER_BITMAP + e);
            }
            fill(meta.writable(metaBitmaps[i]), metaBitmaps[i], counts).put(index, 16 + INDEX_ENTRY * i);
        }
        roots[0] = new Superblock.SpaceMapRoot(dataBlocks, data.allocated(), dataIndexRoot, dataOverflowRoot);
        roots[1] = new Superblock.SpaceMapRoot(meta.blocks(), meta.allocated(), metaIndex, metaOverflowRoot);
        return new Layout(metaIndex, metaBitmaps, metaOverflowRoot, dataIndexRoot, dataOverflowRoot);
    }

    private IndexEntry dataBitmap(int i, int[] dataCounts, long dataBlocks) throws IOException {
        long first = (long) i * ENTRIES_PER_BITMAP;
        int[] counts = new int[(int) Math.min(ENTRIES_PER_BITMAP, dataBlocks - first)];
        System.arraycopy(dataCounts, (int) first, counts, 0, counts.length);
        long at = meta.allocate(Blocks.BITMAP_SALT);
        return fill(meta.writable(at), at, counts);
    }

    /** Encodes {@code counts} (one bitmap's worth, or fewer for the last) into a bitmap block. */
    static IndexEntry fill(byte[] block, long at, int[] counts) {
        ByteBuffer b = Blocks.le(block);
        b.putLong(8, at);
        int free = ENTRIES_PER_BITMAP;
        int firstFree = -1;
        for (int e = 0; e < ENTRIES_PER_BITMAP; e++) {
            int c = e < counts.length ? counts[e] : 0;
            if (c == 0) {
                if (firstFree < 0) {
                    firstFree = e;
                }
                continue;
            }
            free--;
            long bits = c == 1 ? 2 : c == 2 ? 1 : 3; // the bit pair's high bit comes first
            int word = 16 + 8 * (e / 32);
            b.putLong(word, b.getLong(word) | bits << (2 * (e % 32)));
        }
        return new IndexEntry(at, free, firstFree < 0 ? ENTRIES_PER_BITMAP : firstFree);
    }

    private interface Counts {
        int count(long block);
    }

    private long overflowTree(Counts counts, long blocks) throws IOException {
        List<Long> keys = new ArrayList<>();
        List<byte[]> vals = new ArrayList<>();
        for (long b = 0; b < blocks; b++) {
            int c = counts.count(b);
            if (c >= 3) {
                keys.add(b);
                byte[] v = new byte[4];
                Blocks.le(v).putInt(0, c);
                vals.add(v);
            }
        }
        return overflow.build(keys.stream().mapToLong(Long::longValue).toArray(), vals.toArray(new byte[0][]));
    }

    /** Reads the metadata map into {@code meta}'s counts; returns its blocks. */
    long[] readMetadata(Superblock.SpaceMapRoot root) throws IOException {
        byte[] indexBlock = meta.read(root.bitmapRoot());
        Blocks.check(indexBlock, root.bitmapRoot(), Blocks.INDEX_SALT, "metadata space map index");
        ByteBuffer index = Blocks.le(indexBlock);
        int m = bitmaps(root.blocks());
        long[] bitmapBlocks = new long[m];
        for (int i = 0; i < m; i++) {
            IndexEntry e = IndexEntry.get(index, 16 + INDEX_ENTRY * i);
            bitmapBlocks[i] = e.bitmap();
            readBitmap(e.bitmap(), (long) i * ENTRIES_PER_BITMAP, root.blocks(), root.refCountRoot(), meta::load);
        }
        return bitmapBlocks;
    }

    /** Reads the data map into {@code data}'s counts. */
    void readData(Superblock.SpaceMapRoot root, DataSpace data) throws IOException {
        List<IndexEntry> entries = new ArrayList<>();
        dataIndex.walk(root.bitmapRoot(), (key, value) -> entries.add(IndexEntry.get(Blocks.le(value), 0)));
        for (int i = 0; i < entries.size(); i++) {
            readBitmap(entries.get(i).bitmap(), (long) i * ENTRIES_PER_BITMAP, root.blocks(), root.refCountRoot(),
                    data::load);
        }
    }

    private interface Loader {
        void load(long block, int count);
    }

    private void readBitmap(long at, long first, long blocks, long overflowRoot, Loader loader) throws IOException {
        byte[] block = meta.read(at);
        Blocks.check(block, at, Blocks.BITMAP_SALT, "space map bitmap");
        ByteBuffer b = Blocks.le(block);
        for (int e = 0; e < ENTRIES_PER_BITMAP && first + e < blocks; e++) {
            int bits = (int) (b.getLong(16 + 8 * (e / 32)) >>> (2 * (e % 32))) & 3;
            if (bits == 0) {
                continue;
            }
            int count = bits == 2 ? 1 : bits == 1 ? 2 : 0;
            if (bits == 3) {
                byte[] v = overflow.lookup(overflowRoot, first + e);
                if (v == null) {
                    throw new IOException("thin metadata: the count of block " + (first + e)
                            + " is not in the overflow tree");
                }
                count = Blocks.le(v).getInt(0);
            }
            loader.load(first + e, count);
        }
    }
}
