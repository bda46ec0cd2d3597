package org.mapperfs.core.targets.snapshot;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.mapperfs.core.BlockDevice;
import org.mapperfs.core.DeviceEvents;
import org.mapperfs.core.FileRangeSink;
import org.mapperfs.core.Fields;
import org.mapperfs.core.Interrupts;
import org.mapperfs.core.TableException;
import org.mapperfs.core.Target;
import org.mapperfs.core.TargetArgs;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code snapshot-merge <origin> <COW device> <P|PO> <chunksize>}: takes the place of the
 * {@code snapshot-origin} of {@code origin} and copies every exception of a persistent snapshot's
 * COW device back into the origin, in the background, newest first. The device shows the
 * snapshot's view throughout: a chunk not yet merged is read from and written to its COW chunk;
 * a merged chunk is the origin's, and writes to it copy out to the other snapshots of the origin,
 * as {@code snapshot-origin} does. The snapshot that owned the COW device must be removed first
 * (its table would still hold the COW device).
 *
 * <p>Status: {@code <sectors_allocated>/<total_sectors> <metadata_sectors>}, shrinking as chunks
 * are merged; the merge is done when {@code sectors_allocated == metadata_sectors}, and the
 * device's event is raised then. {@code Merge failed} after an I/O error stopped it. The merge
 * runs while the table is live: it starts at resume and stops at suspend and close.
 */
public final class SnapshotMergeTarget implements Target {
    static final String SYNTAX = "snapshot-merge <origin> <COW device> <P|PO> <chunksize>";
    private static final Logger log = LoggerFactory.getLogger(SnapshotMergeTarget.class);
    /** Exceptions merged per origin flush and metadata commit. */
    private static final int BATCH = 64;

    private final BlockDevice device;
    private final BlockDevice cow;
    private final ExceptionStore store;
    private final SnapshotView view;
    private final Origin origin;
    private final DeviceEvents events;
    private final int chunk;
    private final Object owner;
    /** Guarded by {@code this}: the merge thread and its {@link Run} state. */
    private Thread merger;
    private AtomicReference<Run> run;
    private boolean closed;
    private volatile boolean failed;

    /** A merge thread's state: the stop is seen (STOPPED) or taken back (RUNNING) atomically. */
    private enum Run { RUNNING, STOP_ASKED, STOPPED }

    private SnapshotMergeTarget(BlockDevice device, BlockDevice cow, ExceptionStore store, Origin origin,
            DeviceEvents events, Object owner) {
        this.device = device;
        this.cow = cow;
        this.store = store;
        this.view = new SnapshotView(store, cow, device);
        this.origin = origin;
        this.events = events;
        this.chunk = store.chunkBytes;
        this.owner = owner;
    }

    public static Target create(TargetArgs args) throws TableException {
        args.expectRemaining(4, SYNTAX);
        BlockDevice device = args.nextDevice("origin");
        BlockDevice cow = args.nextDevice("COW device");
        String mode = args.next("persistent");
        if (!mode.equals("P") && !mode.equals("PO")) {
            throw args.error("invalid persistent '" + mode + "': a merge needs a persistent store (P or PO)");
        }
        int chunkSectors = StoreArgs.chunkSize(args);
        args.requireRange(device, 0, args.lengthSectors());
        if (cow == device) {
            throw args.error("the COW device is the origin");
        }
        Object owner = new Object();
        ExceptionStore store = StoreArgs.openStore(args, cow, mode, chunkSectors, owner);
        if (!store.isValid()) {
            Origin.releaseCow(cow, owner);
            throw args.error("COW device " + cow.name() + " holds an invalid snapshot: nothing can be merged");
        }
        Origin origin = Origin.acquire(device);
        SnapshotMergeTarget target = new SnapshotMergeTarget(device, cow, store, origin, args.events(), owner);
        if (!Origin.claimMerge(origin, target)) {
            Origin.release(origin);
            Origin.releaseCow(cow, owner);
            throw args.error(device.name() + " is already being merged into");
        }
        return target;
    }

    @Override
    public String type() {
        return "snapshot-merge";
    }

    @Override
    public String params() {
        return device.name() + " " + cow.name() + " " + store.mode() + " " + store.chunkSectors;
    }

    @Override
    public String status() {
        return failed ? "Merge failed" : StoreStatus.line(store);
    }

    @Override
    public Map<String, Object> statusFields() {
        return failed ? Fields.of("state", "merge_failed") : StoreStatus.fields(store);
    }

    /** True once every exception is back in the origin. */
    boolean merged() {
        return store.count() == 0;
    }

    @Override
    public void read(ByteBuffer dst, long offset) throws IOException {
        long end = offset + dst.remaining();
        long held = origin.locks.readChunks(offset, end, chunk);
        try {
            view.read(dst, offset);
        } finally {
            origin.locks.release(held);
        }
    }

