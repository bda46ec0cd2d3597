package org.mapperfs.libc;

import java.nio.charset.StandardCharsets;
import java.util.Optional;
import jnr.ffi.LastError;
import jnr.ffi.LibraryLoader;
import jnr.ffi.Runtime;
import jnr.ffi.annotations.In;

/**
 * systemd's readiness protocol (sd_notify(3)): one datagram of {@code KEY=VALUE} lines to the
 * AF_UNIX socket named by {@code $NOTIFY_SOCKET} (a path, or an abstract name after {@code @}).
 * The JDK has no datagram Unix sockets, so libc's socket and sendto, through jnr-ffi. Outside
 * systemd (no {@code $NOTIFY_SOCKET}) every call does nothing.
 */
public final class SystemdNotify {
    private static final int AF_UNIX = 1;
    private static final int SOCK_DGRAM = 2;
    private static final int SOCK_CLOEXEC = 0x80000;
    /** sizeof(struct sockaddr_un): a 2-byte family, then 108 bytes of path. */
    private static final int SOCKADDR_UN = 110;

    /** The libc calls used here. */
    public interface LibC {
        int socket(int domain, int type, int protocol);

        long sendto(int fd, @In byte[] buf, long len, int flags, @In byte[] addr, int addrlen);

        int close(int fd);
    }

    private final Optional<String> socket;

    /** The protocol for this process: {@code $NOTIFY_SOCKET}, if systemd set one. */
    public static SystemdNotify fromEnvironment() {
        return new SystemdNotify(Optional.ofNullable(System.getenv("NOTIFY_SOCKET")).filter(s -> !s.isEmpty()));
    }

    SystemdNotify(Optional<String> socket) {
        this.socket = socket;
    }

    /**
     * Sends {@code state} ("READY=1\nSTATUS=..."); returns false with a reason on standard error
     * if it could not: the service manager then times the start out, which says more than a crash.
     */
    public boolean send(String state) {
        if (socket.isEmpty()) {
            return true;
        }
        byte[] path = socket.get().getBytes(StandardCharsets.UTF_8);
        if (path.length == 0 || path.length > SOCKADDR_UN - 3) {
            System.err.println("mapperfs: NOTIFY_SOCKET '" + socket.get() + "' is no socket path");
            return false;
        }
        byte[] addr = new byte[SOCKADDR_UN];
        addr[0] = AF_UNIX; // sa_family_t, little-endian on every Linux this runs on
        System.arraycopy(path, 0, addr, 2, path.length);
        int length = 2 + path.length;
        if (path[0] == '@') {
            addr[2] = 0; // an abstract socket: its name starts with a NUL and is not terminated
        } else {
            length++; // the terminating NUL of a path
        }
        LibC libc = LibraryLoader.create(LibC.class).load("c");
        int fd = libc.socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        if (fd < 0) {
            System.err.println("mapperfs: sd_notify: socket failed, errno " + LastError.getLastError(Runtime.getRuntime(libc)));
            return false;
        }
        try {
            byte[] message = state.getBytes(StandardCharsets.UTF_8);
            long sent = libc.sendto(fd, message, message.length, 0, addr, length);
            if (sent != message.length) {
                System.err.println("mapperfs: sd_notify to " + socket.get() + " failed, errno "
                        + LastError.getLastError(Runtime.getRuntime(libc)));
                return false;
            }
            return true;
        } finally {
            libc.close(fd);
        }
    }
}
