package org.mapperfs.cli.dmsetup;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import org.mapperfs.daemon.Loops;

/**
 * What the kernel knows of mapperfs's devices once they are exposed as device-mapper's are: the
 * loop device of each device file, its {@code major:minor}, the {@code $DM_DEV_DIR/mapper/NAME}
 * link to it, and the file system mounted on it. Read from /sys and /proc, never through the mount.
 */
final class KernelDevices {
    private final Path mount;
    private final Path devDir;

    KernelDevices(Path mount, Path devDir) {
        this.mount = mount;
        this.devDir = devDir;
    }

    static Path devDirFromEnvironment() {
        String env = System.getenv("DM_DEV_DIR");
        return Path.of(env == null || env.isBlank() ? "/dev" : env);
    }

    Path mapperDir() {
        return devDir.resolve("mapper");
    }

    Path link(String name) {
        return mapperDir().resolve(name);
    }

    /**
     * The loop device (/dev/loopN) of device NAME: the one its /dev/mapper link points at, if
     * that loop holds a file of this mount (a renamed device keeps its loop device, whose
     * backing file still reads as the old name), else the one attached to its file.
     */
    Optional<String> loopOf(String name) {
        Optional<String> linked = linkTarget(name);
        if (linked.isPresent() && ours(linked.get())) {
            return linked;
        }
        // By inode, not by the path /sys shows: a loop device keeps the path it was attached
        // with, and after a rename that is the old name (maybe another device's by now).
        OptionalLong inode = inode(mount.resolve(name));
        if (inode.isEmpty()) {
            return Optional.empty();
        }
        for (Loops.Loop l : Loops.under(mount)) {
            if (backingInode(l.device()).equals(inode)) {
                return Optional.of(l.device());
            }
        }
        return Optional.empty();
    }

    private static OptionalLong inode(Path file) {
        try {
            return OptionalLong.of(((Number) Files.getAttribute(file, "unix:ino")).longValue());
        } catch (IOException | RuntimeException e) {
            return OptionalLong.empty();
        }
    }

    /** The inode of the file behind {@code loop}, as the loop driver keeps it (losetup's BACK-INO). */
    private static OptionalLong backingInode(String loop) {
        try {
            return OptionalLong.of(Long.parseLong(Loops.losetup("--list", "--noheadings", "--output", "BACK-INO",
                    loop).strip()));
        } catch (IOException | NumberFormatException e) {
            return OptionalLong.empty();
        }
    }

    private Optional<String> linkTarget(String name) {
        Path link = link(name);
        try {
            if (Files.isSymbolicLink(link)) {
                Path target = Files.readSymbolicLink(link);
                return Optional.of(link.getParent().resolve(target).normalize().toString());
            }
        } catch (IOException e) {
            // no link
        }
        return Optional.empty();
    }

    /** Whether {@code loop} holds a file of this mount. */
    private boolean ours(String loop) {
        return Loops.all().stream().anyMatch(l -> l.device().equals(loop) && mount.equals(l.backingFile().getParent()));
    }

    /** The /sys folder of a block device such as /dev/loop3. */
    static Path sys(String blockDevice) {
        return Path.of("/sys/class/block", Path.of(blockDevice).getFileName().toString());
    }

    /** One attribute of a block device (its path under {@link #sys}), stripped; "" if it cannot be read. */
    static String attribute(String blockDevice, String file) {
        try {
            return Files.readString(sys(blockDevice).resolve(file), StandardCharsets.US_ASCII).strip();
        } catch (IOException e) {
            return "";
        }
    }

    /** {@code major:minor} of a block device such as /dev/loop3, read from /sys. */
    static Optional<String> numbers(String blockDevice) {
        String dev = attribute(blockDevice, "dev");
        return dev.isEmpty() ? Optional.empty() : Optional.of(dev);
    }

