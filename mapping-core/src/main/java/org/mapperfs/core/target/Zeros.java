package org.mapperfs.core.target;

import java.io.IOException;
import java.nio.ByteBuffer;
import org.mapperfs.core.Target;

/** Discards written as zeros through a target's own write path. */
final class Zeros {
    private static final int STEP = 1 << 20;

    private Zeros() {}

    static void write(Target target, long offset, long length) throws IOException {
        ByteBuffer zeros = ByteBuffer.allocate((int) Math.min(STEP, length));
        for (long pos = offset; pos < offset + length; ) {
            int n = (int) Math.min(STEP, offset + length - pos);
            zeros.clear().limit(n);
            target.write(zeros, pos);
            pos += n;
        }
    }
}
