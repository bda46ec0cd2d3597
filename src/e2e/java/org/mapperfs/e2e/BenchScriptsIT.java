package org.mapperfs.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The benchmark scripts behind the README's figures, each in a short form through the kernel (small
 * devices, one-second passes): it must exit 0, print its table with a figure in every row, and
 * leave no mount, loop device or work folder ({@link Scripts#bench}). What the figures are is not
 * checked: speed is the benchmarks' to measure, not the tests'. fio-bench.sh, which takes half an
 * hour, is left to the benchmark runs but for its clean-up on Ctrl-C.
 */
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class BenchScriptsIT {
    private static final Path HALT_POLL = Path.of("/sys/module/haltpoll/parameters/guest_halt_poll_ns");

    @Test
    void daemonAbPrintsEachDaemonsPassWithItsCpu() throws IOException {
        Shell.Result run = Scripts.bench("daemon-ab.sh", Map.of(), "--size", "64M", "--runtime", "1", "--rounds", "1",
                "randread:4k:1", "write:1M:4");

        Matcher pass = Pattern.compile("(?m)^(randread|write)\\s+\\S+\\s+QD\\d+\\s+([AB])\\s+(\\d+) MB/s\\s+(\\d+) IOPS"
                + "\\s+CPU\\s+([\\d.]+) us/MiB").matcher(run.out());
        int passes = 0;
        while (pass.find()) {
            passes++;
            assertThat(Long.parseLong(pass.group(4))).as(pass.group()).isPositive();
            assertThat(Double.parseDouble(pass.group(5))).as(pass.group()).isPositive();
        }
        assertThat(passes).as(run.out()).isEqualTo(4); // two workloads, A then B
    }

    @Test
    void snapshotBenchSetsEveryWorkloadAgainstLinear() throws IOException {
        Shell.Result run = Scripts.bench("snapshot-bench.sh", Map.of(), "--size", "64M", "--runtime", "1");

        rows(run.out(), "P snapshot first writes, seq 1 MiB QD4 (MB/s)",
                "P snapshot first writes, rand 4 KiB QD16 (IOPS)", "P snapshot rewrites, seq 1 MiB QD4 (MB/s)",
                "P snapshot rewrites, rand 4 KiB QD16 (IOPS)",
                "origin writes copying out to 2 P snapshots, seq 1 MiB QD4 (MB/s)",
                "origin writes copying out to 2 P snapshots, rand 4 KiB QD16 (IOPS)");
        assertThat(run.out()).containsPattern("snapshot status: \\d+/\\d+ \\d+; s2: \\d+/\\d+ \\d+");
    }

    @Test
    void thinBenchSetsEveryWorkloadAgainstLinearAndTimesItsCommands() throws IOException {
        Shell.Result run = Scripts.bench("thin-bench.sh", Map.of(), "--size", "64M", "--runtime", "1");

        rows(run.out(), "first writes, seq 1 MiB QD4 (MB/s)", "first writes, rand 4 KiB QD16, one per block (IOPS)",
                "rewrites, seq 1 MiB QD4 (MB/s)", "rewrites, rand 4 KiB QD16 (IOPS)", "reads, rand 4 KiB QD16 (IOPS)",
                "shared blocks copied, seq 1 MiB QD4 (MB/s)", "shared blocks copied, rand 4 KiB QD16 (IOPS)");
        assertThat(run.out()).containsPattern("snapshot creation \\(.*\\): median [\\d.]+ ms, max [\\d.]+ ms")
                .containsPattern("1000 thin devices: create_thin median [\\d.]+ ms");
    }

    @Test
    void targetsBenchMeasuresVerityAndLogWritesBesideLinear() throws IOException {
        Shell.Result run = Scripts.bench("targets-bench.sh", Map.of(), "64", "1");

        for (String device : List.of("lin \\(seq read\\)", "ver \\(seq read\\)", "linw \\(seq write\\)",
                "lw \\(seq write\\)")) {
            Matcher row = Pattern.compile("(?m)^1\\s+" + device + "\\s+(\\d+)$").matcher(run.out());
            assertThat(row.find()).as(device + " in " + run.out()).isTrue();
            assertThat(Long.parseLong(row.group(1))).as(row.group()).isPositive();
        }
    }

    @Test
    void targetsBenchRefusesArgumentsItDoesNotTake() throws IOException {
        Shell.Result run = Shell.run(Sandbox.ROOT.resolve("src/bench/targets-bench.sh").toString(), "--size", "64M");

        assertThat(run.exit()).isEqualTo(2);
        assertThat(run.err()).contains("usage: ").contains("[SIZE_MIB] [PASSES]");
    }

    @Test
    void qd1TailFindsThePercentilesAndWhatTheJvmDidInThePass() throws IOException {
        Shell.Result run = Scripts.bench("qd1-tail.sh", Map.of(), "--size", "64M", "--runtime", "2");

        assertThat(run.out()).containsPattern("QD1 random 4 KiB reads: [1-9]\\d* in 2 s; p50 \\d+, p99 \\d+")
                .contains("per second of the pass").containsPattern("safepoints in the pass: \\d+")
                .containsPattern("garbage collections \\(JFR\\): \\d+ in the daemon's life, \\d+ in the pass");
        // The hops: every read of each pass cut at the kernel's tracepoints.
        for (String label : List.of("raw loop buffered", "mapperfs linear", "qemu-storage-daemon")) {
            assertThat(run.out()).containsPattern("(?m)^" + Pattern.quote(label)
                    + ": [1-9]\\d* reads, submission to the next: p50 [1-9]\\d*, p99 [1-9]\\d* us$");
        }
        Pattern backingRead = Pattern.compile("(?m)^  the daemon's read of the backing file +[1-9]\\d*( +\\d+){3}$");
        assertThat(backingRead.matcher(run.out()).results().count()).as("linear's and the peer's backing reads in "
                + run.out()).isEqualTo(2);
        assertThat(Pattern.compile("ended on another CPU than it began: \\d+ of [1-9]\\d*").matcher(run.out())
                .results().count()).isEqualTo(2);
    }

    /**
     * Where the cpuidle driver is haltpoll, idle-bench.sh measures with the host's halt polling and
     * with another, and puts the host's setting back; elsewhere it refuses, saying why. Whichever
     * the host is, one of the two is checked.
     */
    @Test
    void idleBenchComparesHaltingWithPollingAndPutsTheSettingBack() throws Exception {
        String driver = Files.readString(Path.of("/sys/devices/system/cpu/cpuidle/current_driver")).trim();
        if (!driver.equals("haltpoll") || !Files.isWritable(HALT_POLL)) {
            Shell.Result run = Shell.run(Sandbox.ROOT.resolve("src/bench/idle-bench.sh").toString());
            assertThat(run.exit()).isEqualTo(1);
            assertThat(run.err()).contains("the cpuidle driver is not haltpoll");
            return;
        }
        String before = Files.readString(HALT_POLL).trim();
        String poll = before.equals("200000") ? "100000" : "200000";

        Shell.Result run = Scripts.bench("idle-bench.sh", Map.of("ROUNDS", "1", "POLL_NS", poll), "--size", "64M",
                "--runtime", "1");

        assertThat(Files.readString(HALT_POLL).trim()).as("the host's setting afterwards").isEqualTo(before);
        assertThat(run.out()).containsPattern("(?m)^  polling " + poll + " ns:\\s+raw loop dio [1-9]\\d*, \\d+ / \\d+;"
                + " mapperfs linear [1-9]\\d*, .*qemu-storage-daemon [1-9]\\d*, .*do-nothing [1-9]\\d*, ")
                .containsPattern("linear / qsd at " + poll + " ns, pass by pass: [\\d. ]+; p99 no worse in \\d of 2")
                .containsPattern("(?m)^medians, seq 1 MiB writes QD4: MB/s$");

        interruptedWhilePolling(before, poll);
    }

    /**
     * Ctrl-C (SIGINT to its process group) while the host polls: the script stops and puts the
     * host's setting back, and leaves no mount, loop device, work folder or qemu-storage-daemon.
     * A run that is not interrupted ends on the host's setting anyway (its last passes use it).
     * The signal lands while the script waits for a program that takes it for itself and exits 0
     * (a `sync` first in PATH that ignores SIGINT for a second, then syncs): a shell without an INT
     * trap takes that for handled and goes on (one CI run went on to its end so, the signal taken
     * by a child); the script must stop all the same, with 130.
     */
    private static void interruptedWhilePolling(String before, String poll) throws Exception {
        Path shims = Scripts.syncTakingCtrlC();
        try {
            Scripts.Leftovers leftovers = Scripts.Leftovers.now();
            Shell.Result run = Scripts.interrupt("src/bench/idle-bench.sh", Map.of("ROUNDS", "1", "POLL_NS", poll,
                    "PATH", shims + ":" + System.getenv("PATH")),
                    line -> line.contains("\t" + poll + "\t"),
                    () -> {
                        assertThat(Files.readString(HALT_POLL).trim()).as("the setting while polling").isEqualTo(poll);
                        Scripts.awaitProcess(shims + "/sync"); // the next pass's sync, not the last pass's tee
                    },
                    "--size", "64M", "--runtime", "1");
            assertThat(run.exit()).as(run.out()).isEqualTo(130);
            assertThat(run.out()).contains("idle-bench.sh: interrupted");
            assertThat(Files.readString(HALT_POLL).trim()).as("the host's setting after Ctrl-C").isEqualTo(before);
            leftovers.assertSameAfter("idle-bench.sh stopped by Ctrl-C");
            assertThat(Shell.run("pgrep", "-f", "mapperfs-idle\\.").exit()).as("qemu-storage-daemon or a daemon left")
                    .isEqualTo(1);
        } finally {
            Shell.run("rm", "-rf", shims.toString());
        }
    }

    /**
     * fio-bench.sh (half an hour in full, not run here) interrupted by Ctrl-C with every device
     * attached: in its warm-up with the peers' devices too (2 s after the first device's, so during
     * the second's 3 s of random I/O, whose fio runs in a function), and once its measured passes
     * have begun (without the peers, whose 4 warm-ups would add half a minute to reach them). It
     * says so, exits 130, and leaves no loop device (the peers' exports' too), mount, work folder
     * or peer daemon.
     */
    @ParameterizedTest(name = "at \"{0}\" {1}")
    @CsvSource({"']   raw-dio: write', --peers", "'] pass 1/', ''"})
    @Timeout(value = 10, unit = TimeUnit.MINUTES)
    void fioBenchStoppedByCtrlCLeavesNothing(String at, String peers) throws Exception {
        Scripts.Leftovers leftovers = Scripts.Leftovers.now();
        List<String> args = new ArrayList<>(List.of("--size", "64M", "--runtime", "1", "--repeat", "1"));
        if (!peers.isEmpty()) {
            args.add(peers);
        }
        Shell.Result run = Scripts.interrupt("src/bench/fio-bench.sh", Map.of(), line -> line.contains(at),
                () -> Thread.sleep(at.contains("raw-dio") ? 2000 : 0), args.toArray(String[]::new));
        assertThat(run.out()).contains("] interrupted").contains("] mfs-null: /dev/loop");
        if (!peers.isEmpty()) {
            assertThat(run.out()).containsPattern("\\] qsd-null: /dev/loop\\d+ ");
        }
        assertThat(run.exit()).as(run.out()).isEqualTo(130);
        leftovers.assertSameAfter("fio-bench.sh stopped by Ctrl-C");
        assertThat(Shell.run("pgrep", "-f", "mapperfs-bench\\.").exit()).as("a peer's daemon left").isEqualTo(1);
    }

    /** Each row: the label, then the device's figure, linear's, and their ratio; both figures above 0. */
    private static void rows(String out, String... labels) {
        for (String label : labels) {
            Matcher row = Pattern.compile("(?m)^" + Pattern.quote(label) + "\\s+(\\d+)\\s+(\\d+)\\s+[\\d.]+x$")
                    .matcher(out);
            assertThat(row.find()).as(label + " in " + out).isTrue();
            assertThat(Long.parseLong(row.group(1))).as(row.group()).isPositive();
            assertThat(Long.parseLong(row.group(2))).as(row.group()).isPositive();
        }
    }
}
