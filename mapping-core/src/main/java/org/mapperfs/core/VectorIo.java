package org.mapperfs.core;

import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;

/**
 * Positional gather and scatter I/O on a file (Linux preadv(2) and pwritev(2)): one call moves
 * consecutive bytes of the file to or from several {@link BufferPieces} of a buffer. Plain Java
 * has none (FileChannel's scattering reads use and move the channel's one shared position), so
 * the engine takes it from its host, as it takes {@link HolePuncher}; without one, each piece
 * is a call of its own, which is correct but costs a system call per chunk.
 */
public interface VectorIo {

    /** Opens {@code path} for reading and writing with vectored calls; null where the host has none. */
    Vectored open(Path path) throws IOException;

    VectorIo NONE = path -> null;

    /** One file open for vectored I/O. Thread-safe: positional calls are independent. */
    interface Vectored extends Closeable {

        /**
         * Fills the pieces of a direct buffer from the file's bytes at {@code offset}; returns the
         * bytes moved, fewer than {@link BufferPieces#total()} only at the end of the file.
         */
        long read(ByteBuffer buffer, BufferPieces pieces, long offset) throws IOException;

        /** Writes the pieces of a direct buffer at {@code offset}; returns the bytes moved. */
        long write(ByteBuffer buffer, BufferPieces pieces, long offset) throws IOException;

        /** The file's descriptor, for {@link FileRangeSink}s; -1 where there is none to share. */
        default int descriptor() {
            return -1;
        }
    }
}
