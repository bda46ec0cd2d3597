package org.mapperfs.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Assumptions;

/**
 * One mapperfs under test: a temporary folder with backing files, a mount point and a state
 * folder, and everything the test set up through the kernel. {@link #close()} undoes it all
 * in reverse order (file systems, loop devices, the daemon), also after a failure.
 */
final class Sandbox implements AutoCloseable {
    static final Path ROOT = Path.of(System.getProperty("mapperfs.root", "../..")).toAbsolutePath().normalize();
    static final Path JAR = ROOT.resolve("fuse-mount/target/mapperfs.jar");

    final Path dir;
    final Path mnt;
    final Path state;
    private final Deque<Runnable> undo = new ArrayDeque<>();

    Sandbox(String name) throws IOException {
        requireKernel();
        this.dir = Files.createTempDirectory(Path.of("/var/tmp"), "mapperfs-" + name + "-");
        this.mnt = dir.resolve("mnt");
        this.state = dir.resolve("state");
        Files.createDirectories(mnt);
        undo.push(() -> deleteTree(dir));
    }

    /** Outside CI a non-root run skips; in CI (CI=true) these tests never skip. */
    static void requireKernel() {
        boolean root = "root".equals(System.getProperty("user.name"));
        boolean ci = "true".equalsIgnoreCase(System.getenv("CI"));
        if (ci && !root) {
            throw new AssertionError("end-to-end tests need root in CI (FUSE mount, losetup, mount)");
        }
        Assumptions.assumeTrue(root, "end-to-end tests need root (FUSE mount, losetup, mount): skipped");
        assertThat(JAR).as("the jar is built before the end-to-end tests (mvn verify)").exists();
    }

    /** Runs {@code mapperfs ARGS} against this sandbox's mount. */
    Shell.Result cli(String... args) {
        return cliIn(dir, null, args);
    }

    Shell.Result cliIn(Path cwd, String stdin, String... args) {
        List<String> command = new ArrayList<>(List.of("java", "-jar", JAR.toString()));
        command.addAll(List.of(args));
        return Shell.run(command, Map.of("MAPPERFS_MOUNT", mnt.toString()), cwd, stdin);
    }

    /**
     * Runs {@code dmsetup ARGS} as a script would: src/bin first on PATH, this sandbox's mount
     * ($MAPPERFS_MOUNT) and its own /dev ($DM_DEV_DIR = dir/dev, so the links never touch /dev).
     */
    Shell.Result dmsetup(String... args) {
        return dmsetupWithInput(null, args);
    }

    Shell.Result dmsetupWithInput(String stdin, String... args) {
        // Through bash: it looks dmsetup up on the PATH given here, as a script would.
        List<String> command = new ArrayList<>(List.of("bash", "-c", "exec dmsetup \"$@\"", "dmsetup"));
        command.addAll(List.of(args));
        return Shell.run(command, Map.of("MAPPERFS_MOUNT", mnt.toString(), "DM_DEV_DIR", devDir().toString(),
                "PATH", ROOT.resolve("src/bin") + ":" + System.getenv("PATH")), dir, stdin);
    }

    /** $DM_DEV_DIR of {@link #dmsetup}: dmsetup's links are devDir/mapper/NAME. */
    Path devDir() {
        return dir.resolve("dev");
    }

    Path mapper(String name) {
        return devDir().resolve("mapper").resolve(name);
    }

    /** Mounts the daemon (once per call); unmounted at close. */
    void mount(String... extra) {
        mountCommand(extra);
        undo.push(this::forceUnmount);
    }

    /**
     * Mounts again on the same mount point and state folder, as after the daemon was killed: the
     * dead mount is cleared and the devices come back. Unmounted at close, as the first mount is.
     */
    void remount(String... extra) {
        mountCommand(extra);
    }

    /** {@code mapperfs mount MNT --state STATE EXTRA...}, which must succeed. */
    private void mountCommand(String... extra) {
        List<String> args = new ArrayList<>(List.of("mount", mnt.toString(), "--state", state.toString()));
        args.addAll(List.of(extra));
        cli(args.toArray(String[]::new)).orFail();
    }

