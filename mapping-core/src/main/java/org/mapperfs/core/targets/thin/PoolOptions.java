package org.mapperfs.core.targets.thin;

import java.util.List;
import org.mapperfs.core.TableException;
import org.mapperfs.core.TargetArgs;

/** A thin-pool table's low water mark and features. */
record PoolOptions(long lowWater, boolean skipZeroing, boolean ignoreDiscard, boolean discardPassdown,
        boolean readOnly, boolean errorIfNoSpace) {

    static PoolOptions parse(long lowWater, List<String> features, TargetArgs args) throws TableException {
        boolean skip = false;
        boolean ignore = false;
        boolean passdown = true;
        boolean ro = false;
        boolean error = false;
        for (String f : features) {
            switch (f) {
                case "skip_block_zeroing" -> skip = true;
                case "ignore_discard" -> ignore = true;
                case "no_discard_passdown" -> passdown = false;
                case "read_only" -> ro = true;
                case "error_if_no_space" -> error = true;
                default -> throw args.error("unknown feature '" + f + "' (skip_block_zeroing, "
                        + "ignore_discard, no_discard_passdown, read_only, error_if_no_space)");
            }
        }
        return new PoolOptions(lowWater, skip, ignore, passdown, ro, error);
    }

    /** The features that differ from the defaults, as the table prints them. */
    List<String> words() {
        List<String> w = new java.util.ArrayList<>();
        if (skipZeroing) {
            w.add("skip_block_zeroing");
        }
        if (ignoreDiscard) {
            w.add("ignore_discard");
        }
        if (!discardPassdown) {
            w.add("no_discard_passdown");
        }
        if (readOnly) {
            w.add("read_only");
        }
        if (errorIfNoSpace) {
            w.add("error_if_no_space");
        }
        return w;
    }

    String discardWord() {
        return ignoreDiscard ? "ignore_discard" : discardPassdown ? "discard_passdown" : "no_discard_passdown";
    }
}
