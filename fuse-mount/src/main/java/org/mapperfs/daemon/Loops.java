package org.mapperfs.daemon;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Loop devices: which is attached to which file (read from /sys), and losetup. */
public final class Loops {
    private Loops() {}

    /** A loop device and the file behind it. */
    public record Loop(String device, Path backingFile) {
        /** What to tell a user about this loop device when the mount its file was on has died. */
        public String deadMountHint() {
            return device + " still holds " + backingFile.getFileName() + " of the dead mount; its I/O fails:"
                    + " detach it with 'losetup -d " + device + "'";
        }
    }

    public static List<Loop> all() {
        List<Loop> loops = new ArrayList<>();
        try (DirectoryStream<Path> dirs = Files.newDirectoryStream(Path.of("/sys/block"), "loop*")) {
            for (Path dir : dirs) {
                Path backing = dir.resolve("loop/backing_file");
                if (Files.exists(backing)) {
                    String file = Files.readString(backing, StandardCharsets.UTF_8).strip();
                    if (file.endsWith(" (deleted)")) {
                        file = file.substring(0, file.length() - " (deleted)".length());
                    }
                    loops.add(new Loop("/dev/" + dir.getFileName(), Path.of(file)));
                }
            }
        } catch (IOException e) {
            // no /sys/block: no loop devices
        }
        return loops;
    }

    public static List<Loop> attachedTo(Path file) {
        return all().stream().filter(l -> l.backingFile().equals(file)).toList();
    }

    /** Loop devices on files of the mount at {@code mountPoint}. */
    public static List<Loop> under(Path mountPoint) {
        return all().stream().filter(l -> mountPoint.equals(l.backingFile().getParent())).toList();
    }

    /**
     * Attaches {@code file} to a free loop device and returns it. Loop direct I/O is asked for
     * first (no second page cache between loop and mapperfs, so nothing stale survives a table
     * swap); where the kernel refuses it, the file is attached buffered.
     */
    public static String attach(Path file, boolean directIo, boolean readOnly) throws IOException {
        return attach(file, directIo, readOnly, 512);
    }

    /** As {@link #attach(Path, boolean, boolean)}, with a logical block size of {@code sectorSize}. */
    public static String attach(Path file, boolean directIo, boolean readOnly, int sectorSize) throws IOException {
        List<String> args = new ArrayList<>(List.of("--find", "--show"));
        if (readOnly) {
            args.add("--read-only");
        }
        if (sectorSize != 512) {
            args.add("--sector-size");
            args.add(String.valueOf(sectorSize));
        }
        if (!directIo) {
            return losetup(with(args, file.toString()));
        }
        List<String> direct = new ArrayList<>(args);
        direct.add("--direct-io=on");
        try {
            return losetup(with(direct, file.toString()));
        } catch (IOException e) {
            List<Loop> partial = attachedTo(file);
            if (!partial.isEmpty()) {
                // losetup attached the file but could not switch on direct I/O: keep it buffered.
                return partial.get(0).device();
            }
            return losetup(with(args, file.toString()));
        }
    }

    private static String[] with(List<String> args, String last) {
        List<String> all = new ArrayList<>(args);
        all.add(last);
        return all.toArray(String[]::new);
    }

    /** Runs losetup; returns its output, or throws with its message. */
    public static String losetup(String... args) throws IOException {
        List<String> command = new ArrayList<>();
        command.add("losetup");
        command.addAll(List.of(args));
        try {
            Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
            if (!p.waitFor(60, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IOException(String.join(" ", command) + " did not finish in 60 s");
            }
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
            if (p.exitValue() != 0) {
                throw new IOException(out.isEmpty() ? String.join(" ", command) + " failed" : out);
            }
            return out;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        }
    }
}
