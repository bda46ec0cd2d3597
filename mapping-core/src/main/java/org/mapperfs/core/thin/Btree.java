package org.mapperfs.core.thin;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * Copy-on-write B+tree operations over the metadata blocks, as dm's persistent-data library
 * does them. A node of the last commit, or one shared by several parents, is never changed: it
 * is shadowed (copied to a new block, its old count lowered, and, if it stays shared, every
 * child or value it points at counted once more); the path from the root to the changed leaf
 * is shadowed, and the new root returned. Full nodes split on the way down; on removal, a node
 * at a third of its maximum is merged with or filled from a sibling before the descent, so that
 * every node but the root keeps at least a third.
 */
final class Btree {
    /** What a tree's leaf values point at. */
    interface Values {
        /** The values' size in bytes. */
        int size();

        /** A value now sits in one more leaf (a shared leaf was copied). */
        void inc(byte[] value) throws IOException;

        /** A value left a leaf (removed, replaced, or its leaf went). */
        void dec(byte[] value) throws IOException;
    }

    /** Values that point at nothing. */
    static Values plain(int size) {
        return new Values() {
            @Override
            public int size() {
                return size;
            }

            @Override
            public void inc(byte[] value) {
            }

            @Override
            public void dec(byte[] value) {
            }
        };
    }

    /** Visits leaf entries in key order. */
    interface Visitor {
        void visit(long key, byte[] value) throws IOException;
    }

    private final MetaSpace meta;
    private final Values values;

    Btree(MetaSpace meta, Values values) {
        this.meta = meta;
        this.values = values;
    }

    /** A new empty tree: one empty leaf. */
    long empty() throws IOException {
        return fresh(true).at;
    }

    private Node fresh(boolean leaf) throws IOException {
        long at = meta.allocate(Blocks.NODE_SALT);
        Node n = Node.empty(at, leaf, leaf ? values.size() : 8);
        System.arraycopy(n.block, 0, meta.writable(at), 0, Blocks.SIZE);
        return new Node(at, meta.writable(at));
    }

    Node node(long at) throws IOException {
        byte[] block = meta.read(at);
        return meta.isFresh(at) ? new Node(at, block) : Node.check(at, block, values.size());
    }

    /** The value under {@code key}, or null. */
    byte[] lookup(long root, long key) throws IOException {
        Node n = node(root);
        while (!n.leaf()) {
            int i = n.childFor(key);
            if (n.nr() == 0) {
                return null;
            }
            n = node(n.value(i));
        }
        int i = n.lowerBound(key);
        return i < n.nr() && n.key(i) == key ? n.valueBytes(i) : null;
    }

    /** A writable copy of node {@code at}, or the node itself if it is this transaction's and unshared. */
    private Node shadow(long at) throws IOException {
        if (meta.isFresh(at) && meta.count(at) == 1) {
            return new Node(at, meta.writable(at));
        }
        Node old = node(at);
        long to = meta.allocate(Blocks.NODE_SALT);
        Node copy = old.copyTo(to, meta.writable(to));
        boolean shared = meta.count(at) > 1;
        meta.dec(at);
        if (shared) {
            for (int i = 0; i < copy.nr(); i++) {
                if (copy.leaf()) {
                    values.inc(copy.valueBytes(i));
                } else {
                    meta.inc(copy.value(i));
                }
            }
        }
        return copy;
    }

    /** Inserts or replaces {@code key}'s value (a replaced value is released); returns the new root. */
    long insert(long root, long key, byte[] value) throws IOException {
        return insert(root, key, value, true);
    }

    /**
     * Inserts or replaces {@code key}'s value; a replaced value is released only if {@code
     * release} (not when it is a subtree root its caller has just shadowed: the shadow released
     * it); returns the new root.
     */
    long insert(long root, long key, byte[] value, boolean release) throws IOException {
        Node r = shadow(root);
        if (r.full()) {
            splitBeneath(r);
        }
        Node cur = r;
        while (!cur.leaf()) {
            int i = cur.childFor(key);
            if (Long.compareUnsigned(key, cur.key(i)) < 0) {
                cur.key(i, key); // below every key: the first child's range grows down to it
            }
            Node child = shadow(cur.value(i));
            cur.value(i, child.at);
            if (child.full()) {
                Node right = fresh(child.leaf());
                child.moveTail(child.nr() / 2, right);
                cur.insertAt(i + 1, right.key(0), Node.le64(right.at));
                if (Long.compareUnsigned(key, right.key(0)) >= 0) {
                    child = right;
                }
            }
            cur = child;
        }
        int i = cur.lowerBound(key);
        if (i < cur.nr() && cur.key(i) == key) {
            byte[] old = cur.valueBytes(i);
            cur.valueBytes(i, value);
            if (release) {
                values.dec(old);
            }
        } else {
            cur.insertAt(i, key, value);
        }
        return r.at;
    }

    /** A full root's entries go to two new children; the root keeps its block and points at them. */
    private void splitBeneath(Node r) throws IOException {
        Node left = fresh(r.leaf());
        Node right = fresh(r.leaf());
        int half = r.nr() / 2;
        for (int i = 0; i < r.nr(); i++) {
            (i < half ? left : right).insertAt(i < half ? i : i - half, r.key(i), r.valueBytes(i));
        }
        r.becomeInternal(new long[] {left.key(0), right.key(0)}, new long[] {left.at, right.at});
    }

