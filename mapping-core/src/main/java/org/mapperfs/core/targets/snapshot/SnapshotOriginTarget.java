package org.mapperfs.core.targets.snapshot;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.List;
import org.mapperfs.core.BlockDevice;
import org.mapperfs.core.FileRangeSink;
import org.mapperfs.core.TableException;
import org.mapperfs.core.Target;
import org.mapperfs.core.TargetArgs;

/**
 * {@code snapshot-origin <origin>}: the origin device itself, as the snapshots of it need it
 * written. Reads pass through; a write first copies the old contents of every chunk it touches
 * into each valid {@code snapshot} of the same device (once per chunk and snapshot), then writes.
 * A chunk being copied out is not written until its copy is in every COW device. While a
 * {@code snapshot-merge} of the same device runs, I/O goes through it, so that no write lands in
 * a chunk that the merge will overwrite. Status: empty.
 *
 * <p>Discards are written as zeros through the write path, so that the snapshots keep their data.
 */
public final class SnapshotOriginTarget implements Target {
    static final String SYNTAX = "snapshot-origin <origin>";

    private final BlockDevice device;
    private final Origin origin;
    private boolean closed;

    private SnapshotOriginTarget(BlockDevice device, Origin origin) {
        this.device = device;
        this.origin = origin;
    }

    public static Target create(TargetArgs args) throws TableException {
        args.expectRemaining(1, SYNTAX);
        BlockDevice device = args.nextDevice("origin");
        args.requireRange(device, 0, args.lengthSectors());
        return new SnapshotOriginTarget(device, Origin.acquire(device));
    }

    @Override
    public String type() {
        return "snapshot-origin";
    }

    @Override
    public String params() {
        return device.name();
    }

    @Override
    public String status() {
        return "";
    }

    @Override
    public void read(ByteBuffer dst, long offset) throws IOException {
        SnapshotMergeTarget merge = origin.merging();
        if (merge != null) {
            merge.read(dst, offset);
            return;
        }
        device.read(dst, offset);
    }

    /** The origin's own range, as a read takes it; while a merge runs, what the merge hands over. */
    @Override
    public boolean readRange(long offset, int length, FileRangeSink sink) throws IOException {
        SnapshotMergeTarget merge = origin.merging();
        return merge != null ? merge.readRange(offset, length, sink) : device.readRange(offset, length, sink);
    }

    @Override
    public void write(ByteBuffer src, long offset) throws IOException {
        SnapshotMergeTarget merge = origin.merging();
        if (merge != null) {
            merge.write(src, offset);
            return;
        }
        long end = offset + src.remaining();
        long held = origin.lockWrite(offset, src.remaining(), ChunkLocks.GRAIN);
        try {
            origin.copyOut(offset, end);
            device.write(src, offset);
        } finally {
            origin.locks.release(held);
        }
    }

    @Override
    public void flush() {
        // Writes go straight to the origin; copy-outs are durable when made.
    }

    @Override
    public void discard(long offset, long length) throws IOException {
        Buffers.writeZeros(this, offset, length);
    }

    @Override
    public List<BlockDevice> devices() {
        return List.of(device);
    }

    @Override
    public synchronized void close() {
        if (!closed) {
            closed = true;
            Origin.release(origin);
        }
    }
}
