package org.mapperfs.core.targets.thin;

import java.io.IOException;
import org.mapperfs.core.thin.ThinMetadata;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A pool's mode ({@link PoolMode}), why it left {@code WRITE}, and whether its transaction was
 * aborted: the moves between modes as dm-thin makes them (running out of data or metadata
 * space, a reload growing either, a failed metadata operation, an abort that fails too) and
 * what each mode refuses, each refusal naming the pool and the reason. Apart from {@link Pool},
 * which does the work (the metadata calls, the allocation, the commits, reopening the metadata
 * on an abort) and asks here first whether it may. Guarded by the pool's lock, as {@link
 * SpaceWatch} is.
 */
final class PoolModes {
    private static final Logger log = LoggerFactory.getLogger(PoolModes.class);

    private final String pool;
    private final SpaceWatch space;
    private PoolMode mode = PoolMode.WRITE;
    /** Why the pool left write mode, for errors and the log. */
    private String reason;
    /** The transaction was aborted: blocks handed out before belong to metadata that is gone. */
    private boolean aborted;

    /** The modes of pool {@code pool}; one opened with {@code needs_check} set starts read-only. */
    PoolModes(String pool, SpaceWatch space, boolean needsCheck) {
        this.pool = pool;
        this.space = space;
        if (needsCheck) {
            mode = PoolMode.READ_ONLY;
            reason = "its metadata needs checking (thin_check --clear-needs-check-flag once repaired)";
            log.warn("thin-pool {}: read-only: {}", pool, reason);
        }
    }

    PoolMode mode() {
        return mode;
    }

    boolean failed() {
        return mode == PoolMode.FAIL;
    }

    /** The transaction was aborted: blocks handed out before belong to metadata that is gone. */
    boolean aborted() {
        return aborted;
    }

    void checkUsable() throws IOException {
        if (mode == PoolMode.FAIL) {
            throw new IOException("thin-pool " + pool + " failed: " + reason);
        }
    }

    /** A new block may be given out: the pool is writable and has metadata space to spare. */
    void checkProvisioning(PoolOptions options, ThinMetadata md) throws IOException {
        checkUsable();
        if (options != null && options.readOnly()) {
            throw new IOException("thin-pool " + pool + " is read-only (read_only)");
        }
        checkMetadataSpace(md);
        if (mode.compareTo(PoolMode.OUT_OF_METADATA_SPACE) >= 0) {
            throw new IOException("thin-pool " + pool + " is read-only: " + reason);
        }
    }

    /** A block given out may be mapped: not once the transaction it was given out in was aborted. */
    void checkMapping() throws IOException {
        if (aborted) {
            throw new IOException("thin-pool " + pool + " is read-only: " + reason);
        }
    }

    /**
     * Whether a discard unmaps its block: a pool that gives out no blocks, or a read-only one,
     * takes discards and does nothing, as the kernel's does.
     */
    boolean unmaps(PoolOptions options) {
        return !(mode.compareTo(PoolMode.OUT_OF_METADATA_SPACE) >= 0 || options != null && options.readOnly());
    }

    void checkMessages(PoolOptions options) throws IOException {
        if (!mode.takesMessages() || options != null && options.readOnly()) {
            throw new IOException("the pool is read-only and takes no messages"
                    + (reason == null ? "" : ": " + reason));
        }
    }

    /** No data block is free: a writable pool is now out of data space, and raises its event. */
    void outOfDataSpace(long dataBlocks) {
        if (mode == PoolMode.WRITE) {
            mode = PoolMode.OUT_OF_DATA_SPACE;
            log.warn("thin-pool {}: out of data space ({} blocks)", pool, dataBlocks);
            space.raise();
        }
    }

    /** The data device grew: a pool out of data space gives out blocks again. */
    void dataGrown() {
        if (mode == PoolMode.OUT_OF_DATA_SPACE) {
            mode = PoolMode.WRITE;
        }
    }

    /** The metadata device grew: a pool out of metadata space gives out blocks again once enough is free. */
    void metadataGrown(ThinMetadata md) {
        if (mode == PoolMode.OUT_OF_METADATA_SPACE && !space.metadataShort(md)) {
            mode = PoolMode.WRITE;
            reason = null;
        }
    }

    /**
     * In a mode that gives out blocks, free metadata blocks below the reserve stop that
     * ({@code OUT_OF_METADATA_SPACE}) until the metadata device grows.
     */
    void checkMetadataSpace(ThinMetadata md) {
        if ((mode == PoolMode.WRITE || mode == PoolMode.OUT_OF_DATA_SPACE) && space.metadataShort(md)) {
            mode = PoolMode.OUT_OF_METADATA_SPACE;
            reason = "out of metadata space (" + SpaceWatch.freeMetadata(md) + " of " + md.metadataBlocks()
                    + " blocks free); grow the metadata device and reload the pool";
            log.error("thin-pool {}: {}", pool, reason);
            space.raise();
        }
    }

    /**
     * A metadata operation failed ({@code what}): true if this aborts the transaction, and the
     * pool then reopens its metadata at the last commit and calls {@link #readOnly} or, if that
     * fails, {@link #fail}; false if the pool had failed or aborted already.
     */
    boolean abort(String what) {
        if (mode == PoolMode.FAIL || aborted) {
            return false;
        }
        log.error("thin-pool {}: a metadata operation failed ({}); aborting the transaction", pool, what);
        aborted = true;
        return true;
    }

    /** The abort reopened the metadata and marked it needs_check: read-only until the tools clear it. */
    void readOnly(String what) {
        mode = PoolMode.READ_ONLY;
        reason = "a metadata operation failed (" + what + "); the metadata needs checking";
        log.error("thin-pool {}: read-only, needs_check set", pool);
    }

    /** The abort failed too: the pool fails all I/O. */
    void fail(String what, Throwable again) {
        mode = PoolMode.FAIL;
        reason = what + ", and the abort failed too: " + again.getMessage();
        log.error("thin-pool {}: failed: {}", pool, reason);
    }
}
