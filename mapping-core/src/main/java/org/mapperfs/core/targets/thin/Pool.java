package org.mapperfs.core.targets.thin;

import java.io.IOException;
import java.util.IdentityHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.mapperfs.core.BlockDevice;
import org.mapperfs.core.thin.ThinMetadata;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A thin pool: its metadata, its data device cut into blocks, and the thin devices' shared
 * state. One per metadata device, however many pool tables (a reload) and thin tables use it;
 * it goes when the last lets go. Metadata calls are serialized on the metadata; data I/O runs
 * outside that lock. Changes are committed at a flush, a message, a suspend, and once a second,
 * as the kernel commits them.
 */
final class Pool {
    private static final Logger log = LoggerFactory.getLogger(Pool.class);
    private static final Map<BlockDevice, Pool> POOLS = new IdentityHashMap<>();
    /** How long a write waits for data space before it fails (the kernel's no_space_timeout). */
    static final long NO_SPACE_TIMEOUT_SECONDS = 60;
    private static final long COMMIT_EVERY_MILLIS = 1_000;

    final BlockDevice metadataDevice;
    final int blockSectors;
    final long blockBytes;
    final Cells cells = new Cells();
    private final ThinMetadata md;
    private final Thread committer;
    private volatile BlockDevice dataDevice;
    private volatile PoolOptions options;
    private Runnable lowWaterEvent = () -> {};
    private boolean lowWaterTriggered;
    /** Metadata changed since the last commit. */
    private boolean dirty;
    /** Data written since the data device's last flush (set after each write lands). */
    private volatile boolean dataWritten;
    private boolean outOfSpace;
    private String failure;
    private int users;

    private Pool(BlockDevice metadata, BlockDevice data, int blockSectors, ThinMetadata md) {
        this.metadataDevice = metadata;
        this.dataDevice = data;
        this.blockSectors = blockSectors;
        this.blockBytes = blockSectors * 512L;
        this.md = md;
        this.committer = new Thread(this::commitPeriodically, "thin-pool-commit");
        committer.setDaemon(true);
        committer.start();
    }

    /** The pool on {@code metadata}, opened (and formatted if blank) by the first caller. */
    static Pool acquire(BlockDevice metadata, BlockDevice data, int blockSectors) throws IOException {
        synchronized (POOLS) {
            Pool p = POOLS.get(metadata);
            if (p == null) {
                p = new Pool(metadata, data, blockSectors,
                        ThinMetadata.open(metadata, blockSectors, data.size() / (blockSectors * 512L)));
                POOLS.put(metadata, p);
                log.info("thin-pool {}: {} of {} data blocks and {} of {} metadata blocks in use, {} devices",
                        metadata.name(), p.md.usedDataBlocks(), p.md.dataBlocks(), p.md.usedMetadataBlocks(),
                        p.md.metadataBlocks(), p.md.devices().size());
            } else if (p.blockSectors != blockSectors) {
                throw new IOException("the pool's data block size is " + p.blockSectors + " sectors, not "
                        + blockSectors);
            }
            p.users++;
            return p;
        }
    }

    /** One more user (a thin table); each needs one {@link #release}. */
    void retain() {
        synchronized (POOLS) {
            users++;
        }
    }

    void release() {
        synchronized (POOLS) {
            if (--users > 0) {
                return;
            }
            POOLS.remove(metadataDevice);
        }
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
     * data device grows the pool (a failure to record it fails the pool).
     */
    void configure(PoolOptions o, BlockDevice data, Runnable lowWater) {
        synchronized (md) {
            options = o;
            dataDevice = data;
            lowWaterEvent = lowWater;
            lowWaterTriggered = false; // re-armed at every resume
            long blocks = data.size() / blockBytes;
            if (blocks > md.dataBlocks()) {
                try {
                    dataDevice.flush();
                    md.growData(blocks);
                    dirty = false;
                    log.info("thin-pool {}: data grown to {} blocks", metadataDevice.name(), blocks);
                    outOfSpace = false;
                    md.notifyAll();
                } catch (IOException e) {
                    failure = e.getMessage();
                    log.error("thin-pool {}: cannot grow the data space: {}", metadataDevice.name(), e.toString());
                }
            }
            checkLowWater();
        }
    }

    ThinMetadata.Mapping lookup(long dev, long block) throws IOException {
        synchronized (md) {
            return md.lookup(dev, block);
        }
    }

    boolean shared(long dev, ThinMetadata.Mapping m) {
        synchronized (md) {
            return md.shared(dev, m);
        }
    }

    /** Checks a device exists, for a thin table naming it. */
    void checkDevice(long dev) throws IOException {
        synchronized (md) {
            if (md.details(dev) == null) {
                throw new IOException("thin-pool " + metadataDevice.name() + " has no device " + dev);
            }
        }
    }

    ThinMetadata.Details details(long dev) {
        synchronized (md) {
            return md.details(dev);
        }
    }

    long highestMapped(long dev) throws IOException {
        synchronized (md) {
            return md.highestMapped(dev);
        }
    }

    /**
     * A data block for a new mapping. With none free: a commit first (blocks freed in this
     * transaction come back); then, with error_if_no_space, an error at once, else waiting for
     * the data device to grow (a reload) until the no-space timeout.
     */
    long allocate() throws IOException {
        synchronized (md) {
            checkWritable();
            long d = md.allocateData();
            if (d < 0 && dirty) {
                commitLocked(false);
                d = md.allocateData();
            }
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(NO_SPACE_TIMEOUT_SECONDS);
            while (d < 0) {
                if (!outOfSpace) {
                    outOfSpace = true;
                    log.warn("thin-pool {}: out of data space ({} blocks)", metadataDevice.name(), md.dataBlocks());
                    lowWaterEvent.run();
                }
                if (options.errorIfNoSpace()) {
                    throw new IOException("thin-pool " + metadataDevice.name() + ": out of data space");
                }
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    throw new IOException("thin-pool " + metadataDevice.name() + ": out of data space for "
                            + NO_SPACE_TIMEOUT_SECONDS + " s");
                }
                try {
                    TimeUnit.NANOSECONDS.timedWait(md, left);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IOException("interrupted while waiting for data space", e);
                }
                d = md.allocateData();
            }
            dirty = true;
            checkLowWater();
            return d;
        }
    }

