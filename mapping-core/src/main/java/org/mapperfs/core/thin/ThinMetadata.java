package org.mapperfs.core.thin;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Set;
import org.mapperfs.core.BlockDevice;

/**
 * A thin pool's metadata in the kernel's format: the devices (their details tree, {@code
 * DetailsTree}), each device's mappings from virtual to data blocks (a two-level tree: device id,
 * then virtual block; a value is the data block shifted left 24 bits and the time it was
 * written; {@code MappingTree}), and both space maps. Changes build a transaction that {@link
 * #commit} makes durable at once; until then the last commit is what a crash leaves. Not
 * thread-safe: the pool serializes its calls.
 */
public final class ThinMetadata {
    /** The largest device id (24 bits). */
    public static final long MAX_DEVICE_ID = (1 << 24) - 1;
    static final int DETAILS_SIZE = 24;

    /** What the pool keeps of a thin device. */
    public record Details(long mappedBlocks, long transactionId, int creationTime, int snapshottedTime) {
        byte[] bytes() {
            byte[] v = new byte[DETAILS_SIZE];
            Blocks.le(v).putLong(0, mappedBlocks).putLong(8, transactionId).putInt(16, creationTime)
                    .putInt(20, snapshottedTime);
            return v;
        }

        static Details of(byte[] v) {
            ByteBuffer b = Blocks.le(v);
            return new Details(b.getLong(0), b.getLong(8), b.getInt(16), b.getInt(20));
        }
    }

    /**
     * A virtual block's data block, and the time it was mapped: shared with a snapshot when the
     * device was snapshotted since.
     */
    public record Mapping(long dataBlock, int time) {
        long value() {
            return dataBlock << 24 | (time & 0xFFFFFFL);
        }

        static Mapping of(long value) {
            return new Mapping(value >>> 24, (int) (value & 0xFFFFFF));
        }
    }

    /**
     * A request the metadata turns down as it stands (a device that exists or does not, a
     * transaction id that differs, a metadata snapshot held or not); nothing was changed.
     */
    public static final class Refused extends IOException {
        Refused(String message) {
            super("thin metadata: " + message);
        }
    }

    private final MetaSpace meta;
    private final DataSpace data;
    private final SpaceMaps spaceMaps;
    private final DetailsTree details;
    private final MappingTree mappings;
    private final int dataBlockSectors;
    private SpaceMaps.Layout layout;
    private int flags;
    private int time;
    private long transactionId;
    private long heldRoot;
    /** The superblock of the last commit. */
    private Superblock committed;

    private ThinMetadata(BlockDevice device, long metadataBlocks, int dataBlockSectors, long dataBlocks) {
        this.meta = new MetaSpace(device, metadataBlocks);
        this.data = new DataSpace(dataBlocks);
        this.spaceMaps = new SpaceMaps(meta);
        this.dataBlockSectors = dataBlockSectors;
        this.details = new DetailsTree(meta);
        this.mappings = new MappingTree(meta, data);
    }

    /**
     * Opens the pool metadata on {@code device}, formatting it first if its first block is all
     * zeros (as the kernel does), and grows the data space map to {@code dataBlocks}.
     *
     * @param device the metadata device
     * @param dataBlockSectors the data block size in sectors; must match the metadata's
     * @param dataBlocks the data device's size in data blocks
     * @return the metadata, at its last commit
     * @throws IOException if the device cannot be read, its metadata is damaged, or its block
     *     size differs
     */
    public static ThinMetadata open(BlockDevice device, int dataBlockSectors, long dataBlocks) throws IOException {
        long metadataBlocks = Math.min(device.size() / Blocks.SIZE, SpaceMaps.MAX_METADATA_BLOCKS);
        byte[] first = new byte[Blocks.SIZE];
        device.read(ByteBuffer.wrap(first), 0);
        ThinMetadata m;
        if (Superblock.blank(first)) {
            m = new ThinMetadata(device, metadataBlocks, dataBlockSectors, dataBlocks);
            m.format();
        } else {
            Superblock sb = Superblock.decode(first);
            if (sb.dataBlockSectors() != dataBlockSectors) {
                throw new IOException("thin metadata: the pool's data block size is " + sb.dataBlockSectors()
                        + " sectors, not " + dataBlockSectors);
            }
            m = new ThinMetadata(device, sb.metadataSpace().blocks(), dataBlockSectors,
                    Math.max(dataBlocks, sb.dataSpace().blocks()));
            m.load(sb);
            if (dataBlocks > sb.dataSpace().blocks()) {
                m.commit();
            }
        }
        return m;
    }