    /** Removes {@code key} if present (its value is released); returns the new root. */
    long remove(long root, long key) throws IOException {
        if (lookup(root, key) == null) {
            return root;
        }
        Node r = shadow(root);
        Node cur = r;
        while (!cur.leaf()) {
            int i = cur.childFor(key);
            Node child = shadow(cur.value(i));
            cur.value(i, child.at);
            if (child.nr() <= child.max() / 3 && cur.nr() > 1) {
                child = rebalance(cur, i, child, key);
            }
            cur = child;
        }
        int i = cur.lowerBound(key);
        byte[] old = cur.valueBytes(i);
        cur.removeAt(i);
        values.dec(old);
        long newRoot = r.at;
        Node top = r;
        while (!top.leaf() && top.nr() == 1) { // a root with one child hands over to it
            long child = top.value(0);
            meta.dec(top.at); // this transaction's and unshared: it goes; its child keeps its count
            newRoot = child;
            top = node(child);
        }
        return newRoot;
    }

    /**
     * Child {@code i} of {@code parent} is at a third: merges it with a sibling, or takes entries
     * from one; returns the node that now covers {@code key}.
     */
    private Node rebalance(Node parent, int i, Node child, long key) throws IOException {
        int s = i > 0 ? i - 1 : i + 1;
        Node sibling = shadow(parent.value(s));
        parent.value(s, sibling.at);
        Node left = s < i ? sibling : child;
        Node right = s < i ? child : sibling;
        int li = Math.min(i, s);
        if (left.nr() + right.nr() <= left.max()) {
            right.moveHead(right.nr(), left);
            parent.removeAt(li + 1);
            meta.dec(right.at); // empty, this transaction's: it goes
            return left;
        }
        int total = left.nr() + right.nr();
        int want = total / 2;
        if (left.nr() > want) {
            left.moveTailToFront(want, right);
        } else {
            right.moveHead(want - left.nr(), left);
        }
        parent.key(li + 1, right.key(0));
        return Long.compareUnsigned(key, right.key(0)) >= 0 ? right : left;
    }

    /** Lets go of one reference to the tree at {@code root}: what no one else holds goes, values released. */
    void delete(long root) throws IOException {
        boolean last = meta.count(root) == 1;
        Node n = last ? node(root) : null;
        meta.dec(root);
        if (!last) {
            return;
        }
        for (int i = 0; i < n.nr(); i++) {
            if (n.leaf()) {
                values.dec(n.valueBytes(i));
            } else {
                delete(n.value(i));
            }
        }
    }

    /** The largest key, or -1 in an empty tree. */
    long lastKey(long root) throws IOException {
        Node n = node(root);
        while (!n.leaf()) {
            n = node(n.value(n.nr() - 1));
        }
        return n.nr() == 0 ? -1 : n.key(n.nr() - 1);
    }

    /** Every leaf entry, in key order. */
    void walk(long root, Visitor visitor) throws IOException {
        Node n = node(root);
        for (int i = 0; i < n.nr(); i++) {
            if (n.leaf()) {
                visitor.visit(n.key(i), n.valueBytes(i));
            } else {
                walk(n.value(i), visitor);
            }
        }
    }

    /** Every node's block, each once per pointer to it, as a checker counts them (for tests). */
    void nodes(long root, List<Long> into) throws IOException {
        into.add(root);
        Node n = node(root);
        if (!n.leaf()) {
            for (int i = 0; i < n.nr(); i++) {
                nodes(n.value(i), into);
            }
        }
    }

    /**
     * Builds a new tree from entries in increasing key order, nodes filled evenly (each at least
     * half full where there are several), as thin_restore builds them. Values are taken as they
     * are: their references are the caller's.
     */
    long build(long[] keys, byte[][] vals) throws IOException {
        if (keys.length == 0) {
            return empty();
        }
        List<Long> levelKeys = new ArrayList<>();
        List<Long> levelNodes = new ArrayList<>();
        pack(keys.length, values.size(), true, levelKeys, levelNodes, (node, i) -> node.insertAt(node.nr(),
                keys[i], vals[i]));
        while (levelNodes.size() > 1) {
            long[] k = levelKeys.stream().mapToLong(Long::longValue).toArray();
            long[] c = levelNodes.stream().mapToLong(Long::longValue).toArray();
            levelKeys.clear();
            levelNodes.clear();
            pack(k.length, 8, false, levelKeys, levelNodes, (node, i) -> node.insertAt(node.nr(), k[i],
                    Node.le64(c[i])));
        }
        return levelNodes.get(0);
    }

    private interface Filler {
        void put(Node node, int i);
    }

    private void pack(int n, int valueSize, boolean leaf, List<Long> keysOut, List<Long> nodesOut, Filler filler)
            throws IOException {
        int max = Node.maxEntries(valueSize);
        int count = (n + max - 1) / max;
        int at = 0;
        for (int k = 0; k < count; k++) {
            int take = (n - at) / (count - k);
            Node node = fresh(leaf);
            for (int j = 0; j < take; j++) {
                filler.put(node, at + j);
            }
            at += take;
            keysOut.add(node.key(0));
            nodesOut.add(node.at);
        }
    }
}
