package org.mapperfs.core.targets.verity;

/**
 * Where dm-verity keeps the digests of a hash tree on the hash device: the kernel's layout, which
 * veritysetup writes. Each hash block holds {@code 2^hashPerBlockBits} digests (the largest power
 * of two that fits; in version 1 each digest padded to {@code block / 2^bits} bytes, in version 0
 * packed). Level 0 hashes the data blocks; each level above hashes the one below; the levels are
 * stored top first from {@code hashStart}.
 */
final class HashTree {
    final int version;
    final int hashBlockBits;
    final int hashPerBlockBits;
    final int digestSize;
    final int levels;
    /** First hash block of each level (index 0 = the level over the data). */
    final long[] levelStart;
    /** The hash block after the tree's last one (level 0's end). */
    final long end;

    HashTree(int version, long dataBlocks, int hashBlockSize, int digestSize, long hashStart) {
        this.version = version;
        this.hashBlockBits = Integer.numberOfTrailingZeros(hashBlockSize);
        this.digestSize = digestSize;
        this.hashPerBlockBits = 31 - Integer.numberOfLeadingZeros(hashBlockSize / digestSize);
        int l = 0;
        while (hashPerBlockBits * l < 64 && ((dataBlocks - 1) >>> (hashPerBlockBits * l)) != 0) {
            l++;
        }
        this.levels = l;
        this.levelStart = new long[l];
        long position = hashStart;
        for (int i = l - 1; i >= 0; i--) {
            levelStart[i] = position;
            int shift = (i + 1) * hashPerBlockBits;
            long blocks = shift >= 64 ? 1 : (dataBlocks + (1L << shift) - 1) >>> shift;
            position += blocks;
        }
        this.end = position;
    }

    /** The hash block, at {@code level}, that holds the digest covering data block {@code block}. */
    long hashBlock(long block, int level) {
        long position = block >>> (level * hashPerBlockBits);
        return levelStart[level] + (position >>> hashPerBlockBits);
    }

    /** The byte offset of that digest within its hash block. */
    int offsetInBlock(long block, int level) {
        long position = block >>> (level * hashPerBlockBits);
        int index = (int) (position & ((1L << hashPerBlockBits) - 1));
        return version == 0 ? index * digestSize : index << (hashBlockBits - hashPerBlockBits);
    }
}
