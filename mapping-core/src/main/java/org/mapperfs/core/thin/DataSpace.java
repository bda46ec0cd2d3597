package org.mapperfs.core.thin;

import java.util.BitSet;

/**
 * The data device's blocks and their reference counts: how many mapping leaves point at each.
 * A block freed in this transaction is not handed out again before the commit, since the
 * committed mappings may still point at it. Guarded by the pool's metadata lock.
 */
final class DataSpace {
    private int[] counts;
    private final BitSet committed = new BitSet();
    private long cursor;
    private long allocated;

    DataSpace(long blocks) {
        this.counts = new int[Math.toIntExact(blocks)];
    }

    long blocks() {
        return counts.length;
    }

    /** Grows to {@code blocks} (a larger data device); never shrinks. */
    void grow(long blocks) {
        if (blocks > counts.length) {
            counts = java.util.Arrays.copyOf(counts, Math.toIntExact(blocks));
        }
    }

    int count(long b) {
        return counts[(int) b];
    }

    void load(long b, int count) {
        if (counts[(int) b] == 0 && count > 0) {
            allocated++;
        }
        counts[(int) b] = count;
        if (count > 0) {
            committed.set((int) b);
        }
    }

    void inc(long b) {
        if (counts[(int) b]++ == 0) {
            allocated++;
        }
    }

    void dec(long b) {
        if (counts[(int) b] <= 0) {
            throw new IllegalStateException("thin metadata: data block " + b + " released more often than held");
        }
        if (--counts[(int) b] == 0) {
            allocated--;
        }
    }

    long allocated() {
        return allocated;
    }

    /** A free block, its count set to 1; empty (-1) when none is left in this transaction. */
    long allocate() {
        for (long tried = 0; tried < counts.length; tried++) {
            int b = (int) cursor;
            cursor = cursor + 1 >= counts.length ? 0 : cursor + 1;
            if (counts[b] == 0 && !committed.get(b)) {
                inc(b);
                return b;
            }
        }
        return -1;
    }

    /** The commit happened: the blocks in use now are the committed ones. */
    void committed() {
        committed.clear();
        for (int b = 0; b < counts.length; b++) {
            if (counts[b] > 0) {
                committed.set(b);
            }
        }
    }

    /** Every count, for writing the space map. */
    int[] counts() {
        return counts;
    }
}
