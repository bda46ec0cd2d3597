package org.mapperfs.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The example scripts a newcomer runs, end to end through the kernel, as the README gives them:
 * examples/quickstart.sh (the README's first command) and the showcases. Each script checks
 * what it shows and exits non-zero with "FAILED: ..." if a check fails; here each must exit 0,
 * print what it showed, and leave no mount, loop device or work folder behind. The examples with
 * tests of their own: crash-consistency.sh (LogWritesIT), dmsetup-power-failure.sh
 * (DmsetupTargetsIT), remote-mirror.sh (RemoteMirrorIT).
 */
@Timeout(value = 10, unit = TimeUnit.MINUTES)
class ExamplesIT {
    /** Runs examples/SCRIPT as root from a shell would, and checks it left nothing behind. */
    private static Shell.Result runExample(String script) throws IOException {
        Sandbox.requireKernel();
        String loopsBefore = Shell.run("losetup", "-a").orFail().out();
        List<String> mountsBefore = workMounts();
        List<String> foldersBefore = workFolders();
        Shell.Result run = Shell.run(List.of(Sandbox.ROOT.resolve("examples/" + script).toString()),
                Map.of("MIRROR_SHOWCASE_NOPAUSE", "1"), null, null);
        assertThat(run.exit()).as(run.out() + run.err()).isZero();
        assertThat(run.out() + run.err()).doesNotContain("FAILED");
        assertThat(Shell.run("losetup", "-a").orFail().out()).as("loop devices after " + script)
                .isEqualTo(loopsBefore);
        assertThat(workMounts()).as("mounts after " + script).isEqualTo(mountsBefore);
        assertThat(workFolders()).as("work folders after " + script).isEqualTo(foldersBefore);
        return run;
    }

    /** The mounts under /var/tmp/mapperfs-*, where the examples (and the sandboxes) work. */
    private static List<String> workMounts() throws IOException {
        return Files.readAllLines(Path.of("/proc/mounts")).stream().filter(l -> l.contains(" /var/tmp/mapperfs-"))
                .sorted().toList();
    }

    private static List<String> workFolders() throws IOException {
        try (Stream<Path> entries = Files.list(Path.of("/var/tmp"))) {
            return entries.map(p -> p.getFileName().toString()).filter(n -> n.startsWith("mapperfs-")).sorted()
                    .toList();
        }
    }

    @Test
    void theQuickstartBuildsMountsAssemblesFormatsAndCleansUp() throws IOException {
        Shell.Result run = runExample("quickstart.sh");

        assertThat(run.out()).contains("checksum ok: ", "quickstart finished: everything cleaned up.")
                .containsPattern("/dev/loop\\d+: \\d+/\\d+ files") // fsck's summary: clean
                .contains("linear");
    }

    @Test
    void theGoldenImageStaysAsItWasUnderItsSnapshot() throws IOException {
        Shell.Result run = runExample("golden-image-snapshot.sh");

        assertThat(run.out()).contains("the golden image is byte for byte what it was",
                "golden-image-snapshot finished: everything cleaned up.");
    }

    @Test
    void theBadSectorsFailWhereTheyAreAndNowhereElse() throws IOException {
        Shell.Result run = runExample("bad-sector.sh");

        assertThat(run.out()).contains("(dd exited with 1)", "block 60: Input/output error",
                "block 67: Input/output error", "block 72: Input/output error", "(cat exited with 1)",
                "reads fine again", "bad-sector finished: everything cleaned up.");
        assertThat(Pattern.compile("block \\d+: Input/output error").matcher(run.out()).results().count())
                .as("blocks that failed").isEqualTo(3);
    }

    @Test
    void droppedWritesAreAcknowledgedAndLost() throws IOException {
        Shell.Result run = runExample("flakey-dropped-writes.sh");

        assertThat(run.out()).contains("your program exited with 0 and was never told of a problem",
                "flakey-dropped-writes finished: everything cleaned up.");
        // What was synced before the writes were dropped is there; what was written after is not.
        if (!run.out().contains("the file system does not even mount any more")) {
            assertThat(run.out()).contains("before.txt: written while the disk was healthy")
                    .doesNotContain("after.txt: written while the disk dropped writes");
        }
    }

    @Test
    void theSlowDiskTakesItsDelayAndRequestsWaitSideBySide() throws IOException {
        Shell.Result run = runExample("slow-disk.sh");

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
        Shell.Result run = runExample("mirror-showcase.sh");

        assertThat(run.out()).contains("a.img and b.img are identical", "checksums ok (",
                "mirror showcase finished: everything cleaned up.");
    }
}
