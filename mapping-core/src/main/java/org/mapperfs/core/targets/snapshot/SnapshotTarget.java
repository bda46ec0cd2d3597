package org.mapperfs.core.targets.snapshot;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.Map;
import org.mapperfs.core.BlockDevice;
import org.mapperfs.core.FileRangeSink;
import org.mapperfs.core.TableException;
import org.mapperfs.core.Target;
import org.mapperfs.core.TargetArgs;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code snapshot <origin> <COW device> <P|PO|N> <chunksize>}: a writable view of {@code origin}
 * as it was when the snapshot was made. Changed chunks of {@code chunksize} sectors (a power of
 * two, 8 to 1024) live in the COW device: a chunk with an exception is read from and written to
 * its COW chunk; any other chunk is read from the origin, and the first write to it copies the
 * origin's chunk into a new COW chunk. Writes through a {@code snapshot-origin} of the same
 * device copy the old contents out to every snapshot first. {@code N} keeps the exception table
 * in memory; {@code P} keeps it on the COW device in the kernel's layout ({@link PersistentStore})
 * and reads it back when the table is built again; {@code PO} is {@code P} that reports
 * {@code Overflow} when the COW device fills up.
 *
 * <p>Status: {@code <sectors_allocated>/<total_sectors> <metadata_sectors>}, both counts
 * including metadata; or {@code Invalid} once the COW device filled up or the store was found
 * invalid: reads and writes then fail, and the origin no longer copies out to it. As in dm, the
 * table is normally one segment from sector 0, whose offsets are the origin's.
 *
 * <p>Durability, for {@code P}: a first write to the snapshot is acknowledged once its chunk's
 * data is written; its exception is committed (data flushed, then the entry written and
 * flushed) at the next flush from above, suspend or close, or by the periodic commit once a
 * second, as thin-pool commits its mappings, and as the engine asks of any write. Until then a
 * crash leaves the chunk as the origin had it, never an entry over data that is not there. A
 * copy-out for an origin's write is committed before that write goes on, and so is any
 * uncommitted exception the write relies on: the origin's data may reach its disk at any time.
 *
 * <p>Discards are written as zeros through the write path, so that they never reach the origin
 * and read back as zeros.
 */
public final class SnapshotTarget implements Target {
    static final String SYNTAX = "snapshot <origin> <COW device> <P|PO|N> <chunksize>";
    private static final Logger log = LoggerFactory.getLogger(SnapshotTarget.class);

    private final BlockDevice originDevice;
    private final BlockDevice cow;
    private final ExceptionStore store;
    private final SnapshotView view;
    private final Origin origin;
    private final long length;
    private final int chunk;
    /** Holds the claim on the COW device. */
    private final Object owner;
    private boolean closed;
    /** The periodic commit, where the store defers commits; null otherwise. */
    private PeriodicCommit periodic;

    private SnapshotTarget(BlockDevice originDevice, BlockDevice cow, ExceptionStore store, Origin origin, long length,
            Object owner) {
        this.owner = owner;
        this.originDevice = originDevice;
        this.cow = cow;
        this.store = store;
        this.view = new SnapshotView(store, cow, originDevice);
        this.origin = origin;
        this.length = length;
        this.chunk = store.chunkBytes;
    }

    public static Target create(TargetArgs args) throws TableException {
        args.expectRemaining(4, SYNTAX);
        BlockDevice originDevice = args.nextDevice("origin");
        BlockDevice cow = args.nextDevice("COW device");
        String mode = args.next("persistent?");
        if (!mode.equals("P") && !mode.equals("PO") && !mode.equals("N")) {
            throw args.error("invalid persistent? '" + mode + "': must be P, PO or N");
        }
        int chunkSectors = StoreArgs.chunkSize(args);
        args.requireRange(originDevice, 0, args.lengthSectors());
        if (cow == originDevice) {
            throw args.error("the COW device is the origin");
        }
        Object owner = new Object();
        ExceptionStore store = StoreArgs.openStore(args, cow, mode, chunkSectors, owner);
        Origin origin = Origin.acquire(originDevice);
        SnapshotTarget target = new SnapshotTarget(originDevice, cow, store, origin, args.lengthBytes(), owner);
        origin.register(target);
        if (store.defersCommits()) {
            target.periodic = new PeriodicCommit(target::commitPeriodically);
        }
        return target;
    }

