package org.mapperfs.core.targets.thin;

import org.mapperfs.core.thin.ThinMetadata;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A pool's free space, watched as the kernel watches it: one event when free data blocks fall
 * to the table's low water mark, one when free metadata blocks fall to min(1024, a quarter)
 * above the reserve, both re-armed at every resume; and the metadata reserve, min(4096, a
 * tenth) of the blocks, kept back for commits. Guarded by the pool's lock.
 */
final class SpaceWatch {
    private static final Logger log = LoggerFactory.getLogger(SpaceWatch.class);

    private final String pool;
    private Runnable event = () -> {};
    private boolean dataLow;
    private boolean metadataLow;

    SpaceWatch(String pool) {
        this.pool = pool;
    }

    /** A resume: events go to {@code event}, and each may fire once more. */
    void rearm(Runnable to) {
        event = to;
        dataLow = false;
        metadataLow = false;
    }

    /** Raises the device's event (out of data space, out of metadata space). */
    void raise() {
        event.run();
    }

    static long metadataReserve(ThinMetadata md) {
        return Math.min(4096, md.metadataBlocks() / 10);
    }

    static long freeMetadata(ThinMetadata md) {
        return md.metadataBlocks() - md.usedMetadataBlocks();
    }

    /** The metadata low water mark, as the status line's last field gives it. */
    static long metadataLowWater(ThinMetadata md) {
        return Math.min(1024, md.metadataBlocks() / 4);
    }

    void checkData(ThinMetadata md, PoolOptions o) {
        long free = md.dataBlocks() - md.usedDataBlocks();
        if (!dataLow && o != null && free <= o.lowWater()) {
            dataLow = true;
            log.info("thin-pool {}: {} free data blocks, at the low water mark {}", pool, free, o.lowWater());
            event.run();
        }
    }

    /** Raises the metadata low water event once; true if free metadata blocks are below the reserve. */
    boolean metadataShort(ThinMetadata md) {
        long free = freeMetadata(md);
        if (!metadataLow && free <= metadataLowWater(md) + metadataReserve(md)) {
            metadataLow = true;
            log.info("thin-pool {}: {} free metadata blocks, at the metadata low water mark", pool, free);
            event.run();
        }
        return free < metadataReserve(md);
    }
}
