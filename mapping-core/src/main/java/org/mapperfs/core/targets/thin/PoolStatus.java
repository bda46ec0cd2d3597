package org.mapperfs.core.targets.thin;

import org.mapperfs.core.thin.ThinMetadata;

/**
 * The kernel's thin-pool status line, in the grammar {@link ThinPoolTarget} opens with: the
 * transaction id, metadata and data blocks used of all, the held root, the mode, the discard and
 * no-space features, needs_check and the metadata low water mark. How the pool reports itself,
 * apart from {@link Pool}, which keeps what is reported and holds its lock while this reads it.
 */
final class PoolStatus {
    private PoolStatus() {
    }

    /** The line for a pool in {@code mode} with options {@code o} (none before a table went live). */
    static String line(ThinMetadata md, PoolMode mode, PoolOptions o) {
        if (mode == PoolMode.FAIL) {
            return "Fail";
        }
        long metaTotal = md.metadataBlocks();
        String word = o != null && o.readOnly() ? "ro" : mode.word;
        long metaUsed = Math.min(metaTotal, md.usedMetadataBlocks() + SpaceWatch.metadataReserve(md));
        return md.transactionId() + " " + metaUsed + "/" + metaTotal + " " + md.usedDataBlocks() + "/"
                + md.dataBlocks() + " " + (md.heldRoot() == 0 ? "-" : Long.toString(md.heldRoot())) + " " + word + " "
                + (o == null ? "discard_passdown" : o.discardWord()) + " "
                + (o != null && o.errorIfNoSpace() ? "error_if_no_space" : "queue_if_no_space") + " "
                + (md.needsCheck() ? "needs_check" : "-") + " " + SpaceWatch.metadataLowWater(md);
    }
}
