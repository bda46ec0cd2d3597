package org.mapperfs.jmh;

import java.nio.ByteBuffer;
import org.mapperfs.core.BufferPieces;
import org.mapperfs.core.FileRangeSink;
import org.mapperfs.core.VectorIo;

/**
 * What the benchmarks of a read handed over as a file range ({@code readRange}) share: a host's
 * vectored I/O that only lends a descriptor number (the splice itself is the host's), and a sink
 * that only keeps the numbers it is handed.
 */
final class RangeHandover {
    private RangeHandover() {}

    /** Lends a descriptor that is never used; its reads and writes move nothing. */
    static final VectorIo DESCRIPTOR_ONLY = path -> new VectorIo.Vectored() {
        @Override
        public long read(ByteBuffer buffer, BufferPieces pieces, long offset) {
            return 0; // the engine then reads piece by piece
        }

        @Override
        public long write(ByteBuffer buffer, BufferPieces pieces, long offset) {
            return 0;
        }

        @Override
        public int descriptor() {
            return 1_000_000;
        }

        @Override
        public void close() {}
    };

    /** Keeps what it is handed, so that nothing is optimized away. */
    static final class Sink implements FileRangeSink {
        long sum;

        @Override
        public void take(int fd, long position, int length) {
            sum += fd + position + length;
        }
    }
}
