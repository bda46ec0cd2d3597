package org.mapperfs.cli.dmsetup;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.mapperfs.core.TargetRegistry;

/** What dmsetup answers without a mount (never started here: the mount point cannot exist). */
class DmsetupTest {
    private static final Path NOWHERE = Path.of("/proc/mapperfs-test/mnt");
    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    private int run(String... argv) {
        return new Dmsetup(new PrintWriter(out, true), new PrintWriter(err, true),
                new ByteArrayInputStream(new byte[0]), NOWHERE, NOWHERE).run(List.of(argv));
    }

    @Test
    void targetsListsEveryTargetMapperfsServesWithTheKernelVersionItFollows() {
        assertThat(run("targets")).isZero();

        List<String> lines = out.toString().lines().toList();
        assertThat(lines).hasSize(TargetRegistry.standard().types().size());
        assertThat(lines).contains("linear           v1.4.0", "snapshot-origin  v1.9.0", "zero             v1.2.0");
        assertThat(lines).allMatch(l -> l.matches("[a-z-]+ +v\\d+\\.\\d+\\.\\d+"));
    }

    @Test
    void versionPrintsTwoLinesWhateverTheOptions() {
        assertThat(run("--verbose", "version")).isZero();
        assertThat(run("--version")).isZero();

        assertThat(out.toString()).startsWith("Library version:   ").contains("\nDriver version:    4.");
    }

    @Test
    void anUnknownCommandFailsWithoutStartingAnything() {
        assertThat(run("frobnicate", "x")).isEqualTo(Dmsetup.FAILED);

        assertThat(err.toString()).startsWith("Unknown command: frobnicate").endsWith("Command failed.\n");
        assertThat(out.toString()).isEmpty();
    }

    @Test
    void aBadOptionPrintsUsageAndFails() {
        assertThat(run("ls", "--colour")).isEqualTo(Dmsetup.FAILED);

        assertThat(err.toString()).startsWith("dmsetup: unrecognized option '--colour'\nUsage:");
    }

    @Test
    void udevCommandsAreAcceptedAndDoNothing() {
        assertThat(run("udevcomplete_all")).isZero();
        assertThat(run("--noudevsync", "udevcreatecookie")).isZero();
        assertThat(run("udevreleasecookie", "0")).isZero();
        assertThat(err.toString()).isEmpty();
    }

    @Test
    void helpGoesToStandardOutput() {
        assertThat(run("--help")).isZero();
        assertThat(out.toString()).startsWith("Usage:").contains("remove [--deferred] [-f|--force] [--retry]");
    }
}
