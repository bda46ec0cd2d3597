package org.mapperfs.core.thin;

import java.nio.file.Path;

/** For tests elsewhere: a metadata file must pass thin_check and the own reference-count checker. */
public final class ThinCheck {
    private ThinCheck() {
    }

    /** Skips (or, in CI, fails) a test where the thin-provisioning tools are missing. */
    public static void require() {
        ThinTools.require();
    }

    public static void passes(Path metadata) throws Exception {
        ThinTools.check(metadata);
        RefCounts.check(metadata);
    }
}
