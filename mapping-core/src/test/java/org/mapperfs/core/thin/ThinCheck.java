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

    /** thin_check -m: the metadata snapshot of live metadata passes. */
    public static void heldPasses(Path metadata) throws Exception {
        ThinTools.Result r = ThinTools.run("thin_check", "-m", metadata.toString());
        org.assertj.core.api.Assertions.assertThat(r.exit()).as("thin_check -m:\n" + r.out() + r.err()).isZero();
    }

    /** thin_dump -m: device {@code id}'s mappings in the metadata snapshot, "virtual data time" each. */
    public static java.util.List<String> heldMappings(Path metadata, long id) throws Exception {
        return ThinTools.mappings(ThinTools.dump(metadata, "-m"), id);
    }

    public static void passes(Path metadata) throws Exception {
        ThinTools.check(metadata);
        RefCounts.check(metadata);
    }
}
