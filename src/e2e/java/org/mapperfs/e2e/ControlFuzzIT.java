package org.mapperfs.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Fuzzed control commands against a live daemon: valid commands (tables included) mutated by a
 * seeded generator ({@link CommandFuzzer}), each one write to the control file. Afterwards the
 * daemon still answers, a reference device's table and data are as before, nothing appeared
 * outside the mount, and the daemon's log holds one-line refusals only: no internal error, no
 * stack trace. A watchdog fails the run on the first command that takes longer than
 * {@value #WATCHDOG_SECONDS} s, naming it.
 *
 * <p>{@code -Dfuzz.commands=N} (default 3000, the CI form) and {@code -Dfuzz.seed=S} (default 1);
 * src/torture/campaign.sh control-fuzz runs the long form.
 */
class ControlFuzzIT {
    private static final int WATCHDOG_SECONDS = 20;
    private static final int REF_BYTES = 1 << 20;

    private Sandbox s;
    private Path ref;
    private final ExecutorService sender = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "fuzz-sender");
        t.setDaemon(true);
        return t;
    });

    @BeforeEach
    void mount() throws IOException {
        s = new Sandbox("fuzz");
        s.mount();
        ref = s.file("ref.img", REF_BYTES);
        byte[] data = new byte[REF_BYTES];
        new Random(42).nextBytes(data);
        Sandbox.writeAt(ref, 0, data);
        s.file("s0.img", 8L << 20);
        s.file("s1.img", 8L << 20);
        s.create("ref", "0 2048 linear " + ref + " 0");
    }

    @AfterEach
    void cleanUp() {
        sender.shutdownNow();
        if (s != null) {
            s.close();
        }
    }

    @Test
    void fuzzedCommandsChangeNothingTheyShouldNotAndNeverHang() throws Exception {
        int count = Integer.getInteger("fuzz.commands", 3000);
        long seed = Long.getLong("fuzz.seed", 1);
        String refTable = ControlFile.run(s.mnt, "table ref");
        byte[] refData = Files.readAllBytes(ref);
        Set<String> outsideBefore = filesOutsideTheMount();
        CommandFuzzer fuzzer = new CommandFuzzer(new Random(seed), s.dir.resolve("s0.img"), s.dir.resolve("s1.img"));

        int refused = 0;
        long start = System.nanoTime();
        for (int i = 0; i < count; i++) {
            byte[] command = fuzzer.next();
            Future<Boolean> sent = sender.submit(() -> send(command));
            try {
                refused += sent.get(WATCHDOG_SECONDS, TimeUnit.SECONDS) ? 0 : 1;
            } catch (TimeoutException e) {
                throw new AssertionError("command " + i + " (seed " + seed + ") did not finish in " + WATCHDOG_SECONDS
                        + " s: " + CommandFuzzer.show(command));
            }
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        System.out.printf("control fuzz: %d commands (seed %d), %d refused, %d accepted, %.1f s, %.0f/s%n", count,
                seed, refused, count - refused, seconds, count / seconds);
        // Both kinds, or the fuzzer tried only one side of the daemon's checks.
        assertThat(refused).as("commands refused").isPositive();
        assertThat(count - refused).as("commands accepted").isPositive();

        assertThat(ControlFile.run(s.mnt, "version")).startsWith("mapperfs ");
        assertThat(ControlFile.run(s.mnt, "table ref")).isEqualTo(refTable);
        assertThat(Files.readAllBytes(ref)).as("the reference device's backing file").isEqualTo(refData);
        assertThat(Sandbox.readAt(s.mnt.resolve("ref"), 0, REF_BYTES)).as("read through the device").isEqualTo(refData);
        assertThat(filesOutsideTheMount()).isEqualTo(outsideBefore);
        assertStateFolderHoldsTheDevicesOnly();
        long logBytes = Files.size(s.state.resolve("daemon.log"));
        System.out.printf("control fuzz: daemon log %d bytes, %.0f per command%n", logBytes, (double) logBytes / count);
        assertThat(logBytes).as("the daemon's log stays small: refusals are clipped").isLessThan(400L * count + 100_000);
        List<String> internal = new ArrayList<>();
        try (Stream<String> lines = Files.lines(s.state.resolve("daemon.log"), StandardCharsets.ISO_8859_1)) {
            List<String> log = lines.toList();
            for (int i = 0; i < log.size(); i++) {
                String l = log.get(i);
                if (l.contains("[ERROR]") || l.startsWith("\tat ") || l.contains("internal error")) {
                    internal.addAll(log.subList(Math.max(0, i - 2), Math.min(log.size(), i + 12)));
                    break;
                }
            }
        }
        assertThat(internal).as("the daemon's log: an internal error").isEmpty();
    }

    /** One command, one write(2); true if it was taken, false if refused. Reads the reply back. */
    private boolean send(byte[] command) throws IOException {
        try (FileChannel ch = FileChannel.open(s.mnt.resolve("control"), StandardOpenOption.READ,
                StandardOpenOption.WRITE)) {
            boolean ok = true;
            try {
                ch.write(ByteBuffer.wrap(command));
            } catch (IOException e) {
                ok = false;
            }
            ByteBuffer reply = ByteBuffer.allocate(64 * 1024);
            while (ch.read(reply) > 0) {
                reply.clear();
            }
            return ok;
        }
    }

    /** Every file under the sandbox but the mount and the state folder, with its size. */
    private Set<String> filesOutsideTheMount() throws IOException {
        try (Stream<Path> files = Files.walk(s.dir)) {
            return files.filter(p -> !p.startsWith(s.mnt) && !p.startsWith(s.state))
                    .filter(p -> !p.getFileName().toString().matches("s[01]\\.img")) // written by fuzzed devices
                    .map(p -> s.dir.relativize(p) + (Files.isRegularFile(p) ? " " + p.toFile().length() : "/"))
                    .collect(Collectors.toCollection(TreeSet::new));
        }
    }

    private void assertStateFolderHoldsTheDevicesOnly() throws IOException {
        Set<String> expected = new TreeSet<>(List.of("lock", "daemon.log", "daemon.jar"));
        for (String line : ControlFile.run(s.mnt, "ls").lines().toList()) {
            if (!line.startsWith("No devices")) {
                expected.add(line.split("\t")[0] + ".table");
            }
        }
        try (Stream<Path> files = Files.list(s.state)) {
            List<String> names = new ArrayList<>(files.map(p -> p.getFileName().toString()).toList());
            assertThat(new TreeSet<>(names)).isEqualTo(expected);
        }
    }
}
