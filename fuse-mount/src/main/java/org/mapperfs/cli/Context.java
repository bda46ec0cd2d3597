package org.mapperfs.cli;

import java.nio.file.Path;

/** What every command shares: the mount point (-m, $MAPPERFS_MOUNT, or /run/mapperfs). */
final class Context {
    static final Path DEFAULT_MOUNT = Path.of("/run/mapperfs");
    static final String MOUNT_ENV = "MAPPERFS_MOUNT";

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
