package org.mapperfs.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The example scripts a newcomer runs, end to end through the kernel, as the README gives them:
 * examples/quickstart.sh (the README's first command) and the showcases, each through
 * {@link Scripts#example} (exit 0, no "FAILED", nothing left behind) and then by what it
 * showed. The examples with tests of their own: crash-consistency.sh (LogWritesIT),
 * dmsetup-power-failure.sh (DmsetupTargetsIT), remote-mirror.sh (RemoteMirrorIT).
 */
@Timeout(value = 10, unit = TimeUnit.MINUTES)
class ExamplesIT {
    @Test
    void theQuickstartBuildsMountsAssemblesFormatsAndCleansUp() throws IOException {
        Shell.Result run = Scripts.example("quickstart.sh");

        assertThat(run.out()).contains("checksum ok: ", "quickstart finished: everything cleaned up.")
                .containsPattern("/dev/loop\\d+: \\d+/\\d+ files") // fsck's summary: clean
                .contains("linear");
    }

    /**
     * Ctrl-C in the quickstart while its ext4 is mounted on the device, landing while the script
     * waits for a program that takes the signal for itself and exits 0 ({@link
     * Scripts#syncTakingCtrlC}): it stops with 130 all the same, and its clean-up leaves no mount,
     * loop device or work folder.
     */
    @Test
    void theQuickstartStopsOnCtrlCAndCleansUp() throws Exception {
        Path shims = Scripts.syncTakingCtrlC();
        try {
            Scripts.Leftovers leftovers = Scripts.Leftovers.now();
            Shell.Result run = Scripts.interrupt("examples/quickstart.sh",
                    Map.of("PATH", shims + ":" + System.getenv("PATH")), line -> line.contains("write 32 MiB and read it back"),
                    () -> Scripts.awaitProcess(shims + "/sync"));
            assertThat(run.exit()).as(run.out()).isEqualTo(130);
            assertThat(run.out()).contains("quickstart.sh: interrupted").doesNotContain("quickstart finished");
            leftovers.assertSameAfter("quickstart.sh stopped by Ctrl-C");
        } finally {
            Shell.run("rm", "-rf", shims.toString());
        }
    }

    @Test
    void theGoldenImageStaysAsItWasUnderItsSnapshot() throws IOException {
        Shell.Result run = Scripts.example("golden-image-snapshot.sh");

        assertThat(run.out()).contains("the golden image is byte for byte what it was",
                "golden-image-snapshot finished: everything cleaned up.");
    }

    @Test
    void theBadSectorsFailWhereTheyAreAndNowhereElse() throws IOException {
        Shell.Result run = Scripts.example("bad-sector.sh");

        assertThat(run.out()).contains("(dd exited with 1)", "block 60: Input/output error",
                "block 67: Input/output error", "block 72: Input/output error", "(cat exited with 1)",
                "reads fine again", "bad-sector finished: everything cleaned up.");
        assertThat(Pattern.compile("block \\d+: Input/output error").matcher(run.out()).results().count())
                .as("blocks that failed").isEqualTo(3);
    }

    @Test
    void droppedWritesAreAcknowledgedAndLost() throws IOException {
        Shell.Result run = Scripts.example("flakey-dropped-writes.sh");

        assertThat(run.out()).contains("your program exited with 0 and was never told of a problem",
                "flakey-dropped-writes finished: everything cleaned up.");
        // What was synced before the writes were dropped is there (so the file system mounts: it
        // was synced whole before); what was written after is not.
        assertThat(run.out()).doesNotContain("the file system does not even mount any more")
                .contains("before.txt: written while the disk was healthy")
                .doesNotContain("after.txt: written while the disk dropped writes");
    }

    @Test
    void theSlowDiskTakesItsDelayAndRequestsWaitSideBySide() throws IOException {
        Shell.Result run = Scripts.example("slow-disk.sh");

        assertThat(run.out()).contains("slow-disk finished: everything cleaned up.");
        // The plain read, then the read through the 200 ms delay: that one takes at least its delay.
        List<Long> took = Pattern.compile("\n  took (\\d+) ms").matcher(run.out()).results()
                .map(m -> Long.parseLong(m.group(1))).toList();
        assertThat(took).as("the timed steps").hasSizeGreaterThanOrEqualTo(2);
        assertThat(took.get(1)).as("a read through the delay").isGreaterThanOrEqualTo(200);
        Matcher together = Pattern.compile("all 8 took (\\d+) ms together").matcher(run.out());
        assertThat(together.find()).isTrue();
        assertThat(Long.parseLong(together.group(1))).as("8 delayed reads at once").isGreaterThanOrEqualTo(200);
    }

    @Test
    void theMirrorShowcaseKeepsTheWriterGoingThroughEveryChange() throws IOException {
        Shell.Result run = Scripts.example("mirror-showcase.sh");

        assertThat(run.out()).contains("a.img and b.img are identical", "checksums ok (",
                "mirror showcase finished: everything cleaned up.");
    }
}
