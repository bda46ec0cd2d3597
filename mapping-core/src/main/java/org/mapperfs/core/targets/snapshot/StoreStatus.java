package org.mapperfs.core.targets.snapshot;

import java.util.Map;
import org.mapperfs.core.Fields;

/**
 * How a COW store shows in a table's status, for {@code snapshot} and {@code snapshot-merge}
 * alike: dm's line, {@code <sectors_allocated>/<total_sectors> <metadata_sectors>}, {@code
 * Invalid}, or {@code Overflow} for {@code PO}; and the same as named fields. One format for
 * both targets (the merge puts its own {@code Merge failed} first), so it lives in neither.
 */
final class StoreStatus {
    private StoreStatus() {}

    /** dm's status of a snapshot or merge: usage, {@code Invalid}, or {@code Overflow} for {@code PO}. */
    static String line(ExceptionStore store) {
        if (!store.isValid()) {
            return store.overflowed() && store.mode().equals("PO") ? "Overflow" : "Invalid";
        }
        long[] u = store.usage();
        return u[0] + "/" + u[1] + " " + u[2];
    }

    /** {@link #line} as named fields: the state, and the sectors used when the store is valid. */
    static Map<String, Object> fields(ExceptionStore store) {
        if (!store.isValid()) {
            return Fields.of("state", store.overflowed() && store.mode().equals("PO") ? "overflow" : "invalid");
        }
        long[] u = store.usage();
        return Fields.of("state", "valid", "allocated_sectors", u[0], "total_sectors", u[1], "metadata_sectors", u[2]);
    }
}