    void releaseBlock(long d) {
        synchronized (md) {
            md.releaseData(d);
            dirty = true; // its count may have been committed while held
        }
    }

    void map(long dev, long block, long d) throws IOException {
        synchronized (md) {
            md.map(dev, block, d);
            dirty = true;
        }
    }

    /**
     * Unmaps a block (a discard). Returns its data block if no mapping holds it any more, else
     * -1; a block returned is held until {@link #releaseBlock}, so that it is not handed out
     * again while the discard passed down to it is under way.
     */
    long unmap(long dev, long block) throws IOException {
        synchronized (md) {
            checkWritable();
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
        }
    }

    private void checkWritable() throws IOException {
        if (failure != null) {
            throw new IOException("thin-pool " + metadataDevice.name() + " failed: " + failure);
        }
        if (options != null && options.readOnly()) {
            throw new IOException("thin-pool " + metadataDevice.name() + " is read-only");
        }
    }

    private void checkLowWater() {
        long free = md.dataBlocks() - md.usedDataBlocks();
        if (!lowWaterTriggered && options != null && free <= options.lowWater()) {
            lowWaterTriggered = true;
            log.info("thin-pool {}: {} free data blocks, at the low water mark {}", metadataDevice.name(), free,
                    options.lowWater());
            lowWaterEvent.run();
        }
    }

    /** Makes every change so far durable (a flush from above): the data device first, then the metadata. */
    void commit() throws IOException {
        synchronized (md) {
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
        if (failure != null || !dirty && !requested) {
            return;
        }
        try {
            if (dataWritten) { // before the mappings that point at it: a provisioning write sets it first
                dataWritten = false; // before the flush: a write landing after it sets it again
                dataDevice.flush();
            }
            if (!dirty) {
                return;
            }
            md.commit();
            dirty = false;
        } catch (IOException | RuntimeException e) {
            failure = e.getMessage();
            log.error("thin-pool {}: commit failed, the pool fails I/O from now on: {}", metadataDevice.name(),
                    e.toString());
            throw e instanceof IOException io ? io : new IOException(e.getMessage(), e);
        }
    }

    /** Runs a metadata message under the lock, and commits it. */
    void message(MetadataChange change) throws IOException {
        synchronized (md) {
            checkWritable();
            change.apply(md);
            dirty = true;
            commitLocked(false);
        }
    }

    /** A change a pool message makes. */
    interface MetadataChange {
        void apply(ThinMetadata md) throws IOException;
    }

    /** The kernel's pool status line. */
    String status() {
        synchronized (md) {
            if (failure != null) {
                return "Fail";
            }
            long metaTotal = md.metadataBlocks();
            long reserve = Math.min(4096, metaTotal / 10);
            PoolOptions o = options;
            String mode = o != null && o.readOnly() ? "ro" : outOfSpace ? "out_of_data_space" : "rw";
            return md.transactionId() + " " + Math.min(metaTotal, md.usedMetadataBlocks() + reserve) + "/" + metaTotal
                    + " " + md.usedDataBlocks() + "/" + md.dataBlocks() + " "
                    + (md.heldRoot() == 0 ? "-" : Long.toString(md.heldRoot())) + " " + mode + " "
                    + (o == null ? "discard_passdown" : o.discardWord()) + " "
                    + (o != null && o.errorIfNoSpace() ? "error_if_no_space" : "queue_if_no_space") + " - "
                    + Math.min(1024, metaTotal / 4);
        }
    }

    private void commitPeriodically() {
        while (!Thread.currentThread().isInterrupted()) {
            try {
                Thread.sleep(COMMIT_EVERY_MILLIS);
                synchronized (md) {
                    commitLocked(false);
                }
            } catch (InterruptedException e) {
                return;
            } catch (IOException e) {
                // logged where it failed; the pool now fails I/O
            }
        }
    }
}
