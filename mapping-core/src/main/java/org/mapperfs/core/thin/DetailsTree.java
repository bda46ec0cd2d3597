package org.mapperfs.core.thin;

import java.io.IOException;
import java.util.Collections;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.mapperfs.core.thin.ThinMetadata.Details;

/**
 * The thin devices and their {@link Details}: all of them in memory, in id order, over the
 * details tree (device id to 24 bytes of details), which {@link #write} brings up to date at a
 * commit by writing only the devices changed since the last. Apart from {@link ThinMetadata},
 * which decides what a message or a mapping changes in a device's details; this keeps them and
 * their tree. Not thread-safe: the pool serializes its calls.
 */
final class DetailsTree {
    private final Btree tree;
    private final Map<Long, Details> devices = new TreeMap<>();
    /** Devices created, changed or deleted since the last {@link #write}. */
    private final Set<Long> changed = new TreeSet<>();
    /** The tree's root as of the last {@link #write} (the superblock's details root). */
    private long root;

    DetailsTree(MetaSpace meta) {
        this.tree = new Btree(meta, Btree.plain(ThinMetadata.DETAILS_SIZE));
    }

    /** The tree's root, for the superblock. */
    long root() {
        return root;
    }

    /** Starts from an empty tree (a blank metadata device). */
    void format() throws IOException {
        root = tree.empty();
    }

    /** Starts from the tree of a commit, reading every device's details. */
    void load(long root) throws IOException {
        this.root = root;
        tree.walk(root, (key, value) -> devices.put(key, Details.of(value)));
    }

    /** Writes the details of the devices changed since the last write into the tree. */
    void write() throws IOException {
        for (long id : changed) {
            Details d = devices.get(id);
            root = d == null ? tree.remove(root, id) : tree.insert(root, id, d.bytes());
        }
        changed.clear();
    }

    /** Lets go of a details tree that a metadata snapshot held at {@code heldRoot}. */
    void release(long heldRoot) throws IOException {
        tree.delete(heldRoot);
    }

    /** The device ids, a read-only view. */
    Set<Long> ids() {
        return Collections.unmodifiableSet(devices.keySet());
    }

    boolean contains(long id) {
        return devices.containsKey(id);
    }

    /** Device {@code id}'s details, or null. */
    Details get(long id) {
        return devices.get(id);
    }

    /** Device {@code id}, new or changed, has details {@code d}. */
    void put(long id, Details d) {
        devices.put(id, d);
        changed.add(id);
    }

    void remove(long id) {
        devices.remove(id);
        changed.add(id);
    }

    /** Device {@code id} maps {@code delta} more blocks. */
    void addMapped(long id, long delta) {
        Details d = devices.get(id);
        put(id, new Details(d.mappedBlocks() + delta, d.transactionId(), d.creationTime(), d.snapshottedTime()));
    }
}
