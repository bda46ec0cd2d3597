package org.mapperfs.core.targets.snapshot;

import java.io.IOException;
import java.nio.ByteBuffer;
import org.mapperfs.core.Target;

/** Allocation-free helpers for the data path. */
final class Buffers {
    private static final ByteBuffer ZEROS = ByteBuffer.allocateDirect(64 * 1024).asReadOnlyBuffer();

    private Buffers() {}

    /**
     * A discard written as zeros through a target's own write path (targets whose discard must
     * go through their copy-on-write logic), from one shared read-only block of zeros.
     */
    static void writeZeros(Target target, long offset, long length) throws IOException {
        ByteBuffer zeros = ZEROS.duplicate();
        for (long pos = offset; pos < offset + length; ) {
            int n = (int) Math.min(zeros.capacity(), offset + length - pos);
            zeros.clear().limit(n);
            target.write(zeros, pos);
            pos += n;
        }
    }
}
