package org.mapperfs.core.target;

import java.nio.ByteBuffer;

/** Allocation-free helpers for the data path. */
final class Buffers {
    private static final ByteBuffer ZEROS = ByteBuffer.allocateDirect(64 * 1024).asReadOnlyBuffer();

    private Buffers() {}

    /** Writes zeros from the buffer's position to its limit. */
    static void fillZero(ByteBuffer dst) {
        while (dst.hasRemaining()) {
            int n = Math.min(dst.remaining(), ZEROS.capacity());
            dst.put(dst.position(), ZEROS, 0, n);
            dst.position(dst.position() + n);
        }
    }
}
