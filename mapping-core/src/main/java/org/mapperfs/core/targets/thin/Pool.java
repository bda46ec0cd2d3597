package org.mapperfs.core.targets.thin;

import java.io.IOException;
import java.util.concurrent.TimeUnit;
import org.mapperfs.core.BlockDevice;
import org.mapperfs.core.thin.ThinMetadata;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A thin pool: its metadata, its data device cut into blocks, and the thin devices' shared
 * state. One per metadata device, however many pool tables (a reload) and thin tables use it;
 * it goes when the last lets go. Metadata calls are serialized on one lock; data I/O runs
 * outside it. Changes are committed at a flush, a message, a suspend, and once a second, as the
 * kernel commits them.
 *
 * <p>Modes as the kernel's ({@link PoolMode}, kept by {@link PoolModes}): a metadata operation
 * that fails (an I/O error, a damaged block, a commit that cannot be written) aborts the
 * transaction, reopens the metadata at the last commit, marks it {@code needs_check} and leaves
 * the pool read-only: reads go on, and so do writes to mapped, unshared blocks. A pool opened
 * with {@code needs_check} set stays read-only until the tools clear the flag. When free
 * metadata blocks fall below the reserve, no new blocks are given out until a reload grows the
 * metadata device.
 */
final class Pool {
    private static final Logger log = LoggerFactory.getLogger(Pool.class);
    /** How long a write waits for data space before it fails (the kernel's no_space_timeout). */
    static final long NO_SPACE_TIMEOUT_SECONDS = 60;
    private static final long COMMIT_EVERY_MILLIS = 1_000;

    final BlockDevice metadataDevice;
    final int blockSectors;
    final long blockBytes;
    final Cells cells = new Cells();
    private final Object lock = new Object();
    private final Thread committer;
    private ThinMetadata md;
    private volatile BlockDevice dataDevice;
    private volatile PoolOptions options;
    private final SpaceWatch space;
    private final PoolModes modes;
    /** Metadata changed since the last commit. */
    private boolean dirty;
    /** Data written since the data device's last flush (set after each write lands). */
    private volatile boolean dataWritten;

    private Pool(BlockDevice metadata, BlockDevice data, int blockSectors, ThinMetadata md) {
        this.metadataDevice = metadata;
        this.dataDevice = data;
        this.blockSectors = blockSectors;
        this.blockBytes = blockSectors * 512L;
        this.md = md;
        this.space = new SpaceWatch(metadata.name());
        this.modes = new PoolModes(metadata.name(), space, md.needsCheck());
        this.committer = new Thread(this::commitPeriodically, "thin-pool-commit");
        committer.setDaemon(true);
        committer.start();
    }

    /** Opens the pool metadata on {@code metadata} (formatting it if blank); {@link Pools} keeps one per device. */
    static Pool open(BlockDevice metadata, BlockDevice data, int blockSectors) throws IOException {
        Pool p = new Pool(metadata, data, blockSectors,
                ThinMetadata.open(metadata, blockSectors, data.size() / (blockSectors * 512L)));
        log.info("thin-pool {}: {} of {} data blocks and {} of {} metadata blocks in use, {} devices",
                metadata.name(), p.md.usedDataBlocks(), p.md.dataBlocks(), p.md.usedMetadataBlocks(),
                p.md.metadataBlocks(), p.md.devices().size());
        return p;
    }

    /** The last user let go: the committer stops and a last commit is made. */
    void close() {
        committer.interrupt();
        try {
            commit();
        } catch (IOException e) {
            log.warn("thin-pool {}: the last commit failed: {}", metadataDevice.name(), e.toString());
        }
    }

    BlockDevice data() {
        return dataDevice;
    }

    PoolOptions options() {
        return options;
    }

