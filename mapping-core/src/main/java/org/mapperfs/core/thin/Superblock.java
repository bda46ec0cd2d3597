package org.mapperfs.core.thin;

import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * The pool's superblock, block 0 ({@code struct thin_disk_superblock}): the roots of the mapping
 * and details trees and of both space maps, the transaction id, the snapshot time, the held root
 * of a metadata snapshot, and the block sizes.
 */
record Superblock(int flags, int time, long transactionId, long heldRoot, SpaceMapRoot dataSpace,
        SpaceMapRoot metadataSpace, long mappingRoot, long detailsRoot, int dataBlockSectors,
        long metadataBlocks) {
    static final long MAGIC = 27022010;
    static final int VERSION = 2;
    static final int NEEDS_CHECK = 1;
    static final int METADATA_BLOCK_SECTORS = 8;

    /** {@code struct disk_sm_root}: blocks, blocks in use, the bitmap index's root, the overflow tree's root. */
    record SpaceMapRoot(long blocks, long allocated, long bitmapRoot, long refCountRoot) {
        void put(ByteBuffer b, int at) {
            b.putLong(at, blocks).putLong(at + 8, allocated).putLong(at + 16, bitmapRoot).putLong(at + 24, refCountRoot);
        }

        static SpaceMapRoot get(ByteBuffer b, int at) {
            return new SpaceMapRoot(b.getLong(at), b.getLong(at + 8), b.getLong(at + 16), b.getLong(at + 24));
        }
    }

    byte[] encode() {
        return encode(0);
    }

    /** The same superblock with {@code more} flags set. */
    Superblock withFlags(int more) {
        return new Superblock(flags | more, time, transactionId, heldRoot, dataSpace, metadataSpace, mappingRoot,
                detailsRoot, dataBlockSectors, metadataBlocks);
    }

    /** The block to write at {@code at}: 0, or a metadata snapshot's copy. */
    byte[] encode(long at) {
        byte[] block = new byte[Blocks.SIZE];
        ByteBuffer b = Blocks.le(block);
        b.putInt(4, flags).putLong(8, at).putLong(32, MAGIC).putInt(40, VERSION).putInt(44, time)
                .putLong(48, transactionId).putLong(56, heldRoot);
        dataSpace.put(b, 64);
        metadataSpace.put(b, 192);
        b.putLong(320, mappingRoot).putLong(328, detailsRoot).putInt(336, dataBlockSectors)
                .putInt(340, METADATA_BLOCK_SECTORS).putLong(344, metadataBlocks);
        Blocks.seal(block, Blocks.SUPERBLOCK_SALT);
        return block;
    }

    static Superblock decode(byte[] block) throws IOException {
        return decode(block, 0);
    }

    /** The superblock at {@code at}: 0, or a metadata snapshot's copy. */
    static Superblock decode(byte[] block, long at) throws IOException {
        Blocks.check(block, at, Blocks.SUPERBLOCK_SALT, "super");
        ByteBuffer b = Blocks.le(block);
        if (b.getLong(32) != MAGIC) {
            throw new IOException("thin metadata: not a thin-pool superblock (magic " + b.getLong(32) + ")");
        }
        if (b.getInt(40) < 1 || b.getInt(40) > VERSION) {
            throw new IOException("thin metadata: unsupported version " + b.getInt(40));
        }
        if (b.getInt(352) != 0 || b.getInt(356) != 0 || b.getInt(360) != 0) {
            throw new IOException("thin metadata: unsupported feature flags");
        }
        return new Superblock(b.getInt(4), b.getInt(44), b.getLong(48), b.getLong(56), SpaceMapRoot.get(b, 64),
                SpaceMapRoot.get(b, 192), b.getLong(320), b.getLong(328), b.getInt(336), b.getLong(344));
    }

    /** True if the first block is all zeros: a metadata device to format. */
    static boolean blank(byte[] block) {
        for (byte x : block) {
            if (x != 0) {
                return false;
            }
        }
        return true;
    }
}
