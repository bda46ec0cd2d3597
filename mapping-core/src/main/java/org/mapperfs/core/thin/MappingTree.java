package org.mapperfs.core.thin;

import java.io.IOException;

/**
 * The pool's mappings, one two-level tree: the top tree maps a device id to the root of the
 * device's subtree, and a subtree maps a virtual block to a {@link ThinMetadata.Mapping}.
 *
 * <pre>
 *   top:      device id --&gt; subtree root        (value: 8 bytes, a metadata block)
 *   subtree:  virtual block --&gt; data block &lt;&lt; 24 | time   (value: 8 bytes)
 * </pre>
 *
 * A snapshot's subtree is its origin's, shared, so a node may have several parents: the values
 * count references as nodes are shared, copied and freed (a subtree root in the metadata space
 * map, a data block in the data space map). Apart from {@link ThinMetadata}, which keeps the
 * devices' details, the transaction and the superblock, and says which devices exist and
 * whether a metadata snapshot holds the top tree; this is the trees' shape and their reference
 * counting. Not thread-safe: the pool serializes its calls.
 */
final class MappingTree {
    private final MetaSpace meta;
    private final Btree top;
    private final Btree subtrees;
    /** The top tree's root (the superblock's mapping root). */
    private long root;

    MappingTree(MetaSpace meta, DataSpace data) {
        this.meta = meta;
        this.subtrees = new Btree(meta, new Btree.Values() {
            @Override
            public int size() {
                return 8;
            }

            @Override
            public void inc(byte[] value) {
                data.inc(ThinMetadata.Mapping.of(Blocks.le(value).getLong(0)).dataBlock());
            }

            @Override
            public void dec(byte[] value) {
                data.dec(ThinMetadata.Mapping.of(Blocks.le(value).getLong(0)).dataBlock());
            }
        });
        this.top = new Btree(meta, new Btree.Values() {
            @Override
            public int size() {
                return 8;
            }

            @Override
            public void inc(byte[] value) {
                meta.inc(Blocks.le(value).getLong(0));
            }

            @Override
            public void dec(byte[] value) throws IOException {
                subtrees.delete(Blocks.le(value).getLong(0));
            }
        });
    }

    /** The top tree's root, for the superblock. */
    long root() {
        return root;
    }

    /** Starts from the top tree of a commit. */
    void load(long root) {
        this.root = root;
    }

    /** Starts from an empty top tree (a blank metadata device). */
    void format() throws IOException {
        root = top.empty();
    }

    /** Device {@code id}'s subtree root; refused when the top tree has none. */
    long subtree(long id) throws IOException {
        byte[] v = top.lookup(root, id);
        if (v == null) {
            throw new ThinMetadata.Refused("no device " + id);
        }
        return Blocks.le(v).getLong(0);
    }

    /** Device {@code id}, with an empty subtree. */
    void create(long id) throws IOException {
        root = top.insert(root, id, Node.le64(subtrees.empty()));
    }

    /** Device {@code id}, sharing all of {@code subtree} (a snapshot of the device it is from). */
    void share(long id, long subtree) throws IOException {
        meta.inc(subtree); // the whole tree is shared: one more reference to its root
        root = top.insert(root, id, Node.le64(subtree));
    }

    /** Device {@code id} goes: its subtree's nodes and data blocks that nothing else holds are freed. */
    void remove(long id) throws IOException {
        root = top.remove(root, id);
    }

    /** Lets go of a top tree that a metadata snapshot held at {@code heldTop}, and the nodes only it held. */
    void release(long heldTop) throws IOException {
        top.delete(heldTop);
    }

    /**
     * Device {@code id}'s subtree root {@code subtree}, about to change. While a metadata
     * snapshot holds the top tree, the path to the device is copied first, so that the copy
     * counts the subtree root as shared (as a single two-level tree would) and changing it
     * copies it too.
     */
    long own(long id, long subtree, boolean snapshotHeld) throws IOException {
        if (snapshotHeld) {
            root = top.insert(root, id, Node.le64(subtree), false);
        }
        return subtree;
    }

    /** The mapping of {@code block} in {@code subtree}, or null. */
    ThinMetadata.Mapping lookup(long subtree, long block) throws IOException {
        byte[] v = subtrees.lookup(subtree, block);
        return v == null ? null : ThinMetadata.Mapping.of(Blocks.le(v).getLong(0));
    }

    /**
     * Maps {@code block} of device {@code id}, whose subtree is {@code subtree} (from {@link
     * #own}), to {@code m}; a mapping it replaces is released. Returns whether the block was
     * unmapped before.
     */
    boolean map(long id, long subtree, long block, ThinMetadata.Mapping m) throws IOException {
        boolean fresh = subtrees.lookup(subtree, block) == null;
        repoint(id, subtree, subtrees.insert(subtree, block, Node.le64(m.value())));
        return fresh;
    }

    /** Removes {@code block}'s mapping from device {@code id}, whose subtree is {@code subtree} (from {@link #own}). */
    void unmap(long id, long subtree, long block) throws IOException {
        repoint(id, subtree, subtrees.remove(subtree, block));
    }

    /** A change copied device {@code id}'s subtree root: the top tree points at the copy. */
    private void repoint(long id, long subtree, long newRoot) throws IOException {
        if (newRoot != subtree) {
            root = top.insert(root, id, Node.le64(newRoot), false);
        }
    }

    /** The highest mapped block in {@code subtree}, or -1. */
    long lastBlock(long subtree) throws IOException {
        return subtrees.lastKey(subtree);
    }

    /** Every mapping in {@code subtree}, in block order. */
    void walk(long subtree, ThinMetadata.MappingVisitor visitor) throws IOException {
        subtrees.walk(subtree,
                (key, value) -> visitor.visit(key, ThinMetadata.Mapping.of(Blocks.le(value).getLong(0))));
    }
}