    /**
     * A pool table goes live with these options and data device (the latest reload's); a larger
     * data or metadata device grows the pool, and takes it out of the mode running out of that
     * space had put it in. Neither grows while the metadata needs checking.
     */
    void configure(PoolOptions o, BlockDevice data, Runnable events) {
        synchronized (lock) {
            options = o;
            dataDevice = data;
            space.rearm(events);
            if (modes.failed() || md.needsCheck()) {
                return;
            }
            try {
                long blocks = data.size() / blockBytes;
                if (blocks > md.dataBlocks()) {
                    dataDevice.flush();
                    md.growData(blocks);
                    dirty = false;
                    log.info("thin-pool {}: data grown to {} blocks", metadataDevice.name(), blocks);
                    modes.dataGrown();
                    lock.notifyAll();
                }
                long metaBlocks = metadataDevice.size() / 4096;
                if (metaBlocks > md.metadataBlocks()) {
                    md.growMetadata(metaBlocks);
                    dirty = false;
                    log.info("thin-pool {}: metadata grown to {} blocks", metadataDevice.name(), md.metadataBlocks());
                    modes.metadataGrown(md);
                }
            } catch (IOException | RuntimeException e) {
                metadataFailed(e);
            }
            space.checkData(md, options);
        }
    }

    /** A block's mapping, or null; a metadata failure fails the request (and the transaction). */
    ThinMetadata.Mapping lookup(long dev, long block) throws IOException {
        synchronized (lock) {
            modes.checkUsable();
            try {
                return md.lookup(dev, block);
            } catch (IOException | RuntimeException e) {
                throw metadataFailed(e);
            }
        }
    }

    boolean shared(long dev, ThinMetadata.Mapping m) {
        synchronized (lock) {
            return md.shared(dev, m);
        }
    }

    /** Checks a device exists, for a thin table naming it. */
    void checkDevice(long dev) throws IOException {
        synchronized (lock) {
            if (md.details(dev) == null) {
                throw new IOException("thin-pool " + metadataDevice.name() + " has no device " + dev);
            }
        }
    }

    ThinMetadata.Details details(long dev) {
        synchronized (lock) {
            return modes.failed() ? null : md.details(dev);
        }
    }

    long highestMapped(long dev) throws IOException {
        synchronized (lock) {
            modes.checkUsable();
            return md.highestMapped(dev);
        }
    }

