package org.mapperfs.core.targets.thin;

import java.io.IOException;
import java.util.IdentityHashMap;
import java.util.Map;
import org.mapperfs.core.BlockDevice;

/**
 * The open pools, one per metadata device: the pool tables (a reload makes two for a while) and
 * the thin tables that use a pool share it, and it closes when the last lets go.
 */
final class Pools {
    private static final Map<BlockDevice, Pool> OPEN = new IdentityHashMap<>();
    private static final Map<Pool, Integer> USERS = new IdentityHashMap<>();

    private Pools() {
    }

    /** The pool on {@code metadata}, opened (and formatted if blank) by the first caller; one more user. */
    static Pool acquire(BlockDevice metadata, BlockDevice data, int blockSectors) throws IOException {
        synchronized (OPEN) {
            Pool p = OPEN.get(metadata);
            if (p == null) {
                p = Pool.open(metadata, data, blockSectors);
                OPEN.put(metadata, p);
            } else if (p.blockSectors != blockSectors) {
                throw new IOException("the pool's data block size is " + p.blockSectors + " sectors, not "
                        + blockSectors);
            }
            USERS.merge(p, 1, Integer::sum);
            return p;
        }
    }

    /** One more user of an open pool (a thin table); each needs one {@link #release}. */
    static void retain(Pool p) {
        synchronized (OPEN) {
            USERS.merge(p, 1, Integer::sum);
        }
    }

    static void release(Pool p) {
        synchronized (OPEN) {
            int left = USERS.merge(p, -1, Integer::sum);
            if (left > 0) {
                return;
            }
            USERS.remove(p);
            OPEN.remove(p.metadataDevice);
        }
        p.close();
    }
}