    int chunkBytes() {
        return chunk;
    }

    @Override
    public String type() {
        return "snapshot";
    }

    @Override
    public String params() {
        return originDevice.name() + " " + cow.name() + " " + store.mode() + " " + store.chunkSectors;
    }

    @Override
    public String status() {
        return StoreStatus.line(store);
    }

    @Override
    public Map<String, Object> statusFields() {
        return StoreStatus.fields(store);
    }

    @Override
    public void read(ByteBuffer dst, long offset) throws IOException {
        checkValid();
        long end = offset + dst.remaining();
        long held = origin.locks.readChunks(offset, end, chunk);
        try {
            checkValid();
            view.read(dst, offset);
        } finally {
            origin.locks.release(held);
        }
    }

    @Override
    public boolean readRange(long offset, int length, FileRangeSink sink) throws IOException {
        checkValid();
        long held = origin.locks.readChunks(offset, offset + length, chunk);
        try {
            checkValid();
            return view.readRange(offset, length, sink);
        } finally {
            origin.locks.release(held);
        }
    }

    @Override
    public void write(ByteBuffer src, long offset) throws IOException {
        checkValid();
        long end = offset + src.remaining();
        int limit = src.limit();
        long[] olds = null; // made at the first new exception: a rewrite allocates nothing
        ByteBuffer data = null; // the new chunks' contents, back to back
        int fresh = 0;
        long held = origin.locks.writeChunks(offset, end, chunk);
        try {
            checkValid();
            if (offset % chunk == 0 && end % chunk == 0 && noneMapped(offset / chunk, end / chunk)) {
                // Whole new chunks only (a sequential or aligned first write): straight from the request.
                int chunks = (int) ((end - offset) / chunk);
                olds = new long[chunks];
                for (int i = 0; i < chunks; i++) {
                    olds[i] = offset / chunk + i;
                }
                add(olds, src.slice(), chunks);
                src.position(src.limit());
                return;
            }
            for (long pos = offset; pos < end; ) {
                long c = pos / chunk;
                long mapped = store.lookup(c);
                if (mapped >= 0) { // with the chunks after it that follow it in the COW device too, in one write
                    long runEnd = view.runEnd(c, mapped, pos, end);
                    src.limit(src.position() + (int) (runEnd - pos));
                    cow.write(src, mapped * chunk + pos % chunk);
                    pos = runEnd;
                    continue;
                }
                // A new exception: the rest of the chunk comes from the origin.
                int n = (int) Math.min(end - pos, (c + 1) * chunk - pos);
                src.limit(src.position() + n);
                if (olds == null) {
                    int chunks = (int) (ChunkLocks.roundUp(end, chunk) / chunk - offset / chunk);
                    olds = new long[chunks];
                    data = ByteBuffer.allocate(chunks * chunk);
                }
                if (n < chunk) {
                    origin.readChunks(c, 1, chunk, data, fresh * chunk);
                }
                data.put(fresh * chunk + (int) (pos % chunk), src, src.position(), n);
                src.position(src.position() + n);
                olds[fresh++] = c;
                pos += n;
            }
            if (fresh > 0) {
                add(olds, data, fresh);
            }
        } finally {
            origin.locks.release(held);
            src.limit(limit);
        }
    }

    /** True if no chunk in {@code [from, to)} has an exception yet. */
    private boolean noneMapped(long from, long to) {
        for (long c = from; c < to; c++) {
            if (store.lookup(c) >= 0) {
                return false;
            }
        }
        return true;
    }

    /** Adds exceptions, to be committed at the next flush (see the class comment). */
    private void add(long[] olds, ByteBuffer data, int n) throws IOException {
        try {
            store.add(olds, data, n, false);
        } catch (IOException e) {
            throw invalidated(e);
        }
    }

    /**
     * Makes the snapshot invalid after {@code e}, a full COW device or a failed data write or
     * commit (as dm does on a COW error): a failed commit may have left entries on disk for slots
     * the store still counts as free, which a later commit would reuse, data first, so that a
     * crash in between left an entry over another chunk's data. Returns the error to report.
     */
    private IOException invalidated(IOException e) {
        if (store.isValid()) { // else it was said when the snapshot became invalid
            store.invalidate(e instanceof ExceptionStore.FullException);
            log.warn("snapshot of {} on {} is invalid: {}", originDevice.name(), cow.name(), e.getMessage());
        }
        return new IOException("snapshot is invalid: " + e.getMessage(), e);
    }