    private void format() throws IOException {
        mappings.format();
        details.format();
        commit();
    }

    private void load(Superblock sb) throws IOException {
        committed = sb;
        flags = sb.flags();
        time = sb.time();
        transactionId = sb.transactionId();
        heldRoot = sb.heldRoot();
        mappings.load(sb.mappingRoot());
        long[] bitmaps = spaceMaps.readMetadata(sb.metadataSpace());
        spaceMaps.readData(sb.dataSpace(), data);
        data.committed();
        meta.commitLoaded();
        layout = new SpaceMaps.Layout(sb.metadataSpace().bitmapRoot(), bitmaps, sb.metadataSpace().refCountRoot(),
                sb.dataSpace().bitmapRoot(), sb.dataSpace().refCountRoot());
        details.load(sb.detailsRoot());
    }

    /** Makes the transaction durable: the details, both space maps, then the superblock. */
    public void commit() throws IOException {
        details.write();
        spaceMaps.release(layout);
        Superblock.SpaceMapRoot[] roots = new Superblock.SpaceMapRoot[2];
        layout = spaceMaps.write(data, roots);
        Superblock sb = new Superblock(flags, time, transactionId, heldRoot, roots[0], roots[1], mappings.root(),
                details.root(), dataBlockSectors, meta.blocks());
        meta.commit(sb.encode());
        data.committed();
        committed = sb;
    }

    public Set<Long> devices() {
        return details.ids();
    }

    public Details details(long id) {
        return details.get(id);
    }

    public long transactionId() {
        return transactionId;
    }

    public int time() {
        return time;
    }

    public int dataBlockSectors() {
        return dataBlockSectors;
    }

    public long dataBlocks() {
        return data.blocks();
    }

    public long usedDataBlocks() {
        return data.allocated();
    }

    public long metadataBlocks() {
        return meta.blocks();
    }

    public long usedMetadataBlocks() {
        return meta.allocated();
    }

    /** Whether the superblock says the metadata needs checking (a failed operation was aborted). */
    public boolean needsCheck() {
        return (flags & Superblock.NEEDS_CHECK) != 0;
    }

    /**
     * Sets {@code needs_check} in the superblock of the last commit, rewritten in place as the
     * kernel does after aborting a transaction; the tools' {@code --clear-needs-check-flag} clears it.
     */
    public void markNeedsCheck() throws IOException {
        flags |= Superblock.NEEDS_CHECK;
        committed = committed.withFlags(Superblock.NEEDS_CHECK);
        meta.rewriteSuperblock(committed.encode());
    }

    /** Grows the metadata space map to {@code blocks} (a larger device; up to the format's limit) and commits. */
    public void growMetadata(long blocks) throws IOException {
        long to = Math.min(blocks, SpaceMaps.MAX_METADATA_BLOCKS);
        if (to > meta.blocks()) {
            meta.grow(to);
            commit();
        }
    }

    /** The metadata snapshot's block ({@code held_root}), or 0 when none is held. */
    public long heldRoot() {
        return heldRoot;
    }

    /**
     * {@code reserve_metadata_snap}: commits, then keeps a copy of the superblock (its space-map
     * roots zeroed) that holds the mapping and details trees as they are now, and records it as
     * the held root, for tools reading live metadata ({@code thin_check -m}, {@code thin_dump -m}).
     * Later changes copy the nodes they touch, as for a device snapshot.
     */
    public void reserveMetadataSnap() throws IOException {
        if (heldRoot != 0) {
            throw new Refused("a metadata snapshot is already held at block " + heldRoot + " (release it first)");
        }
        commit();
        long copy = meta.allocate(Blocks.SUPERBLOCK_SALT);
        Superblock.SpaceMapRoot none = new Superblock.SpaceMapRoot(0, 0, 0, 0);
        byte[] bytes = new Superblock(flags, time, transactionId, 0, none, none, mappings.root(), details.root(),
                dataBlockSectors, meta.blocks()).encode(copy);
        System.arraycopy(bytes, 0, meta.writable(copy), 0, Blocks.SIZE);
        meta.inc(mappings.root());
        meta.inc(details.root());
        heldRoot = copy;
    }

    /** {@code release_metadata_snap}: lets go of the held root and the nodes only it held. */
    public void releaseMetadataSnap() throws IOException {
        if (heldRoot == 0) {
            throw new Refused("no metadata snapshot is held");
        }
        Superblock held = Superblock.decode(meta.read(heldRoot), heldRoot);
        mappings.release(held.mappingRoot());
        details.release(held.detailsRoot());
        meta.dec(heldRoot);
        heldRoot = 0;
    }

