package org.mapperfs.daemon;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/** The mount table and unmounting. */
public final class Mounts {
    private Mounts() {}

    /** The fs type of the mount at {@code mountPoint}, from /proc/self/mountinfo. */
    public static Optional<String> fsType(Path mountPoint) throws IOException {
        String target = mountPoint.toAbsolutePath().normalize().toString();
        Optional<String> type = Optional.empty();
        for (String line : Files.readAllLines(Path.of("/proc/self/mountinfo"))) {
            String[] f = line.split(" ");
            int dash = List.of(f).indexOf("-");
            if (f.length > 4 && unescape(f[4]).equals(target) && dash > 0 && dash + 1 < f.length) {
                type = Optional.of(f[dash + 1]); // the last mount on a point is the visible one
            }
        }
        return type;
    }

    public static boolean isMounted(Path mountPoint) throws IOException {
        return fsType(mountPoint).isPresent();
    }

    /** mountinfo escapes space, tab, newline and backslash as octal. */
    private static String unescape(String s) {
        return s.replace("\\040", " ").replace("\\011", "\t").replace("\\012", "\n").replace("\\134", "\\");
    }

    /** Unmounts with fusermount (lazily if asked), waiting for it; returns its error or empty. */
    public static Optional<String> unmount(Path mountPoint, boolean lazy) throws IOException {
        List<String> command = lazy ? List.of("fusermount", "-u", "-z", mountPoint.toString())
                : List.of("fusermount", "-u", mountPoint.toString());
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        try {
            if (!p.waitFor(30, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                return Optional.of("fusermount did not finish in 30 s");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Optional.of("interrupted");
        }
        String out = new String(p.getInputStream().readAllBytes()).strip();
        return p.exitValue() == 0 ? Optional.empty() : Optional.of(out.isEmpty() ? "fusermount failed" : out);
    }
}
