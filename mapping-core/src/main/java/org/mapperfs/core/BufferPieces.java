package org.mapperfs.core;

import com.google.common.base.Preconditions;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Arrays;

/**
 * Pieces of one buffer that hold consecutive bytes of a device, in order: what a striped
 * request is to each stripe (its chunks lie apart in the request, side by side on the stripe).
 * {@link BlockDevice#readPieces} and {@link BlockDevice#writePieces} take them, so that a file
 * moves them with one preadv(2)/pwritev(2) instead of one call per chunk.
 *
 * <pre>
 *   request buffer: | c0 | c1 | c2 | c3 |      2 stripes
 *   stripe 0 pieces:  c0        c2             one call at stripe 0's offset of c0
 * </pre>
 *
 * Reused: the caller clears and fills it for every call. Not thread-safe.
 */
public final class BufferPieces {
    private int[] starts = new int[16];
    private int[] lengths = new int[16];
    private int count;
    private long total;

    public void clear() {
        count = 0;
        total = 0;
    }

    /** Appends {@code [start, start + length)} of the buffer; a piece right after the last one joins it. */
    public void add(int start, int length) {
        Preconditions.checkArgument(start >= 0 && length > 0, "bad piece %s+%s", start, length);
        if (count > 0 && starts[count - 1] + lengths[count - 1] == start) {
            lengths[count - 1] += length;
        } else {
            if (count == starts.length) {
                starts = Arrays.copyOf(starts, 2 * count);
                lengths = Arrays.copyOf(lengths, 2 * count);
            }
            starts[count] = start;
            lengths[count] = length;
            count++;
        }
        total += length;
    }

    public int count() {
        return count;
    }

    public int start(int i) {
        return starts[i];
    }

    public int length(int i) {
        return lengths[i];
    }

    /** The bytes of all pieces together. */
    public long total() {
        return total;
    }

    /**
     * Reads the pieces one device call each, skipping the first {@code skip} bytes (already
     * moved): the way for devices that have no single call for them. The buffer's position and
     * limit are as they were on return.
     */
    public void readEach(BlockDevice device, ByteBuffer buffer, long offset, long skip) throws IOException {
        each(device, buffer, offset, skip, false);
    }

    /** Writes the pieces one device call each; see {@link #readEach}. */
    public void writeEach(BlockDevice device, ByteBuffer buffer, long offset, long skip) throws IOException {
        each(device, buffer, offset, skip, true);
    }

    private void each(BlockDevice device, ByteBuffer buffer, long offset, long skip, boolean write)
            throws IOException {
        int position = buffer.position();
        int limit = buffer.limit();
        try {
            long at = offset;
            long toSkip = skip;
            for (int i = 0; i < count; i++) {
                int start = starts[i];
                int length = lengths[i];
                if (length <= toSkip) {
                    toSkip -= length;
                    at += length;
                    continue;
                }
                int from = (int) toSkip;
                toSkip = 0;
                buffer.limit(start + length).position(start + from);
                if (write) {
                    device.write(buffer, at + from);
                } else {
                    device.read(buffer, at + from);
                }
                at += length;
            }
        } finally {
            buffer.limit(limit).position(position);
        }
    }
}
