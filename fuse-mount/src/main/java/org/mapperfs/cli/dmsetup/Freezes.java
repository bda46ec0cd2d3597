package org.mapperfs.cli.dmsetup;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * dm's lockfs: a suspend freezes the file system mounted on the device (fsfreeze, FIFREEZE)
 * before it holds I/O, and the resume thaws it. A marker per device remembers that this
 * suspend froze it, so that a resume thaws only what a suspend froze, not a freeze of the
 * user's own.
 */
final class Freezes {
    private static final Path MARKERS = Path.of("/run/mapperfs-dmsetup/frozen");

    private Freezes() {}

    static void freeze(String name, Path mountPoint) throws DmFailure {
        try {
            Tools.run("fsfreeze", "--freeze", mountPoint.toString());
        } catch (IOException e) {
            throw DmFailure.ioctl("suspend", name, "cannot freeze the file system on " + mountPoint + ": "
                    + e.getMessage());
        }
        try {
            Files.createDirectories(MARKERS);
            Files.writeString(MARKERS.resolve(name), mountPoint.toString());
        } catch (IOException e) {
            thaw(name, mountPoint);
            throw DmFailure.ioctl("suspend", name, "cannot record the freeze in " + MARKERS + ": " + e);
        }
    }

    static void thaw(String name, Path mountPoint) {
        try {
            Tools.run("fsfreeze", "--unfreeze", mountPoint.toString());
        } catch (IOException e) {
            // not frozen (any more)
        }
        try {
            Files.deleteIfExists(MARKERS.resolve(name));
        } catch (IOException e) {
            // a stale marker only makes a later resume try a thaw that fails quietly
        }
    }

    static void thawIfFrozenHere(String name, Path mountPoint) {
        if (Files.exists(MARKERS.resolve(name))) {
            thaw(name, mountPoint);
        }
    }
}
