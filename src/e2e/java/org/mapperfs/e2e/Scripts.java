package org.mapperfs.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.stream.Stream;

/** The project's scripts a user runs by hand (examples/, src/bench/), run end to end by the tests. */
final class Scripts {
    private Scripts() {}

    /**
     * Runs examples/SCRIPT as root from a shell would: it must exit 0 and print no "FAILED" (each
     * script checks what it shows and stops with "FAILED: ..." where a check fails), and leave the
     * loop devices, the mounts and the /var/tmp/mapperfs-* work folders as they were.
     */
    static Shell.Result example(String script) throws IOException {
        return run("examples/" + script, List.of(), Map.of("MIRROR_SHOWCASE_NOPAUSE", "1"));
    }

    /** Runs src/bench/SCRIPT with ARGS and ENV, with the same checks as {@link #example}. */
    static Shell.Result bench(String script, Map<String, String> env, String... args) throws IOException {
        return run("src/bench/" + script, List.of(args), env);
    }

    /** A check run while a script is stopped at the line the caller waited for. */
    interface Check {
        void run() throws Exception;
    }

    /**
     * Starts SCRIPT (a path in the repository: src/bench/..., examples/...) with ARGS and ENV as
     * the leader of a process group of its own (with SIGINT at its default, as a terminal starts
     * it), reads its output (standard error joined to it) until a line passes AT, runs CHECK, then interrupts it as Ctrl-C does (SIGINT to the
     * group) and returns its exit status and whole output once it stopped, within two minutes.
     * Should AT never come or CHECK fail, the script is interrupted all the same, so that it
     * cleans up.
     */
    static Shell.Result interrupt(String script, Map<String, String> env, Predicate<String> at, Check check,
            String... args) throws Exception {
        Sandbox.requireKernel();
        // env --default-signal: a shell started in the background (a CI runner's, a nohup) ignores
        // SIGINT, and a program that starts with SIGINT ignored can never trap it; in a terminal it
        // starts at the default, as here.
        List<String> command = new ArrayList<>(List.of("setsid", "env", "--default-signal=INT",
                Sandbox.ROOT.resolve(script).toString()));
        command.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
        pb.environment().putAll(env);
        Process process = pb.start(); // setsid: the script leads a process group of its own, as in a terminal
        StringBuilder out = new StringBuilder();
        try (BufferedReader lines = new BufferedReader(new InputStreamReader(process.getInputStream(),
                StandardCharsets.UTF_8))) {
            try {
                String line;
                while ((line = lines.readLine()) != null && !at.test(line)) {
                    out.append(line).append('\n');
                }
                assertThat(line).as("the line to interrupt " + script + " at, in: " + out).isNotNull();
                out.append(line).append('\n');
                check.run();
            } finally {
                Shell.run("kill", "-INT", "--", "-" + process.pid());
            }
            String line;
            while ((line = lines.readLine()) != null) {
                out.append(line).append('\n');
            }
        }
        assertThat(process.waitFor(2, TimeUnit.MINUTES)).as(script + " stopped by Ctrl-C: " + out).isTrue();
        return new Shell.Result(process.exitValue(), out.toString(), "");
    }

    /**
     * A new folder holding a `sync` that takes Ctrl-C for itself (ignores SIGINT for a second, then
     * syncs and exits 0), to put first in a script's PATH: a shell without an INT trap that waits
     * for it when Ctrl-C comes takes the signal for handled and goes on. The caller removes it.
     */
    static Path syncTakingCtrlC() throws IOException {
        Path shims = Files.createTempDirectory("mapperfs-sigint-shim");
        Path sync = shims.resolve("sync");
        Files.writeString(sync, "#!/bin/bash\ntrap '' INT\nsleep 1\nexec /bin/sync \"$@\"\n");
        assertThat(sync.toFile().setExecutable(true)).isTrue();
        return shims;
    }

    /** Waits, ten seconds at most, for a process whose command line holds {@code text}. */
    static void awaitProcess(String text) throws InterruptedException {
        for (int i = 0; i < 1000 && Shell.run("pgrep", "-f", text).exit() != 0; i++) {
            Thread.sleep(10);
        }
        assertThat(Shell.run("pgrep", "-f", text).exit()).as("a process running " + text).isZero();
    }

    private static Shell.Result run(String script, List<String> args, Map<String, String> env) throws IOException {
        Sandbox.requireKernel();
        Leftovers before = Leftovers.now();
        List<String> command = new ArrayList<>();
        command.add(Sandbox.ROOT.resolve(script).toString());
        command.addAll(args);
        Shell.Result run = Shell.run(command, env, null, null);
        assertThat(run.exit()).as(run.out() + run.err()).isZero();
        assertThat(run.out() + run.err()).doesNotContain("FAILED");
        before.assertSameAfter(script);
        return run;
    }

    /** What a script could leave behind: the loop devices, the work mounts and the work folders. */
    record Leftovers(String loops, List<String> mounts, List<String> folders) {
        static Leftovers now() throws IOException {
            return new Leftovers(Shell.run("losetup", "-a").orFail().out(), workMounts(), workFolders());
        }

        void assertSameAfter(String what) throws IOException {
            Leftovers after = now();
            assertThat(after.loops).as("loop devices after " + what).isEqualTo(loops);
            assertThat(after.mounts).as("mounts after " + what).isEqualTo(mounts);
            assertThat(after.folders).as("work folders after " + what).isEqualTo(folders);
        }
    }

    /**
     * The mounts under /var/tmp/mapperfs-*, where the scripts (and the sandboxes) work, fusectl,
     * which fio-bench.sh mounts for its run where nothing has, and tracefs, which perf mounts for
     * qd1-tail.sh where nothing has.
     */
    private static List<String> workMounts() throws IOException {
        return Files.readAllLines(Path.of("/proc/mounts")).stream()
                .filter(l -> l.contains(" /var/tmp/mapperfs-") || l.contains(" /sys/fs/fuse/connections ")
                        || l.contains(" /sys/kernel/tracing "))
                .sorted().toList();
    }

    private static List<String> workFolders() throws IOException {
        try (Stream<Path> entries = Files.list(Path.of("/var/tmp"))) {
            return entries.map(p -> p.getFileName().toString()).filter(n -> n.startsWith("mapperfs-")).sorted()
                    .toList();
        }
    }
}
