package org.mapperfs.core;

import java.io.IOException;

/**
 * Takes the bytes of a read as a range of an open file, where they lie in one, or as a few
 * ranges taken in turn (pieces), so that a host can move them on without copying them through
 * its own memory (splice(2) from the backing file's page cache). See {@link
 * BlockDevice#readRange}.
 */
public interface FileRangeSink {

    /**
     * Takes {@code length} bytes of the file open as descriptor {@code fd}, from {@code position}.
     * Called while the device's read is in progress (the descriptor stays open until it
     * returns), once per {@link BlockDevice#readRange} of a read that lies in one range, or again
     * after a {@link SourceFailed}, for another copy of the bytes (a mirror's next leg). A read in
     * several ranges goes through {@link #takePiece} instead.
     *
     * @throws SourceFailed if the file's bytes could not be read; nothing was passed on
     * @throws IOException if the bytes could not be passed on; the read then fails
     */
    void take(int fd, long position, int length) throws IOException;

    /**
     * How many pieces this sink can take a read of {@code total} bytes in (see {@link
     * #takePiece}); 1, by default: it takes only reads that lie in one range.
     */
    default int maxPieces(int total) {
        return 1;
    }

    /**
     * Takes {@code length} bytes of the file open as descriptor {@code fd}, from {@code
     * position}, as the next piece of a read of {@code total} bytes that lies in several ranges
     * (a striped segment's chunks, thin blocks apart on the data device). A device that hands a
     * read over this way first checks that the pieces are at most {@link #maxPieces}, then calls
     * this for each in the read's order, their lengths adding up to {@code total}; the read is
     * passed on once the last is taken. A {@link SourceFailed} drops every piece taken so far:
     * the sink can then take the read again from its start (another copy of the bytes).
     *
     * @throws SourceFailed if the file's bytes could not be read; nothing of the read is passed on
     * @throws IOException if the bytes could not be passed on; the read then fails
     */
    default void takePiece(int fd, long position, int length, int total) throws IOException {
        if (length != total) {
            throw new IOException("this sink takes a read in one range only");
        }
        take(fd, position, length);
    }

    /**
     * The file's bytes could not be read (an I/O error, the file cut short): nothing was passed
     * on, and the sink can take another range. Any other failure of {@link #take} is the sink's
     * own, and says nothing of the file.
     */
    final class SourceFailed extends IOException {
        private static final long serialVersionUID = 1L;

        public SourceFailed(String message) {
            super(message);
        }

        public SourceFailed(String message, Throwable cause) {
            super(message, cause);
        }
    }
}