    /**
     * Gives this snapshot its own copy of the chunks that origin bytes {@code [from, to)} lie in,
     * before the origin changes them, in one commit. Called by {@link Origin#copyOut} under the
     * chunk locks. Failures invalidate the snapshot and never fail the origin's write.
     */
    void copyOut(long from, long to) {
        if (!store.isValid() || from >= length) {
            return;
        }
        long first = from / chunk;
        long last = (Math.min(to, length) - 1) / chunk;
        long[] olds = null; // made at the first chunk to copy: an origin write over copied chunks allocates nothing
        ByteBuffer data = null; // their contents, back to back
        int n = 0;
        boolean uncommitted = false;
        try {
            for (long c = first; c <= last; c++) {
                long mapped = store.lookup(c);
                if (mapped >= 0) {
                    uncommitted |= !store.durable(mapped);
                } else {
                    if (olds == null) {
                        olds = new long[(int) (last - c + 1)];
                        data = ByteBuffer.allocate(olds.length * chunk);
                    }
                    int run = 1; // with the chunks after it that need a copy too, in one read
                    while (c + run <= last && store.lookup(c + run) < 0) {
                        run++;
                    }
                    origin.readChunks(c, run, chunk, data, n * chunk);
                    for (int i = 0; i < run; i++) {
                        olds[n++] = c + i;
                    }
                    c += run - 1;
                }
            }
            if (n > 0) {
                store.add(olds, data, n, true); // commits the uncommitted ones too: slots commit in order
            } else if (uncommitted) {
                store.commitAll();
            }
        } catch (IOException e) {
            invalidated(e); // the origin's write goes on
        }
    }

    private void checkValid() throws IOException {
        if (!store.isValid()) {
            throw new IOException("snapshot of " + originDevice.name() + " on " + cow.name() + " is invalid");
        }
    }

    /**
     * Commits the new exceptions, and flushes the COW device unless that commit did (its data
     * flush covers the rewrites of older chunks too). The origin is not flushed: a snapshot never
     * writes it.
     */
    @Override
    public void flush() throws IOException {
        if (!commit()) {
            cow.flush();
        }
    }

    @Override
    public List<BlockDevice> flushedByTable() {
        return List.of(); // flush() flushes the COW device
    }

    /** What {@link PeriodicCommit} runs while the device is not suspended. */
    private void commitPeriodically() {
        if (!store.isValid()) {
            return;
        }
        try {
            commit();
        } catch (IOException e) {
            // commit() logged it and invalidated the snapshot; the next write reports it.
        }
    }

    /**
     * Commits every exception added so far; true if this call flushed the COW device. A failure
     * invalidates the snapshot, as a failed commit of a write does.
     */
    private boolean commit() throws IOException {
        try {
            return store.commitAll();
        } catch (InterruptedIOException e) {
            throw e; // the caller gave up; the commit itself goes on or is taken up by the next one
        } catch (IOException e) {
            throw invalidated(e);
        }
    }

    @Override
    public boolean presuspend() {
        if (periodic != null) {
            periodic.pause();
        }
        return true;
    }

    @Override
    public void resume() {
        if (periodic != null) {
            periodic.resume();
        }
    }

    @Override
    public void discard(long offset, long length) throws IOException {
        Buffers.writeZeros(this, offset, length);
    }

    @Override
    public List<BlockDevice> devices() {
        return List.of(originDevice, cow);
    }

    @Override
    public void close() {
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
            origin.unregister(this);
        }
        if (periodic != null) {
            periodic.cancel();
            try {
                commit();
            } catch (IOException e) {
                log.warn("snapshot of {} on {}: the last commit failed: {}", originDevice.name(), cow.name(),
                        e.getMessage());
            }
        }
        // An origin write that saw this snapshot registered may still be copying a chunk into the
        // COW device: let it finish before the COW is given up (it may hold a new snapshot next).
        long all = origin.lockAll();
        try {
            Origin.release(origin);
            Origin.releaseCow(cow, owner);
        } finally {
            origin.locks.release(all);
        }
    }
}
