package org.mapperfs.core.targets.snapshot;

import java.io.IOException;
import java.nio.ByteBuffer;
import org.mapperfs.core.BlockDevice;
import org.mapperfs.core.FileDevice;
import org.mapperfs.core.FileRangeSink;

/**
 * What a snapshot shows, and a merge until it is done: a chunk with an exception is read from
 * its COW chunk, any other from the origin, and a run of chunks that lie one after the other in
 * the same device is read at once. Separate from {@link ExceptionStore}, which keeps the table
 * and commits it and knows nothing of the origin: this is the read side, built only on the
 * lock-free {@link ExceptionStore#lookup}. The caller holds the chunks' locks.
 */
final class SnapshotView {
    private final ExceptionStore store;
    private final long chunk;
    private final BlockDevice cow;
    private final BlockDevice origin;

    /** Reads {@code cow} (the store's own COW device, or a copy of it) over {@code origin}. */
    SnapshotView(ExceptionStore store, BlockDevice cow, BlockDevice origin) {
        this.store = store;
        this.chunk = store.chunkBytes;
        this.cow = cow;
        this.origin = origin;
    }

    /**
     * Where the run of chunks that starts with chunk {@code c} (at byte {@code pos}, {@code
     * mapped} as {@link ExceptionStore#lookup} gave it) ends, at most at {@code end}: while the
     * chunks after it lie right after it in the COW device, or, for a chunk without an exception,
     * have none either. One read or write then covers the run.
     */
    long runEnd(long c, long mapped, long pos, long end) {
        long runEnd = Math.min(end, (c + 1) * chunk);
        while (runEnd < end) {
            long next = store.lookup(runEnd / chunk);
            if (mapped >= 0 ? next != mapped + (runEnd / chunk - c) : next >= 0) {
                break;
            }
            runEnd = Math.min(end, runEnd + chunk);
        }
        return runEnd;
    }

    /**
     * Hands the {@code length} bytes at {@code offset} to {@code sink} as one range of the COW
     * device or of the origin, where they lie in one run of chunks there ({@link
     * BlockDevice#readRange}); where they lie in several, run by run as pieces ({@link
     * FileRangeSink#takePiece}), if the devices they come from are files whose descriptors the
     * host shares and the sink takes that many. False, having done nothing, where not. The caller
     * holds the chunks' locks.
     */
    boolean readRange(long offset, int length, FileRangeSink sink) throws IOException {
        long end = offset + length;
        long c = offset / chunk;
        long mapped = store.lookup(c);
        long pos = runEnd(c, mapped, offset, end);
        if (pos == end) {
            return mapped >= 0 ? cow.readRange(mapped * chunk + offset % chunk, length, sink)
                    : origin.readRange(offset, length, sink);
        }
        int max = sink.maxPieces(length);
        boolean fromCow = mapped >= 0;
        boolean fromOrigin = mapped < 0;
        for (int runs = 2; ; runs++) {
            if (runs > max) {
                return false;
            }
            long next = store.lookup(pos / chunk);
            fromCow |= next >= 0;
            fromOrigin |= next < 0;
            pos = runEnd(pos / chunk, next, pos, end);
            if (pos == end) {
                break;
            }
        }
        if (fromCow && !FileDevice.lendsRanges(cow) || fromOrigin && !FileDevice.lendsRanges(origin)) {
            return false;
        }
        for (pos = offset; pos < end; ) {
            long runStart = pos;
            mapped = store.lookup(pos / chunk);
            pos = runEnd(pos / chunk, mapped, pos, end);
            if (mapped >= 0) {
                ((FileDevice) cow).readPiece(mapped * chunk + runStart % chunk, (int) (pos - runStart), length, sink);
            } else {
                ((FileDevice) origin).readPiece(runStart, (int) (pos - runStart), length, sink);
            }
        }
        return true;
    }

    /**
     * Reads {@code dst} at {@code offset} through the exception table: chunks with an exception
     * come from the COW device, the others from the origin. The caller holds the chunks' locks.
     */
    void read(ByteBuffer dst, long offset) throws IOException {
        long end = offset + dst.remaining();
        int limit = dst.limit();
        try {
            for (long pos = offset; pos < end; ) { // a run of chunks from the same device, in one read
                long c = pos / chunk;
                long mapped = store.lookup(c);
                long runEnd = runEnd(c, mapped, pos, end);
                dst.limit(dst.position() + (int) (runEnd - pos));
                if (mapped >= 0) {
                    cow.read(dst, mapped * chunk + pos % chunk);
                } else {
                    origin.read(dst, pos);
                }
                pos = runEnd;
            }
        } finally {
            dst.limit(limit);
        }
    }
}
