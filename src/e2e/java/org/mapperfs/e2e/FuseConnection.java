package org.mapperfs.e2e;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * The kernel's side of one FUSE mount, as the fusectl file system shows it: how many requests it
 * has sent the daemon and not had answered yet. Mounts fusectl if nothing has; {@link #close()}
 * unmounts it again then.
 */
final class FuseConnection implements AutoCloseable {
    private static final Path FUSECTL = Path.of("/sys/fs/fuse/connections");

    private final Path waiting;
    private final Path abort;
    private final boolean mountedFusectl;

    FuseConnection(Path mountPoint) {
        // The connection's number first: a failure here leaves nothing mounted behind.
        String dev = Shell.run("stat", "-c", "%d", mountPoint.toString()).orFail().out().strip();
        this.waiting = FUSECTL.resolve(dev).resolve("waiting");
        this.abort = FUSECTL.resolve(dev).resolve("abort");
        boolean mounted = false;
        if (Shell.run("mountpoint", "-q", FUSECTL.toString()).exit() != 0) {
            Shell.run("mount", "-t", "fusectl", "fusectl", FUSECTL.toString()).orFail();
            mounted = true;
        }
        this.mountedFusectl = mounted;
    }

    /** Requests sent to the daemon and not answered yet. */
    int waiting() throws IOException {
        return Integer.parseInt(Files.readString(waiting).strip());
    }

    /** Until at least {@code n} requests are in flight at the daemon; fails after 60 s. */
    void awaitWaiting(int n) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        int seen = 0;
        while (System.nanoTime() < deadline) {
            seen = waiting();
            if (seen >= n) {
                return;
            }
            Thread.sleep(50);
        }
        throw new AssertionError("only " + seen + " of " + n + " requests in flight");
    }

    /** Aborts the connection, as an administrator would for a daemon that no longer answers. */
    void abort() throws IOException {
        Files.writeString(abort, "1");
    }

    @Override
    public void close() {
        if (mountedFusectl) {
            Shell.run("umount", FUSECTL.toString());
        }
    }
}
