package org.mapperfs.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MountCommandTest {
    @TempDir
    Path dir;

    @Test
    void theReasonIsTheDaemonsLastErrorSinceItStartedWithoutTheLogPrefix() throws Exception {
        Path log = dir.resolve("daemon.log");
        Files.writeString(log, "2026-11-24T03:00:00.000+0000 [ERROR] Daemon - an old failure\n");
        long start = Files.size(log);
        Files.writeString(log, """
                2026-11-24T03:07:32.257+0000 [ERROR] Daemon - mount failed: java.io.IOException: cannot open /dev/fuse: Permission denied
                2026-11-24T03:07:32.303+0000 [INFO] Daemon - all devices flushed and closed
                mapperfs: mounting /m failed (see the message above)
                """, java.nio.file.StandardOpenOption.APPEND);

        assertThat(MountCommand.whyItFailed(log, start))
                .isEqualTo("mount failed: cannot open /dev/fuse: Permission denied");
    }

    @Test
    void withoutAnErrorLineTheLastLineIsTheReason() throws Exception {
        Path log = dir.resolve("daemon.log");
        Files.writeString(log, "starting\nmapperfs: a mapperfs is already mounted at /m\n");

        assertThat(MountCommand.whyItFailed(log, 0)).isEqualTo("a mapperfs is already mounted at /m");
        assertThat(MountCommand.whyItFailed(dir.resolve("none.log"), 0)).contains("no log at");
    }
}
