package org.mapperfs.core.targets.mirror;

import java.io.InterruptedIOException;
import java.util.HashMap;
import java.util.Map;
import org.mapperfs.core.Interrupts;

/**
 * Keeps a mirror's resync copy and user writes of the same region apart, so that no write can
 * land on the primary after the copy read it but reach a copied leg before the copy wrote it
 * (which would leave the legs different with the region marked in sync):
 * <ul>
 *   <li>a write waits while the region it touches is being copied;</li>
 *   <li>a copy announces its region first (new writes of it then wait) and waits until the
 *       writes already in flight there have reached every leg.</li>
 * </ul>
 * Writes of other regions, and reads, never wait. One copy runs at a time.
 *
 * <p>Guarded by {@code this}: {@code writers} (in-flight writes per region) and {@code copying}.
 */
final class RegionLocks {
    private final Map<Long, Integer> writers = new HashMap<>();
    private long copying = -1;

    /** Waits until no region in {@code [first, last]} is being copied, then counts the write in. */
    synchronized void beginWrite(long first, long last) throws InterruptedIOException {
        while (copying >= first && copying <= last) {
            Interrupts.await(this, "a mirror region");
        }
        for (long r = first; r <= last; r++) {
            writers.merge(r, 1, Integer::sum);
        }
    }

    synchronized void endWrite(long first, long last) {
        for (long r = first; r <= last; r++) {
            writers.computeIfPresent(r, (k, n) -> n == 1 ? null : n - 1);
        }
        notifyAll();
    }

    /** Claims {@code region} for a copy and waits for its in-flight writes to finish. */
    synchronized void beginCopy(long region) throws InterruptedIOException {
        copying = region;
        try {
            while (writers.containsKey(region)) {
                Interrupts.await(this, "a mirror region");
            }
        } catch (InterruptedIOException e) {
            endCopy();
            throw e;
        }
    }

    synchronized void endCopy() {
        copying = -1;
        notifyAll();
    }
}
