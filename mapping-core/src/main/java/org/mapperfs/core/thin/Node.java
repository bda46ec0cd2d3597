package org.mapperfs.core.thin;

import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * A B+tree node in a 4 KiB block: a 32-byte header (checksum, flags, its own block number, the
 * number of entries, the most it holds, the size of a value), the keys (le64), then the values.
 * An internal node's values are its children's block numbers; a leaf's are the tree's values.
 * Every node but the root holds at least a third of its maximum.
 */
final class Node {
    static final int INTERNAL = 1;
    static final int LEAF = 2;
    static final int HEADER = 32;

    final long at;
    final byte[] block;
    private final ByteBuffer b;

    Node(long at, byte[] block) {
        this.at = at;
        this.block = block;
        this.b = Blocks.le(block);
    }

    /** The most entries a node with values of {@code valueSize} bytes holds: a multiple of 3, as the kernel's. */
    static int maxEntries(int valueSize) {
        return 3 * ((Blocks.SIZE - HEADER) / (8 + valueSize) / 3);
    }

    /** A new, empty node at block {@code at}. */
    static Node empty(long at, boolean leaf, int valueSize) {
        Node n = new Node(at, new byte[Blocks.SIZE]);
        n.b.putInt(4, leaf ? LEAF : INTERNAL).putLong(8, at).putInt(16, 0).putInt(20, maxEntries(valueSize))
                .putInt(24, valueSize);
        return n;
    }

    /** Reads and checks a node of a tree whose leaves hold values of {@code leafValueSize} bytes. */
    static Node check(long at, byte[] block, int leafValueSize) throws IOException {
        Blocks.check(block, at, Blocks.NODE_SALT, "btree node");
        Node n = new Node(at, block);
        int flags = n.b.getInt(4);
        if (flags != INTERNAL && flags != LEAF) {
            throw new IOException("thin metadata: btree node " + at + " has flags " + flags);
        }
        int size = n.leaf() ? leafValueSize : 8;
        if (n.valueSize() != size || n.max() != maxEntries(size) || n.nr() > n.max()) {
            throw new IOException("thin metadata: btree node " + at + " has a bad header");
        }
        return n;
    }

    /** This node's bytes, sealed, as a new node at {@code to}. */
    Node copyTo(long to, byte[] into) {
        System.arraycopy(block, 0, into, 0, Blocks.SIZE);
        Node n = new Node(to, into);
        n.b.putLong(8, to);
        return n;
    }

    void seal() {
        Blocks.seal(block, Blocks.NODE_SALT);
    }

    boolean leaf() {
        return b.getInt(4) == LEAF;
    }

    int nr() {
        return b.getInt(16);
    }

    int max() {
        return b.getInt(20);
    }

    int valueSize() {
        return b.getInt(24);
    }

    boolean full() {
        return nr() == max();
    }

    long key(int i) {
        return b.getLong(HEADER + 8 * i);
    }

    void key(int i, long key) {
        b.putLong(HEADER + 8 * i, key);
    }

    private int valueAt(int i) {
        return HEADER + 8 * max() + valueSize() * i;
    }

    /** Value {@code i} read as a le64 (a child, a subtree root, a mapping); for 8-byte values. */
    long value(int i) {
        return b.getLong(valueAt(i));
    }

    void value(int i, long value) {
        b.putLong(valueAt(i), value);
    }

    byte[] valueBytes(int i) {
        byte[] v = new byte[valueSize()];
        System.arraycopy(block, valueAt(i), v, 0, v.length);
        return v;
    }

    void valueBytes(int i, byte[] v) {
        System.arraycopy(v, 0, block, valueAt(i), v.length);
    }

    /** The first index whose key is at least {@code key}, or nr. */
    int lowerBound(long key) {
        int lo = 0;
        int hi = nr();
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (Long.compareUnsigned(key(mid), key) < 0) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        return lo;
    }

    /** The child of an internal node whose range holds {@code key}: the last key at most {@code key}, else 0. */
    int childFor(long key) {
        int i = lowerBound(key);
        if (i < nr() && key(i) == key) {
            return i;
        }
        return Math.max(0, i - 1);
    }

    /** Inserts an entry at {@code i}, shifting the rest up. */
    void insertAt(int i, long key, byte[] value) {
        int n = nr();
        int vs = valueSize();
        System.arraycopy(block, HEADER + 8 * i, block, HEADER + 8 * (i + 1), 8 * (n - i));
        System.arraycopy(block, valueAt(i), block, valueAt(i + 1), vs * (n - i));
        b.putInt(16, n + 1);
        key(i, key);
        valueBytes(i, value);
    }

    /** Removes entry {@code i}, shifting the rest down and zeroing the freed slot. */
    void removeAt(int i) {
        int n = nr();
        int vs = valueSize();
        System.arraycopy(block, HEADER + 8 * (i + 1), block, HEADER + 8 * i, 8 * (n - i - 1));
        System.arraycopy(block, valueAt(i + 1), block, valueAt(i), vs * (n - i - 1));
        clear(n - 1, n);
        b.putInt(16, n - 1);
    }

    /** Moves entries {@code from..nr-1} to the end of {@code to} (whose value size matches). */
    void moveTail(int from, Node to) {
        int n = nr();
        for (int i = from; i < n; i++) {
            to.insertAt(to.nr(), key(i), valueBytes(i));
        }
        clear(from, n);
        b.putInt(16, from);
    }

    /** Moves entries {@code from..nr-1} to the front of {@code to}, in order. */
    void moveTailToFront(int from, Node to) {
        int n = nr();
        for (int i = n - 1; i >= from; i--) {
            to.insertAt(0, key(i), valueBytes(i));
        }
        clear(from, n);
        b.putInt(16, from);
    }

    /** Moves the first {@code count} entries to the end of {@code to}. */
    void moveHead(int count, Node to) {
        for (int i = 0; i < count; i++) {
            to.insertAt(to.nr(), key(0), valueBytes(0));
            removeAt(0);
        }
    }

    /** Zeroes entry slots {@code from..to-1}: unused slots are zero, as the kernel leaves them. */
    private void clear(int from, int to) {
        for (int i = from; i < to; i++) {
            b.putLong(HEADER + 8 * i, 0);
            java.util.Arrays.fill(block, valueAt(i), valueAt(i) + valueSize(), (byte) 0);
        }
    }

    /** Turns this node into an internal node over {@code children} (keys: their first keys). */
    void becomeInternal(long[] keys, long[] children) {
        java.util.Arrays.fill(block, 4, Blocks.SIZE, (byte) 0);
        b.putInt(4, INTERNAL).putLong(8, at).putInt(16, 0).putInt(20, maxEntries(8)).putInt(24, 8);
        for (int i = 0; i < children.length; i++) {
            insertAt(i, keys[i], le64(children[i]));
        }
    }

    static byte[] le64(long v) {
        byte[] x = new byte[8];
        Blocks.le(x).putLong(0, v);
        return x;
    }
}
