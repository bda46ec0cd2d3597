package org.mapperfs.core.thin;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.BitSet;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import org.mapperfs.core.BlockDevice;

/**
 * The metadata device as a transaction's blocks: reads through a cache, blocks written in this
 * transaction held until the commit, and the reference count of every block. A block in use at
 * the last commit is never written or handed out again until the next commit has made it
 * unreachable: a crash leaves the last superblock pointing at intact trees. Not thread-safe: the
 * pool's metadata lock guards it.
 */
final class MetaSpace {
    private static final int CACHE_BLOCKS = 16384; // 64 MiB

    private final BlockDevice device;
    private long blocks;
    private int[] counts;
    /** Blocks with a count above 0. */
    private long inUse = 1;
    /** Blocks in use at the last commit: not to be written nor handed out in this transaction. */
    private final BitSet committed = new BitSet();
    /** Blocks handed out in this transaction: writable in place while only one reference holds them. */
    private final BitSet fresh = new BitSet();
    private final Map<Long, byte[]> dirty = new HashMap<>();
    /** The checksum salt of each block of this transaction's, sealed at the commit. */
    private final Map<Long, Integer> salts = new HashMap<>();
    private final Map<Long, byte[]> cache = new LinkedHashMap<>(1024, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<Long, byte[]> eldest) {
            return size() > CACHE_BLOCKS;
        }
    };
    private long cursor = 1;

    MetaSpace(BlockDevice device, long blocks) {
        this.device = device;
        this.blocks = blocks;
        this.counts = new int[(int) blocks];
        this.counts[0] = 1; // the superblock
    }

    long blocks() {
        return blocks;
    }

    int count(long b) {
        return counts[(int) b];
    }

    /** Grows to {@code more} blocks (a larger metadata device); never shrinks. */
    void grow(long more) {
        if (more > blocks) {
            counts = java.util.Arrays.copyOf(counts, Math.toIntExact(more));
            blocks = more;
        }
    }

    /** Sets a count read from the on-disk space map at open. */
    void load(long b, int count) {
        if ((counts[(int) b] > 0) != (count > 0)) {
            inUse += count > 0 ? 1 : -1;
        }
        counts[(int) b] = count;
    }

    /** The counts read at open are the committed state. */
    void commitLoaded() {
        committed.clear();
        for (int b = 0; b < blocks; b++) {
            if (counts[b] > 0) {
                committed.set(b);
            }
        }
    }

    void inc(long b) {
        if (counts[(int) b]++ == 0) {
            inUse++;
        }
    }

    void dec(long b) {
        if (counts[(int) b] <= 0) {
            throw new IllegalStateException("thin metadata: block " + b + " released more often than held");
        }
        if (--counts[(int) b] == 0) {
            inUse--;
        }
    }

    long allocated() {
        return inUse;
    }

    boolean isFresh(long b) {
        return fresh.get((int) b);
    }

    /** A block's bytes; a block of this transaction's is its live copy, to change only through the owner. */
    byte[] read(long b) throws IOException {
        byte[] d = dirty.get(b);
        if (d != null) {
            return d;
        }
        byte[] c = cache.get(b);
        if (c == null) {
            if (b < 0 || b >= blocks) {
                throw new IOException("thin metadata: block " + b + " is beyond the " + blocks + " blocks");
            }
            c = new byte[Blocks.SIZE];
            device.read(ByteBuffer.wrap(c), b * Blocks.SIZE);
            cache.put(b, c);
        }
        return c;
    }

    /**
     * A new block (count 1, zeros) from those free now and free at the last commit; the commit
     * seals it with {@code salt}.
     */
    long allocate(int salt) throws IOException {
        for (long tried = 0; tried < blocks; tried++) {
            long b = cursor;
            cursor = cursor + 1 >= blocks ? 1 : cursor + 1;
            if (counts[(int) b] == 0 && !committed.get((int) b)) {
                counts[(int) b] = 1;
                inUse++;
                fresh.set((int) b);
                dirty.put(b, new byte[Blocks.SIZE]);
                salts.put(b, salt);
                return b;
            }
        }
        throw new IOException("thin metadata: out of metadata space (" + blocks + " blocks)");
    }

    /** The writable bytes of a block of this transaction's. */
    byte[] writable(long b) {
        byte[] d = dirty.get(b);
        if (d == null || !fresh.get((int) b)) {
            throw new IllegalStateException("thin metadata: block " + b + " is not this transaction's");
        }
        return d;
    }

    /** Rewrites the superblock of the last commit in place (a flag changed), and makes it durable. */
    void rewriteSuperblock(byte[] superblock) throws IOException {
        device.write(ByteBuffer.wrap(superblock), 0);
        device.flush();
        cache.put(0L, superblock);
    }

    /**
     * Commits: seals and writes every block of this transaction still in use, makes them
     * durable, then writes the superblock and makes it durable. Afterwards the blocks in use are
     * the committed ones.
     */
    void commit(byte[] superblock) throws IOException {
        for (Map.Entry<Long, byte[]> e : dirty.entrySet()) {
            if (counts[e.getKey().intValue()] > 0) {
                Blocks.seal(e.getValue(), salts.get(e.getKey()));
                device.write(ByteBuffer.wrap(e.getValue()), e.getKey() * Blocks.SIZE);
                cache.put(e.getKey(), e.getValue());
            }
        }
        device.flush();
        device.write(ByteBuffer.wrap(superblock), 0);
        device.flush();
        cache.put(0L, superblock);
        dirty.clear();
        salts.clear();
        fresh.clear();
        committed.clear();
        for (int b = 0; b < blocks; b++) {
            if (counts[b] > 0) {
                committed.set(b);
            }
        }
    }
}
