package org.mapperfs.transport.wire;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import jnr.posix.CmsgHdr;
import jnr.posix.MsgHdr;
import jnr.posix.POSIX;
import jnr.posix.POSIXFactory;
import jnr.posix.SpawnFileAction;

/**
 * Mounting without root, as libfuse does: the setuid helper fusermount3 (or FUSE 2's fusermount,
 * which speaks the same protocol) opens /dev/fuse, mounts it where the user may, and hands the
 * descriptor back over a Unix socket named by {@code _FUSE_COMMFD}, in an SCM_RIGHTS message.
 * The socket pair, the helper's start with the socket as its descriptor 3, and the message go
 * through jnr-posix: the JDK cannot pass a descriptor to a child process nor receive one.
 */
final class Fusermount {
    private static final int AF_UNIX = 1;
    private static final int SOCK_STREAM = 1;
    private static final int SOL_SOCKET = 1;
    private static final int SCM_RIGHTS = 1;
    /** The helper's descriptor for the socket. */
    private static final int CHILD_FD = 3;

    private Fusermount() {}

    /** fusermount3 if it is there, else fusermount; empty if neither is on this machine. */
    static Optional<String> helper() {
        for (String dir : List.of("/usr/bin", "/bin", "/usr/local/bin")) {
            for (String name : List.of("fusermount3", "fusermount")) {
                Path p = Path.of(dir, name);
                if (Files.isExecutable(p)) {
                    return Optional.of(p.toString());
                }
            }
        }
        return Optional.empty();
    }

    /** Mounts {@code mountPoint} with {@code options} through the helper; returns the /dev/fuse descriptor. */
    static int mount(Path mountPoint, String options) throws IOException {
        String helper = helper().orElseThrow(() -> new IOException("mounting without root needs fusermount3 "
                + "(Debian: fuse3) or fusermount (fuse), and neither is installed"));
        POSIX posix = POSIXFactory.getNativePOSIX();
        int[] pair = new int[2];
        if (posix.socketpair(AF_UNIX, SOCK_STREAM, 0, pair) != 0) {
            throw new IOException("socketpair failed: errno " + posix.errno());
        }
        try {
            List<String> env = new ArrayList<>();
            for (Map.Entry<String, String> e : System.getenv().entrySet()) {
                if (!e.getKey().equals("_FUSE_COMMFD")) {
                    env.add(e.getKey() + "=" + e.getValue());
                }
            }
            env.add("_FUSE_COMMFD=" + CHILD_FD);
            List<String> argv = List.of(helper, "-o", options, "--", mountPoint.toString());
            long pid = posix.posix_spawnp(helper, List.of(SpawnFileAction.dup(pair[1], CHILD_FD)), argv, env);
            if (pid <= 0) {
                throw new IOException("cannot start " + helper + ": errno " + posix.errno());
            }
            posix.close(pair[1]);
            pair[1] = -1;
            int fd = receive(posix, pair[0]);
            int[] status = new int[1];
            posix.waitpid(pid, status, 0);
            int exit = (status[0] >> 8) & 0xff;
            if (fd < 0) {
                throw new IOException(helper + " did not mount " + mountPoint + " (exit status " + exit
                        + "; its message is above)");
            }
            return fd;
        } finally {
            posix.close(pair[0]);
            if (pair[1] >= 0) {
                posix.close(pair[1]);
            }
        }
    }

    /** The descriptor in the one message the helper sends, or -1 if it sent none (it failed). */
    private static int receive(POSIX posix, int socket) {
        MsgHdr message = posix.allocateMsgHdr();
        message.setIov(new ByteBuffer[] {ByteBuffer.allocateDirect(1)});
        CmsgHdr control = message.allocateControl(Integer.BYTES);
        control.setLevel(SOL_SOCKET);
        control.setType(SCM_RIGHTS);
        int n = posix.recvmsg(socket, message, 0);
        if (n <= 0) {
            return -1;
        }
        for (CmsgHdr c : message.getControls()) {
            if (c.getLevel() == SOL_SOCKET && c.getType() == SCM_RIGHTS) {
                return c.getData().order(ByteOrder.nativeOrder()).getInt(0);
            }
        }
        return -1;
    }

    /** Unmounts lazily through the helper (a user cannot call umount2), waiting up to 10 s. */
    static void unmountLazily(Path mountPoint) {
        String helper = helper().orElse("fusermount");
        try {
            Process p = new ProcessBuilder(helper, "-u", "-z", "--", mountPoint.toString())
                    .redirectErrorStream(true).start();
            p.getInputStream().readAllBytes();
            p.waitFor(10, TimeUnit.SECONDS);
        } catch (IOException e) {
            // the mount stays; the kernel ends it when the descriptor closes with this process
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
