package org.mapperfs.e2e;

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

/**
 * nbdkit servers a test starts on Unix sockets, all killed by {@link #close} (after the test has
 * unmounted mapperfs: nbdkit waits for its clients before it exits on SIGTERM). Start them from
 * the test method's own thread: a server started from a thread that ends goes away with it.
 */
final class Nbdkit implements AutoCloseable {
    private final List<Process> started = new ArrayList<>();

    /** Starts {@code nbdkit -f -U SOCKET ARGS...} logging to LOG; returns once it listens. */
    Process serve(Path socket, Path log, String... args) throws Exception {
        return serve(List.of(), socket, log, args);
    }

    /** As {@link #serve(Path, Path, String...)}, with nbdkit's options before its socket's. */
    Process serve(List<String> options, Path socket, Path log, String... args) throws Exception {
        assertThat(Path.of("/usr/bin/nbdkit")).as("nbdkit (src/bin/ensure-deps installs it)").exists();
        Files.deleteIfExists(socket);
        List<String> command = new ArrayList<>(List.of("nbdkit", "-f"));
        command.addAll(options);
        command.addAll(List.of("-U", socket.toString()));
        command.addAll(List.of(args));
        Process p = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        started.add(p);
        awaitListening(socket, p, log);
        return p;
    }

    /**
     * Until a connect succeeds (nbdkit binds before it listens, a connect in between is refused).
     * The probe reads the greeting before it hangs up: a hang-up before nbdkit wrote it can kill
     * nbdkit with SIGPIPE.
     */
    static void awaitListening(Path socket, Process server, Path log) throws Exception {
        for (int i = 0; i < 1000; i++) {
            try (SocketChannel probe = SocketChannel.open(UnixDomainSocketAddress.of(socket))) {
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
        throw new AssertionError("nbdkit does not listen on " + socket + ": " + read(log));
    }

    private static String read(Path log) {
        try {
            return Files.readString(log);
        } catch (IOException e) {
            return "(no log)";
        }
    }

    /** Kills {@code p} at once (SIGKILL: a server that crashed) and waits for it. */
    static void kill(Process p) throws InterruptedException {
        p.destroyForcibly();
        assertThat(p.waitFor(10, TimeUnit.SECONDS)).as("nbdkit killed").isTrue();
    }

    @Override
    public void close() {
        started.forEach(Process::destroyForcibly);
    }
}
