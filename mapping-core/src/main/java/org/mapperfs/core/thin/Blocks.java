package org.mapperfs.core.thin;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.zip.CRC32C;

/**
 * The 4 KiB metadata block, little-endian, and its checksum: crc32c of everything after the
 * checksum field, in the kernel's convention (no final inversion), XORed with a salt that names
 * the block's kind.
 */
final class Blocks {
    static final int SIZE = 4096;
    static final int SUPERBLOCK_SALT = 160774;
    static final int NODE_SALT = 121107;
    static final int BITMAP_SALT = 240779;
    static final int INDEX_SALT = 160478;

    private Blocks() {
    }

    /** A little-endian view of {@code block}. */
    static ByteBuffer le(byte[] block) {
        return ByteBuffer.wrap(block).order(ByteOrder.LITTLE_ENDIAN);
    }

    static int checksum(byte[] block, int salt) {
        CRC32C crc = new CRC32C();
        crc.update(block, 4, SIZE - 4);
        return ~(int) crc.getValue() ^ salt;
    }

    /** Writes the checksum into the block's first four bytes. */
    static void seal(byte[] block, int salt) {
        le(block).putInt(0, checksum(block, salt));
    }

    /** Checks the checksum and the block's own number (at byte 8, for every kind but a bitmap's too). */
    static void check(byte[] block, long at, int salt, String kind) throws IOException {
        if (le(block).getInt(0) != checksum(block, salt)) {
            throw new IOException("thin metadata: bad checksum in " + kind + " block " + at);
        }
        long blocknr = le(block).getLong(8);
        if (blocknr != at) {
            throw new IOException("thin metadata: " + kind + " block " + at + " says it is block " + blocknr);
        }
    }
}
