package org.mapperfs.core;

import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * Something that holds bytes at offsets: a backing file, a block device, or a mapped device.
 * Targets only ever see {@code BlockDevice}s, so stacking a device on another device is the
 * same code path as stacking it on a file.
 *
 * <p>Every call transfers exactly {@code buffer.remaining()} bytes and leaves the buffer's
 * position at its limit. Callers keep requests inside {@code [0, size())}; implementations
 * report an out-of-range request as an {@link IOException}. Implementations are thread-safe:
 * positional I/O from many threads at once is the normal case.
 */
public interface BlockDevice {

    /** The name shown in tables and status lines: a path for a file, the name for a device. */
    String name();

    /** Size in bytes. May change when a mapped device resumes with a table of another size. */
    long size();

    /** Fills {@code dst} from its position to its limit with the bytes at {@code offset}. */
    void read(ByteBuffer dst, long offset) throws IOException;

    /** Writes {@code src} from its position to its limit at {@code offset}. */
    void write(ByteBuffer src, long offset) throws IOException;

    /**
     * Fills the {@code pieces} of {@code buffer} (absolute indexes) from consecutive bytes at
     * {@code offset}, in their order; the buffer's position and limit are left as they were. One
     * {@link #read} per piece unless the device has a single call for them (a file's preadv).
     */
    default void readPieces(ByteBuffer buffer, BufferPieces pieces, long offset) throws IOException {
        pieces.readEach(this, buffer, offset, 0);
    }

    /** Writes the {@code pieces} of {@code buffer}, in their order, as consecutive bytes at {@code offset}. */
    default void writePieces(ByteBuffer buffer, BufferPieces pieces, long offset) throws IOException {
        pieces.writeEach(this, buffer, offset, 0);
    }

    /** Makes every acknowledged write durable. */
    void flush() throws IOException;

    /** Tells the device that the range's contents are no longer needed (dm's discard). */
    void discard(long offset, long length) throws IOException;
}