    /** {@code set_transaction_id}: compare and swap. */
    public void setTransactionId(long current, long next) throws IOException {
        if (current != transactionId) {
            throw new Refused("the transaction id is " + transactionId + ", not " + current);
        }
        transactionId = next;
    }

    private void checkNew(long id) throws IOException {
        if (id < 0 || id > MAX_DEVICE_ID) {
            throw new Refused("device id " + id + " is out of range (0 to " + MAX_DEVICE_ID + ")");
        }
        if (details.contains(id)) {
            throw new Refused("device " + id + " already exists");
        }
    }

    private long subtree(long id) throws IOException {
        long root = mappings.subtree(id);
        if (!details.contains(id)) {
            throw new Refused("no device " + id);
        }
        return root;
    }

    /** Device {@code id}'s subtree root, about to change ({@link MappingTree#own}). */
    private long ownPath(long id) throws IOException {
        return mappings.own(id, subtree(id), heldRoot != 0);
    }

    /** {@code create_thin}: an empty device. */
    public void createThin(long id) throws IOException {
        checkNew(id);
        mappings.create(id);
        details.put(id, new Details(0, transactionId, time, time));
    }

    /** {@code create_snap}: a device sharing every block of {@code origin}'s, which is marked snapshotted. */
    public void createSnap(long id, long origin) throws IOException {
        checkNew(id);
        mappings.share(id, subtree(origin));
        time++;
        Details o = details.get(origin);
        details.put(id, new Details(o.mappedBlocks(), transactionId, time, time));
        details.put(origin, new Details(o.mappedBlocks(), o.transactionId(), o.creationTime(), time));
    }

    /** {@code delete}: the device's mappings go; blocks no one else maps become free. */
    public void delete(long id) throws IOException {
        subtree(id);
        mappings.remove(id);
        details.remove(id);
    }

    /** The mapping of {@code block} of device {@code id}, or null. */
    public Mapping lookup(long id, long block) throws IOException {
        return mappings.lookup(subtree(id), block);
    }

    /** Whether a mapping is shared: its device was snapshotted since it was made. */
    public boolean shared(long id, Mapping m) {
        return details.get(id).snapshottedTime() > m.time();
    }

    /** A free data block for a new mapping (count 1, handed to {@link #map}); -1 when none is left. */
    public long allocateData() {
        return data.allocate();
    }

    /** One more reference to a data block: it stays out of reach of {@link #allocateData} until released. */
    public void holdData(long block) {
        data.inc(block);
    }

    /** Releases a data block taken with {@link #allocateData} or {@link #holdData} and not mapped. */
    public void releaseData(long block) {
        data.dec(block);
    }

    /**
     * Maps {@code block} of device {@code id} to {@code dataBlock} (from {@link #allocateData}),
     * at the current time; a mapping it replaces is released.
     */
    public void map(long id, long block, long dataBlock) throws IOException {
        if (mappings.map(id, ownPath(id), block, new Mapping(dataBlock, time))) {
            details.addMapped(id, 1);
        }
    }

    /** Removes {@code block}'s mapping, if any (a discard); returns the data block it had, or -1. */
    public long unmap(long id, long block) throws IOException {
        Mapping m = mappings.lookup(subtree(id), block);
        if (m == null) {
            return -1;
        }
        mappings.unmap(id, ownPath(id), block);
        details.addMapped(id, -1);
        return m.dataBlock();
    }

    /** The highest mapped block of device {@code id}, or -1. */
    public long highestMapped(long id) throws IOException {
        return mappings.lastBlock(subtree(id));
    }

    /** Grows the data space map to {@code blocks} (a larger data device) and commits. */
    public void growData(long blocks) throws IOException {
        if (blocks > data.blocks()) {
            data.grow(blocks);
            commit();
        }
    }

    /** How many mappings point at data block {@code b} (0 = free). */
    public int dataReferences(long b) {
        return data.count(b);
    }

    /** Every mapping of device {@code id}, in block order (for dumps and tests). */
    public void forEachMapping(long id, MappingVisitor visitor) throws IOException {
        mappings.walk(subtree(id), visitor);
    }

    /** Receives a device's mappings. */
    @FunctionalInterface
    public interface MappingVisitor {
        void visit(long block, Mapping mapping) throws IOException;
    }
}
