package org.mapperfs.transport.wire;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Aborts a mount's FUSE connection through the fusectl file system (as an administrator would
 * for a daemon that no longer answers): every request waiting on it then fails with ENOTCONN
 * instead of waiting for good.
 */
final class ConnectionAbort {
    static final Path FUSECTL = Path.of("/sys/fs/fuse/connections");

    private ConnectionAbort() {}

    /** The kernel's number of a mount's connection: the minor of its st_dev (major 0 for FUSE). */
    static long connection(long stDev) {
        return (stDev & 0xff) | ((stDev >>> 12) & ~0xffL);
    }

    /** Aborts the connection of the FUSE mount at {@code mountPoint}; null, or why it could not. */
    static String abort(Path mountPoint) {
        try {
            long dev = (Long) Files.getAttribute(mountPoint, "unix:dev");
            if ((((dev >>> 8) & 0xfff) | ((dev >>> 32) & ~0xfffL)) != 0) {
                return mountPoint + " is not a FUSE mount";
            }
            Path abort = FUSECTL.resolve(Long.toString(connection(dev))).resolve("abort");
            if (!Files.exists(abort)) {
                return abort + " does not exist (fusectl not mounted?)";
            }
            Files.writeString(abort, "1");
            return null;
        } catch (IOException | RuntimeException e) {
            return e.toString();
        }
    }
}
