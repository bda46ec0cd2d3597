package org.mapperfs.core.nbd;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;

/**
 * nbdkit servers for a test, each on a Unix socket in the test's directory, all killed by
 * {@link #close}. nbdkit is the NBD project's reference server; missing, it fails the test in CI
 * and skips it elsewhere.
 */
public final class NbdServers implements AutoCloseable {
    private final Path dir;
    private final List<Process> started = new ArrayList<>();

    public NbdServers(Path dir) {
        this.dir = dir;
    }

    /** Starts {@code nbdkit -f -U dir/SOCKET ARGS...}; returns once it listens. */
    public Process serve(String socket, String... args) throws Exception {
        boolean ci = "true".equalsIgnoreCase(System.getenv("CI"));
        boolean present = Files.isExecutable(Path.of("/usr/bin/nbdkit"));
        if (ci && !present) {
            throw new AssertionError("nbdkit is missing (src/bin/ensure-deps installs it)");
        }
        Assumptions.assumeTrue(present, "nbdkit is not installed (src/bin/ensure-deps installs it)");
        Path sock = socket(socket);
        Files.deleteIfExists(sock);
        List<String> command = new ArrayList<>(List.of("nbdkit", "-f", "-U", sock.toString()));
        command.addAll(List.of(args));
        Path log = dir.resolve(socket + ".log");
        Process p = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        started.add(p);
        awaitListening(sock, p, log);
        return p;
    }

    /** The socket's path, dir/SOCKET. */
    public Path socket(String socket) {
        return dir.resolve(socket);
    }

    /** The URI of the export on dir/SOCKET. */
    public String uri(String socket) {
        return "nbd+unix:///?socket=" + socket(socket);
    }

    /**
     * nbdkit binds its socket before it listens: until a connect succeeds, one may be refused.
     * The probe reads the greeting before it hangs up: a hang-up before nbdkit wrote it can kill
     * nbdkit with SIGPIPE.
     */
    private static void awaitListening(Path sock, Process server, Path log) throws Exception {
        for (int i = 0; i < 1000; i++) {
            try (SocketChannel probe = SocketChannel.open(UnixDomainSocketAddress.of(sock))) {
                ByteBuffer greeting = ByteBuffer.allocate(18);
                while (greeting.hasRemaining() && probe.read(greeting) >= 0) {
                    // the 18 bytes come at once
                }
                return;
            } catch (IOException refused) {
                assertThat(server.isAlive()).as(() -> "nbdkit died: " + read(log)).isTrue();
                Thread.sleep(10);
            }
        }
        throw new AssertionError("nbdkit does not listen on " + sock + ": " + read(log));
    }

    private static String read(Path log) {
        try {
            return Files.readString(log);
        } catch (IOException e) {
            return "(no log)";
        }
    }

    /** Kills {@code p} and waits for it. */
    public static void kill(Process p) throws InterruptedException {
        p.destroyForcibly();
        p.waitFor(10, TimeUnit.SECONDS);
    }

    /** Stops (SIGSTOP) or continues (SIGCONT) {@code p}: a stopped server takes connections and reads nothing. */
    public static void signal(Process p, String signal) throws Exception {
        new ProcessBuilder("kill", "-" + signal, Long.toString(p.pid())).start().waitFor();
    }

    @Override
    public void close() {
        for (Process p : started) {
            try {
                signal(p, "CONT");
            } catch (Exception e) {
                // killed below anyway
            }
            p.destroyForcibly();
        }
    }
}
