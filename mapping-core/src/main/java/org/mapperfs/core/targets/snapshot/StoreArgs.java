package org.mapperfs.core.targets.snapshot;

import java.io.IOException;
import org.mapperfs.core.BlockDevice;
import org.mapperfs.core.Sectors;
import org.mapperfs.core.TableException;
import org.mapperfs.core.TargetArgs;

/**
 * The table arguments of a COW store, which {@code snapshot} and {@code snapshot-merge} share:
 * {@code <chunksize>}, and the store of mode {@code <P|PO|N>} opened on the COW device once it is
 * claimed. Each target checks which modes it takes, in its own words; parsing the chunk size and
 * opening the store is one thing for both, so it lives in neither.
 */
final class StoreArgs {
    private StoreArgs() {}

    /** Parses {@code <chunksize>}: a power of two, 8 to 1024 sectors. */
    static int chunkSize(TargetArgs args) throws TableException {
        int sectors = args.nextInt("chunksize", 8, 1024);
        if (Integer.bitCount(sectors) != 1) {
            throw args.error("invalid chunksize " + sectors + ": must be a power of two");
        }
        return sectors;
    }

    /** Claims {@code cow} for {@code owner} and opens its store; releases the claim if that fails. */
    static ExceptionStore openStore(TargetArgs args, BlockDevice cow, String mode, int chunkSectors, Object owner)
            throws TableException {
        if (!Origin.claimCow(cow, owner)) {
            throw args.error("COW device " + cow.name() + " is in use by another snapshot or merge");
        }
        try {
            if (mode.equals("N")) {
                if (cow.size() < Sectors.toBytes(chunkSectors)) {
                    throw new IOException(cow.name() + " is smaller than one chunk");
                }
                return new TransientStore(cow, chunkSectors);
            }
            return PersistentStore.open(cow, chunkSectors, mode.equals("PO"));
        } catch (IOException e) {
            Origin.releaseCow(cow, owner);
            throw args.error("COW device: " + e.getMessage());
        }
    }
}