    /**
     * Hands the read over as the COW file's range where its chunks are not merged yet and follow
     * one another there, or the origin's where all are merged, or run by run as pieces of both
     * (see {@link SnapshotView#readRange}), under the chunks' read locks until the read is taken:
     * a merge step waits for them, and so does a write that copies out.
     */
    @Override
    public boolean readRange(long offset, int length, FileRangeSink sink) throws IOException {
        long held = origin.locks.readChunks(offset, offset + length, chunk);
        try {
            return view.readRange(offset, length, sink);
        } finally {
            origin.locks.release(held);
        }
    }

    @Override
    public void write(ByteBuffer src, long offset) throws IOException {
        long end = offset + src.remaining();
        int limit = src.limit();
        long held = origin.lockWrite(offset, src.remaining(), chunk);
        try {
            origin.copyOut(offset, end);
            for (long pos = offset; pos < end; ) {
                long c = pos / chunk;
                int n = (int) Math.min(end - pos, (c + 1) * chunk - pos);
                src.limit(src.position() + n);
                long mapped = store.lookup(c);
                if (mapped >= 0) {
                    // Not merged yet: the COW chunk is the current copy, and the merge takes it later.
                    cow.write(src, mapped * chunk + pos % chunk);
                } else {
                    device.write(src, pos);
                }
                pos += n;
            }
        } finally {
            origin.locks.release(held);
            src.limit(limit);
        }
    }

    /**
     * Merges up to {@link #BATCH} of the newest exceptions under one set of chunk locks: their data
     * goes to the origin, the origin is flushed, then their entries are dropped. False when none
     * is left.
     */
    private boolean mergeSome() throws IOException {
        long[][] batch = store.newest(BATCH);
        if (batch.length == 0) {
            return false;
        }
        int n = batch.length;
        long[] from = new long[n];
        long[] length = new long[n];
        for (int i = 0; i < n; i++) {
            from[i] = batch[i][0] * chunk;
            length[i] = Math.min(chunk, device.size() - from[i]);
        }
        try (ChunkLocks.Held held = origin.lockWrite(from, length, n, chunk)) {
            ByteBuffer data = ByteBuffer.allocate(chunk);
            for (int i = 0; i < n; i++) {
                // The other snapshots of the origin keep what they saw: this is an origin write.
                origin.copyOut(from[i], from[i] + length[i]);
                data.clear().limit((int) length[i]);
                cow.read(data, batch[i][1] * chunk);
                device.write(data.flip(), from[i]);
            }
            device.flush();
            store.removeNewest(n);
        }
        return true;
    }

    private void run(AtomicReference<Run> state) {
        try {
            while (state.get() == Run.RUNNING || !state.compareAndSet(Run.STOP_ASKED, Run.STOPPED)) {
                if (!mergeSome()) {
                    log.info("merge of {} into {} is done", cow.name(), device.name());
                    events.raise();
                    return;
                }
            }
        } catch (IOException | RuntimeException e) {
            failed = true;
            log.error("merge of {} into {} failed: {}", cow.name(), device.name(), e.toString());
            events.raise();
        }
    }

    @Override
    public synchronized void resume() {
        if (closed) {
            return;
        }
        origin.goLive(this);
        if (merger != null || failed || merged()) {
            return;
        }
        AtomicReference<Run> state = new AtomicReference<>(Run.RUNNING);
        run = state;
        merger = new Thread(() -> run(state), "snapshot-merge " + cow.name());
        merger.setDaemon(true);
        merger.start();
    }

    /**
     * Stops the merge after the step in progress. That step may wait at a suspended lower device:
     * if the caller gives up first (see {@link Interrupts}) and the merge has not seen the stop,
     * it goes on, and this returns false.
     */
    @Override
    public synchronized boolean presuspend() {
        if (merger == null) {
            return true;
        }
        run.set(Run.STOP_ASKED);
        if (!Interrupts.join(merger) && run.compareAndSet(Run.STOP_ASKED, Run.RUNNING)) {
            return false;
        }
        stopMerger(); // ended, or has seen the stop and ends with no more I/O
        return true;
    }

    private void stopMerger() {
        if (merger == null) {
            return;
        }
        run.set(Run.STOP_ASKED);
        boolean interrupted = false;
        while (true) {
            try {
                merger.join();
                break;
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        merger = null;
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void flush() {
        // Each merge step is durable before its exception is dropped; writes to unmerged chunks
        // are in the COW device, which the table flushes.
    }

    @Override
    public void discard(long offset, long length) throws IOException {
        Buffers.writeZeros(this, offset, length);
    }

    @Override
    public List<BlockDevice> devices() {
        return List.of(device, cow);
    }

    @Override
    public synchronized void close() {
        if (!closed) {
            stopMerger();
            closed = true;
            Origin.releaseMerge(origin, this);
            Origin.release(origin);
            Origin.releaseCow(cow, owner);
        }
    }
}
