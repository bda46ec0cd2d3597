package org.mapperfs.libc;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** The process's own uid and gid, read from /proc (plain Java has no getuid). */
public final class Posix {
    private Posix() {}

    public static long uid() {
        return idLine("Uid:");
    }

    public static long gid() {
        return idLine("Gid:");
    }

    private static long idLine(String key) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith(key)) {
                    return Long.parseLong(line.substring(key.length()).trim().split("\\s+")[1]);
                }
            }
        } catch (IOException | RuntimeException e) {
            throw new IllegalStateException("cannot read /proc/self/status", e);
        }
        throw new IllegalStateException("no " + key + " line in /proc/self/status");
    }
}