    /** The kernel name (loop3, sda1) of the block device numbered {@code majorMinor}. */
    static Optional<String> kernelName(String majorMinor) {
        try {
            Path sys = Path.of("/sys/dev/block", majorMinor).toRealPath();
            return Optional.of(sys.getFileName().toString());
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
    }

    /**
     * The mapperfs device that {@code arg} names: a name, {@code $DM_DEV_DIR/mapper/NAME}, the
     * loop device of a device file (by path or {@code major:minor}). Empty if none.
     */
    Optional<String> deviceNamed(String arg, List<String> names) {
        if (names.contains(arg)) {
            return Optional.of(arg);
        }
        String loop = null;
        if (arg.matches("\\d+:\\d+")) {
            loop = kernelName(arg).map(k -> "/dev/" + k).orElse(null);
        } else if (arg.startsWith("/")) {
            Path path = Path.of(arg);
            if (path.getParent() != null && path.getParent().equals(mapperDir())
                    && names.contains(path.getFileName().toString())) {
                return Optional.of(path.getFileName().toString());
            }
            try {
                loop = path.toRealPath().toString();
            } catch (IOException e) {
                return Optional.empty();
            }
        }
        if (loop == null || !ours(loop)) {
            return Optional.empty();
        }
        for (String name : names) {
            if (linkTarget(name).filter(loop::equals).isPresent()) {
                return Optional.of(name);
            }
        }
        OptionalLong inode = backingInode(loop);
        for (String name : names) {
            if (inode.isPresent() && inode(mount.resolve(name)).equals(inode)) {
                return Optional.of(name);
            }
        }
        return Optional.empty();
    }

    /** Points {@code $DM_DEV_DIR/mapper/NAME} at {@code loop}, replacing a stale link. */
    void link(String name, String loop) throws IOException {
        Files.createDirectories(mapperDir());
        Path link = link(name);
        Files.deleteIfExists(link);
        Files.createSymbolicLink(link, Path.of(loop));
    }

    void unlink(String name) throws IOException {
        Path link = link(name);
        if (Files.isSymbolicLink(link)) {
            Files.delete(link);
        }
    }

    /** Whether {@code $DM_DEV_DIR/mapper/NAME} is a link to {@code loop}. */
    boolean linked(String name, String loop) {
        Path link = link(name);
        try {
            return Files.isSymbolicLink(link) && Files.readSymbolicLink(link).equals(Path.of(loop));
        } catch (IOException e) {
            return false;
        }
    }

    /** The mount point of the file system on {@code loop}, from /proc/self/mountinfo. */
    static Optional<Path> mountPointOf(String loop) {
        Optional<String> numbers = numbers(loop);
        if (numbers.isEmpty()) {
            return Optional.empty();
        }
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/mountinfo"))) {
                String[] f = line.split(" ");
                if (f.length > 4 && f[2].equals(numbers.get())) {
                    return Optional.of(Path.of(unescape(f[4])));
                }
            }
        } catch (IOException e) {
            return Optional.empty();
        }
        return Optional.empty();
    }

    /** Whether something holds {@code loop}: a mounted file system or a device stacked on it. */
    static boolean busy(String loop) {
        if (mountPointOf(loop).isPresent()) {
            return true;
        }
        try (var list = Files.list(sys(loop).resolve("holders"))) {
            return list.findAny().isPresent();
        } catch (IOException e) {
            return false;
        }
    }

    /** Size of {@code loop} in sectors, as the kernel sees it; -1 if it cannot be read. */
    static long sectors(String loop) {
        try {
            return Long.parseLong(attribute(loop, "size"));
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    /** Whether {@code loop} does direct I/O (no page cache of its own between it and the file). */
    static boolean directIo(String loop) {
        return attribute(loop, "loop/dio").equals("1");
    }

    /**
     * Gives {@code loop} the rotational flag of the storage under {@code file}, as a loop device
     * on that file directly would have it (a FUSE file always reads as non-rotational).
     */
    static void copyRotational(String loop, Path file) {
        try {
            Path queue = queueOf(file);
            if (queue == null) {
                return;
            }
            String rotational = Files.readString(queue.resolve("rotational"), StandardCharsets.US_ASCII).strip();
            Files.writeString(sys(loop).resolve("queue/rotational"), rotational, StandardCharsets.US_ASCII);
        } catch (IOException | RuntimeException e) {
            // best effort: the flag only steers allocation policies
        }
    }

    /** The /sys queue folder of the block device {@code file} is, or the one its file system is on. */
    private static Path queueOf(Path file) throws IOException {
        long rdev = ((Number) Files.getAttribute(file, "unix:rdev", LinkOption.NOFOLLOW_LINKS)).longValue();
        long dev = Files.isRegularFile(file) ? ((Number) Files.getAttribute(file, "unix:dev")).longValue() : rdev;
        Path sys = Path.of("/sys/dev/block", major(dev) + ":" + minor(dev));
        if (!Files.exists(sys)) {
            return null;
        }
        Path real = sys.toRealPath();
        Path queue = real.resolve("queue");
        if (Files.isDirectory(queue)) {
            return queue;
        }
        Path parent = real.getParent().resolve("queue"); // a partition: its disk's queue
        return Files.isDirectory(parent) ? parent : null;
    }

    /** As glibc's gnu_dev_major: 12 bits at 8, 20 more at 44. */
    static long major(long dev) {
        return ((dev >>> 8) & 0xfff) | ((dev >>> 32) & 0xfffff000L);
    }

    /** As glibc's gnu_dev_minor: 8 bits at 0, 24 more at 20. */
    static long minor(long dev) {
        return (dev & 0xff) | ((dev >>> 12) & 0xffffff00L);
    }

    /** {@code major:minor} of the block device at {@code path}, if it is one. */
    static Optional<String> blockNumbers(Path path) {
        try {
            if (!Files.exists(path) || Files.isRegularFile(path) || Files.isDirectory(path)) {
                return Optional.empty();
            }
            Object mode = Files.getAttribute(path, "unix:mode");
            if ((((Number) mode).intValue() & 0170000) != 0060000) {
                return Optional.empty();
            }
            long rdev = ((Number) Files.getAttribute(path, "unix:rdev")).longValue();
            return Optional.of(major(rdev) + ":" + minor(rdev));
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
    }

    /** mountinfo escapes space, tab, newline and backslash as octal. */
    static String unescape(String field) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < field.length(); i++) {
            char c = field.charAt(i);
            if (c == '\\' && i + 3 < field.length()) {
                sb.append((char) Integer.parseInt(field.substring(i + 1, i + 4), 8));
                i += 3;
            } else {
                sb.append(c);
            }
        }
        return sb.toString();
    }
}
