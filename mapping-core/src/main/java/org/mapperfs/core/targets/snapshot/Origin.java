package org.mapperfs.core.targets.snapshot;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.mapperfs.core.BlockDevice;

/**
 * What the snapshots of one origin device share: the list of snapshots that an origin write must
 * copy out to, and the chunk locks that order copy-outs, snapshot writes, snapshot reads of origin
 * chunks and merge steps. Origins are found by the device's identity (a backing file is one
 * {@code FileDevice} per path within a mapper; a mapped device is itself), in one engine-wide
 * registry, so that a {@code snapshot} and a {@code snapshot-origin} of the same device meet
 * whatever tables and devices they sit in.
 *
 * <p>The registry and the COW claims are guarded by {@code Origin.class}; they change only when
 * tables are built and closed, never on the data path.
 */
final class Origin {
    private static final Map<BlockDevice, Origin> ORIGINS = new IdentityHashMap<>();
    private static final Map<BlockDevice, Object> COWS = new IdentityHashMap<>();

    final BlockDevice device;
    final ChunkLocks locks = new ChunkLocks();
    private final List<SnapshotTarget> snapshots = new CopyOnWriteArrayList<>();
    /** The merge table built for this origin (live or only loaded); guarded by {@code Origin.class}. */
    private SnapshotMergeTarget mergeClaim;
    /**
     * The merge once its table went live, which every {@code snapshot-origin} of the origin defers
     * to; a merge that is only loaded changes nothing that a live table shows.
     */
    private volatile SnapshotMergeTarget merging;
    /** Guarded by {@code Origin.class}. */
    private int users;

    private Origin(BlockDevice device) {
        this.device = device;
    }

    /** The origin of {@code device}, shared with every other user; each call needs one {@link #release}. */
    static synchronized Origin acquire(BlockDevice device) {
        Origin origin = ORIGINS.computeIfAbsent(device, Origin::new);
        origin.users++;
        return origin;
    }

    static synchronized void release(Origin origin) {
        if (--origin.users == 0) {
            ORIGINS.remove(origin.device);
        }
    }

    /** Claims {@code cow} for one exception store; false if another snapshot or merge holds it. */
    static synchronized boolean claimCow(BlockDevice cow, Object owner) {
        return COWS.putIfAbsent(cow, owner) == null;
    }

    static synchronized void releaseCow(BlockDevice cow, Object owner) {
        COWS.remove(cow, owner);
    }

    /** Makes {@code merge} the one merge into this origin; false if another one holds it. */
    static synchronized boolean claimMerge(Origin origin, SnapshotMergeTarget merge) {
        if (origin.mergeClaim != null) {
            return false;
        }
        origin.mergeClaim = merge;
        return true;
    }

    static synchronized void releaseMerge(Origin origin, SnapshotMergeTarget merge) {
        if (origin.mergeClaim == merge) {
            origin.mergeClaim = null;
            origin.merging = null;
        }
    }

    /** From now on, I/O through any {@code snapshot-origin} of this origin goes through {@code merge}. */
    void goLive(SnapshotMergeTarget merge) {
        merging = merge;
    }

    /** The live merge into this origin, or null. */
    SnapshotMergeTarget merging() {
        return merging;
    }

    void register(SnapshotTarget snapshot) {
        snapshots.add(snapshot);
    }

    void unregister(SnapshotTarget snapshot) {
        snapshots.remove(snapshot);
    }

    /**
     * Locks the whole origin for writing: returns once no origin write (nor its copy-out) is in
     * flight; {@code locks.release} takes what it returns.
     */
    long lockAll() {
        return locks.write(0, Long.MAX_VALUE);
    }

    /** Locks the chunks of every snapshot (and chunks of {@code ownChunkBytes}) that {@code [offset, +length)} touches. */
    long lockWrite(long offset, long length, int ownChunkBytes) {
        long align = alignment(ownChunkBytes);
        long from = offset - offset % align;
        return locks.write(from, alignedEnd(offset + length, align, from));
    }

    /** {@code end} rounded up to {@code align}, and past {@code from} (an empty range still locks its chunk). */
    private static long alignedEnd(long end, long align, long from) {
        return Math.max(ChunkLocks.roundUp(end, align), from + 1);
    }

    /** The largest chunk of every snapshot's and {@code ownChunkBytes}, at least a grain. */
    private long alignment(int ownChunkBytes) {
        long align = Math.max(ownChunkBytes, ChunkLocks.GRAIN);
        for (SnapshotTarget s : snapshots) {
            align = Math.max(align, s.chunkBytes());
        }
        return align;
    }

    /** As {@link #lockWrite(long, long, int)} for {@code n} ranges at once. */
    ChunkLocks.Held lockWrite(long[] offsets, long[] lengths, int n, int ownChunkBytes) {
        long align = alignment(ownChunkBytes);
        long[] from = new long[n];
        long[] to = new long[n];
        for (int i = 0; i < n; i++) {
            from[i] = offsets[i] - offsets[i] % align;
            to[i] = alignedEnd(offsets[i] + lengths[i], align, from[i]);
        }
        return locks.write(from, to, n);
    }

    /**
     * Before origin bytes {@code [from, to)} change: every valid snapshot gets its own copy of the
     * chunks they lie in. The caller holds {@link #lockWrite} on the range.
     */
    void copyOut(long from, long to) {
        for (SnapshotTarget s : snapshots) {
            s.copyOut(from, to);
        }
    }

    /**
     * Reads origin chunks {@code [chunk, chunk + count)} of {@code chunkBytes} into {@code buffer}
     * from index {@code at} on, in one read; zeros past the device's end. Leaves the buffer's
     * position and limit alone.
     */
    void readChunks(long chunk, int count, int chunkBytes, ByteBuffer buffer, int at) throws IOException {
        long start = chunk * chunkBytes;
        int n = (int) Math.max(0, Math.min((long) count * chunkBytes, device.size() - start));
        if (n > 0) {
            device.read(buffer.slice(at, n), start);
        }
    }
}
