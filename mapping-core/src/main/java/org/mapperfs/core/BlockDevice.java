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
 * positional I/O from many threads at once is the normal case. Offsets and lengths are in
 * bytes and need not be sector-aligned.
 *
 * <p>A target gets its lower devices from {@link TargetArgs#nextDevice} and does not close
 * them: the table that holds the target releases them. A backing file's failure is a
 * {@link BackingFileException}; a target that lets it through (or keeps it as the cause of its
 * own exception) lets the host report the system's errno, such as ENOSPC, rather than EIO.
 */
public interface BlockDevice {

    /**
     * The name shown in tables and status lines: a path for a file, the name for a device.
     *
     * @return the name a table line uses for this device; for a mapped device it changes on
     *     rename
     */
    String name();

    /**
     * Size in bytes. May change when a mapped device resumes with a table of another size.
     *
     * @return the size in bytes; a file's size is fixed when it is opened
     */
    long size();

    /**
     * Fills {@code dst} from its position to its limit with the bytes at {@code offset}.
     *
     * @param dst the buffer to fill; its position ends at its limit
     * @param offset byte offset on this device
     * @throws IOException if the range is outside the device or the read failed; a mapped device
     *     that has been removed also fails this way
     */
    void read(ByteBuffer dst, long offset) throws IOException;

    /**
     * Writes {@code src} from its position to its limit at {@code offset}. The write is
     * acknowledged on return and durable after the next {@link #flush()}.
     *
     * @param src the bytes to write; its position ends at its limit
     * @param offset byte offset on this device
     * @throws IOException if the range is outside the device or the write failed
     */
    void write(ByteBuffer src, long offset) throws IOException;

    /**
     * Hands the {@code length} bytes at {@code offset} to {@code sink} as one range of an open
     * file, where they lie in one (a backing file, through linear targets), or piece by piece
     * where they lie in a few and the sink takes that many ({@link FileRangeSink#takePiece}: a
     * striped segment's chunks); returns false, having done nothing, where not, and the caller
     * then {@link #read}s them.
     *
     * @param offset byte offset on this device
     * @param length bytes to read
     * @param sink what takes the file range
     * @return whether {@code sink} took the bytes
     * @throws IOException if the range is outside the device, or the sink failed
     */
    default boolean readRange(long offset, int length, FileRangeSink sink) throws IOException {
        return false;
    }

    /**
     * Fills the {@code pieces} of {@code buffer} (absolute indexes) from consecutive bytes at
     * {@code offset}, in their order; the buffer's position and limit are left as they were. One
     * {@link #read} per piece unless the device has a single call for them (a file's preadv).
     *
     * @param buffer the buffer the pieces lie in
     * @param pieces ranges of {@code buffer}, filled in order; {@link BufferPieces#total()} bytes
     *     in all
     * @param offset byte offset on this device of the first piece's first byte
     * @throws IOException if the range is outside the device or a read failed
     */
    default void readPieces(ByteBuffer buffer, BufferPieces pieces, long offset) throws IOException {
        pieces.readEach(this, buffer, offset, 0);
    }

    /**
     * Writes the {@code pieces} of {@code buffer}, in their order, as consecutive bytes at
     * {@code offset}. The buffer's position and limit are left as they were.
     *
     * @param buffer the buffer the pieces lie in
     * @param pieces ranges of {@code buffer}, written in order; {@link BufferPieces#total()}
     *     bytes in all
     * @param offset byte offset on this device where the first piece's first byte goes
     * @throws IOException if the range is outside the device or a write failed
     */
    default void writePieces(ByteBuffer buffer, BufferPieces pieces, long offset) throws IOException {
        pieces.writeEach(this, buffer, offset, 0);
    }

    /**
     * Makes every acknowledged write durable.
     *
     * @throws IOException if the writes could not be made durable
     */
    void flush() throws IOException;

    /**
     * Tells the device that the range's contents are no longer needed (dm's discard). A file
     * punches a hole where it can, or else writes zeros.
     *
     * @param offset byte offset on this device
     * @param length length of the range in bytes
     * @throws IOException if the range is outside the device or the discard failed
     */
    void discard(long offset, long length) throws IOException;
}
