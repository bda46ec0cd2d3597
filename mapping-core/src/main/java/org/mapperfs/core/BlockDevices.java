package org.mapperfs.core;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;

/** What plain Java cannot tell about block devices, read from /sys. */
final class BlockDevices {
    private BlockDevices() {}

    static boolean isBlockDevice(Path path) {
        try {
            return !Files.isRegularFile(path) && !Files.isDirectory(path) && Files.exists(path)
                    && ((Integer) Files.getAttribute(path, "unix:mode") & 0xF000) == 0x6000;
        } catch (IOException | UnsupportedOperationException e) {
            return false;
        }
    }

    /** Size in bytes, from /sys/dev/block/MAJ:MIN/size (in 512-byte sectors). */
    static long size(Path path) throws IOException {
        long rdev = ((Number) Files.getAttribute(path, "unix:rdev", LinkOption.NOFOLLOW_LINKS)).longValue();
        if (Files.isSymbolicLink(path)) {
            rdev = ((Number) Files.getAttribute(path.toRealPath(), "unix:rdev")).longValue();
        }
        long major = ((rdev >>> 8) & 0xfff) | ((rdev >>> 32) & ~0xfffL);
        long minor = (rdev & 0xff) | ((rdev >>> 12) & ~0xffL);
        Path sys = Path.of("/sys/dev/block/" + major + ":" + minor + "/size");
        String text = Files.readString(sys, StandardCharsets.US_ASCII).strip();
        return Sectors.toBytes(Long.parseLong(text));
    }
}