    /**
     * A data block for a new mapping. With none free: a commit first (blocks freed in this
     * transaction come back); then, with error_if_no_space, an error at once, else waiting for
     * the data device to grow (a reload) until the no-space timeout.
     */
    long allocate() throws IOException {
        synchronized (lock) {
            modes.checkProvisioning(options, md);
            long d = md.allocateData();
            if (d < 0 && dirty) {
                commitLocked(false);
                d = md.allocateData();
            }
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(NO_SPACE_TIMEOUT_SECONDS);
            while (d < 0) {
                modes.outOfDataSpace(md.dataBlocks());
                if (options.errorIfNoSpace()) {
                    throw new IOException("thin-pool " + metadataDevice.name() + ": out of data space");
                }
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    throw new IOException("thin-pool " + metadataDevice.name() + ": out of data space for "
                            + NO_SPACE_TIMEOUT_SECONDS + " s");
                }
                try {
                    TimeUnit.NANOSECONDS.timedWait(lock, left);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IOException("interrupted while waiting for data space", e);
                }
                modes.checkProvisioning(options, md);
                d = md.allocateData();
            }
            dirty = true;
            space.checkData(md, options);
            return d;
        }
    }

    /**
     * Up to {@code want} data blocks for new mappings into {@code out}, without waiting: fewer
     * (maybe none) when the pool runs short; the caller takes the rest one by one.
     */
    int allocateUpTo(long[] out, int want) throws IOException {
        synchronized (lock) {
            modes.checkProvisioning(options, md);
            int got = 0;
            while (got < want) {
                long d = md.allocateData();
                if (d < 0) {
                    break;
                }
                out[got++] = d;
            }
            if (got > 0) {
                dirty = true;
                space.checkData(md, options);
            }
            return got;
        }
    }

    /** Maps {@code count} blocks from {@code first} on to {@code data}'s blocks, under one lock. */
    void mapRun(long dev, long first, long[] data, int count) throws IOException {
        synchronized (lock) {
            modes.checkMapping();
            try {
                for (int i = 0; i < count; i++) {
                    md.map(dev, first + i, data[i]);
                }
            } catch (IOException | RuntimeException e) {
                throw metadataFailed(e);
            }
            dirty = true;
        }
    }

    /** Gives back a block from {@link #allocate} or {@link #unmap} that no mapping took. */
    void releaseBlock(long d) {
        synchronized (lock) {
            if (modes.aborted()) {
                return; // handed out by the metadata the abort threw away
            }
            md.releaseData(d);
            dirty = true; // its count may have been committed while held
        }
    }

    void map(long dev, long block, long d) throws IOException {
        synchronized (lock) {
            modes.checkMapping();
            try {
                md.map(dev, block, d);
            } catch (IOException | RuntimeException e) {
                throw metadataFailed(e);
            }
            dirty = true;
        }
    }

    /**
     * Unmaps a block (a discard). Returns its data block if no mapping holds it any more, else
     * -1; a block returned is held until {@link #releaseBlock}, so that it is not handed out
     * again while the discard passed down to it is under way. A read-only pool takes discards
     * and does nothing, as the kernel's does.
     */
    long unmap(long dev, long block) throws IOException {
        synchronized (lock) {
            modes.checkUsable();
            if (!modes.unmaps(options)) {
                return -1;
            }
            try {
                long d = md.unmap(dev, block);
                if (d < 0) {
                    return -1;
                }
                dirty = true;
                if (md.dataReferences(d) > 0) {
                    return -1;
                }
                md.holdData(d);
                return d;
            } catch (IOException | RuntimeException e) {
                throw metadataFailed(e);
            }
        }
    }

    /**
     * A metadata operation failed: aborts the transaction (the metadata reopened at the last
     * commit), marks it needs_check, and leaves the pool read-only; if even that fails, the
     * pool fails. Returns the error for the caller to throw.
     */
    private IOException metadataFailed(Throwable e) {
        if (e instanceof ThinMetadata.Refused r) {
            return r; // turned down, nothing changed
        }
        String what = e.getMessage() == null ? e.toString() : e.getMessage().replace("thin metadata: ", "");
        if (!modes.abort(what)) {
            return new IOException("thin-pool " + metadataDevice.name() + ": " + what, e);
        }
        dirty = false;
        lock.notifyAll();
        try {
            md = ThinMetadata.open(metadataDevice, blockSectors, 0);
            md.markNeedsCheck();
            modes.readOnly(what);
        } catch (IOException | RuntimeException again) {
            modes.fail(what, again);
        }
        return new IOException("thin-pool " + metadataDevice.name() + ": " + what, e);
    }

    /** Makes every change so far durable (a flush from above): the data device first, then the metadata. */
    void commit() throws IOException {
        synchronized (lock) {
            commitLocked(true);
        }
    }

    /** A thin device's write reached the data device: the next commit flushes it. */
    void wrote() {
        dataWritten = true;
    }

    /**
     * Commits changed metadata, flushing the data written since the last flush first (the new
     * mappings point at it). Without metadata changes, only a flush from above ({@code
     * requested}) flushes the data: the periodic commit leaves rewrites of mapped blocks to the
     * page cache, as writes to any file stay there until a flush asks for them.
     */
    private void commitLocked(boolean requested) throws IOException {
        modes.checkUsable();
        if (!dirty && !requested) {
            return;
        }
        if (dataWritten) { // before the mappings that point at it: a provisioning write sets it first
            dataWritten = false; // before the flush: a write landing after it sets it again
            dataDevice.flush();
        }
        if (!dirty) {
            return;
        }
        try {
            md.commit();
        } catch (IOException | RuntimeException e) {
            throw metadataFailed(e);
        }
        dirty = false;
        modes.checkMetadataSpace(md);
    }

    /** Runs a metadata message under the lock, and commits it. */
    void message(MetadataChange change) throws IOException {
        synchronized (lock) {
            modes.checkUsable();
            modes.checkMessages(options);
            try {
                change.apply(md);
            } catch (IOException | RuntimeException e) {
                throw metadataFailed(e);
            }
            dirty = true;
            commitLocked(false);
        }
    }

    /** A change a pool message makes. */
    interface MetadataChange {
        void apply(ThinMetadata md) throws IOException;
    }

    /** The kernel's pool status line ({@link PoolStatus}), read under the lock. */
    String status() {
        synchronized (lock) {
            return PoolStatus.line(md, modes.mode(), options);
        }
    }

    private void commitPeriodically() {
        while (!Thread.currentThread().isInterrupted()) {
            try {
                Thread.sleep(COMMIT_EVERY_MILLIS);
                synchronized (lock) {
                    if (!modes.failed()) {
                        commitLocked(false);
                    }
                }
            } catch (InterruptedException e) {
                return;
            } catch (IOException e) {
                // logged where it failed; the pool is now read-only or failed
            }
        }
    }
}
