package org.mapperfs.cli;

import java.nio.file.Path;

/**
 * What every command shares: the mount point (-m, $MAPPERFS_MOUNT, or /run/mapperfs; for a user
 * other than root $XDG_RUNTIME_DIR/mapperfs where that is set).
 */
final class Context {
    static final Path DEFAULT_MOUNT = defaultMount();
    static final String MOUNT_ENV = "MAPPERFS_MOUNT";

    private static Path defaultMount() {
        String runtime = System.getenv("XDG_RUNTIME_DIR");
        if (org.mapperfs.libc.Posix.uid() != 0 && runtime != null && !runtime.isBlank()) {
            return Path.of(runtime, "mapperfs");
        }
        return Path.of("/run/mapperfs");
    }

    Path mountOption;
    boolean verbose;

    Path mountPoint() {
        if (mountOption != null) {
            return mountOption.toAbsolutePath().normalize();
        }
        String env = System.getenv(MOUNT_ENV);
        return env != null && !env.isBlank() ? Path.of(env).toAbsolutePath().normalize() : DEFAULT_MOUNT;
    }

    ControlClient control() {
        return new ControlClient(mountPoint());
    }

    /** The file of device {@code name} in the mount. */
    Path deviceFile(String name) {
        return mountPoint().resolve(name);
    }
}
