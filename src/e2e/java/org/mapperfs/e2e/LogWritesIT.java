package org.mapperfs.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * log-writes through the kernel: ext4 on a log-writes device, its log replayed to every flush
 * point (each one mounts and fscks clean) and to a mark set after an fsync (the file is there),
 * by the crash-consistency example.
 */
@Timeout(value = 600, unit = TimeUnit.SECONDS)
class LogWritesIT {
    @Test
    void theCrashConsistencyExamplePassesAtEveryFlushPoint() {
        Sandbox.requireKernel();

        Shell.Result run = Shell.run(Sandbox.ROOT.resolve("examples/crash-consistency.sh").toString());

        assertThat(run.exit()).as(run.out() + run.err()).isZero();
        assertThat(run.out()).contains("ok: every flush point mounts and fscks clean",
                "ok: the fsync'd file is there at the mark").containsPattern("every flush point passed .* \\(\\d{2,}"
                        + " points\\)").doesNotContain("FAILED");
    }
}