    void forceUnmount() {
        if (isMounted(mnt)) {
            Shell.Result r = cli("unmount", "--force");
            if (r.exit() != 0 && isMounted(mnt)) {
                Shell.run("fusermount", "-u", "-z", mnt.toString());
            }
        }
    }

    static boolean isMounted(Path where) {
        try {
            return Files.readAllLines(Path.of("/proc/self/mountinfo")).stream()
                    .anyMatch(l -> l.split(" ")[4].equals(where.toString()));
        } catch (IOException e) {
            return false;
        }
    }

    /** A backing file of {@code bytes}, allocated (not sparse). */
    Path file(String name, long bytes) throws IOException {
        Path f = dir.resolve(name);
        Shell.run("fallocate", "-l", Long.toString(bytes), f.toString()).orFail();
        return f;
    }

    void create(String name, String table) {
        cli("create", name, "--table", table).orFail();
    }

    /** Attaches a device to a loop device; detached at close. */
    String attach(String name) {
        String loop = cli("attach", name).orFail().out().strip();
        assertThat(loop).startsWith("/dev/loop");
        undo.push(() -> detachIfOurs(loop));
        return loop;
    }

    /**
     * Sets one of {@code loop}'s queue settings (/sys/block/loopN/queue/NAME); the old value comes
     * back at close, before the loop device is detached: the kernel keeps it for the next user of
     * that loop device.
     */
    void setQueue(String loop, String name, String value) throws IOException {
        Path setting = queueSetting(loop, name);
        String was = Files.readString(setting).strip();
        Files.writeString(setting, value);
        undo.push(() -> {
            try {
                Files.writeString(setting, was);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
    }

    /** /sys/block/loopN/queue/NAME for {@code loop}, /dev/loopN. */
    static Path queueSetting(String loop, String name) {
        return Path.of("/sys/block", Path.of(loop).getFileName().toString(), "queue", name);
    }

    /** Detaches {@code loop} if it still serves a file of this mount (it may have been reused). */
    void detachIfOurs(String loop) {
        Path backing = Path.of("/sys/block", Path.of(loop).getFileName().toString(), "loop/backing_file");
        try {
            if (Files.exists(backing) && Files.readString(backing).strip().startsWith(mnt.toString())) {
                Shell.run("losetup", "-d", loop);
            }
        } catch (IOException e) {
            // gone already
        }
    }

    /** Mounts a file system; unmounted at close. */
    Path mountFs(String device, String name) throws IOException {
        Path at = Files.createDirectories(dir.resolve("fs-" + name));
        Shell.run("mount", device, at.toString()).orFail();
        undo.push(() -> {
            if (isMounted(at)) {
                Shell.run("umount", at.toString());
            }
        });
        return at;
    }

    /** Makes ext4 on {@code device} and mounts it; unmounted at close. */
    Path mkfsAndMount(String device, String name) throws IOException {
        Shell.run("mkfs.ext4", "-q", "-F", device).orFail();
        return mountFs(device, name);
    }

    void unmountFs(Path at) {
        Shell.run("umount", at.toString()).orFail();
    }

    /**
     * With the file system on {@code loop} unmounted: fsck -fn must be clean, and after mounting it
     * again every file {@code writer} wrote must have its checksum. Returns the new mount.
     */
    Path fsckAndVerify(String loop, FileWriterLoad writer, String name) throws IOException {
        FilesystemIT.fsckClean(loop);
        Path fs = mountFs(loop, name);
        writer.verifyIn(fs);
        assertThat(writer.errors).as("writer errors or checksum mismatches").isEmpty();
        return fs;
    }

    static byte[] readAt(Path file, long offset, int length) throws IOException {
        try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "r")) {
            byte[] b = new byte[length];
            f.seek(offset);
            f.readFully(b);
            return b;
        }
    }

    static void writeAt(Path file, long offset, byte[] bytes) throws IOException {
        try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "rw")) {
            f.seek(offset);
            f.write(bytes);
        }
    }

    @Override
    public void close() {
        while (!undo.isEmpty()) {
            try {
                undo.pop().run();
            } catch (RuntimeException | AssertionError e) {
                System.err.println("cleanup: " + e);
            }
        }
    }

    private static void deleteTree(Path dir) {
        Shell.run("rm", "-rf", "--one-file-system", dir.toString());
    }
}
