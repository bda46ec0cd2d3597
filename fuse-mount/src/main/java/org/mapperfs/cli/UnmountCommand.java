package org.mapperfs.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import org.mapperfs.daemon.Loops;
import org.mapperfs.daemon.Mounts;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * Stops the daemon: refuses while a device is attached to a loop device or open (unless
 * --force), has the daemon flush every device, unmounts, and waits for the daemon to exit.
 */
@Command(name = "unmount", aliases = "umount", description = "Flush every device, unmount and stop the daemon.")
final class UnmountCommand implements Callable<Integer>, ContextAware {
    private final Context context;

    @Spec
    CommandSpec spec;

    @Parameters(arity = "0..1", paramLabel = "MNT", description = "Mount point (default: -m, $MAPPERFS_MOUNT or /run/mapperfs).")
    Path mount;

    @Option(names = {"-f", "--force"}, description = "Detach loop devices and unmount even while devices are open.")
    boolean force;

    UnmountCommand(Context context) {
        this.context = context;
    }

    @Override
    public Integer call() throws CliException, IOException, InterruptedException {
        Path mountPoint = mount != null ? mount.toAbsolutePath().normalize() : context.mountPoint();
        if (!Mounts.isMounted(mountPoint)) {
            throw new CliException("nothing is mounted at " + mountPoint);
        }
        if (!Files.exists(mountPoint.resolve("control"))) {
            // Named before the unmount: afterwards the kernel shows their files without the mount point.
            List<Loops.Loop> stale = Loops.under(mountPoint);
            Mounts.unmount(mountPoint, true).ifPresent(e -> spec.commandLine().getErr().println("mapperfs: " + e));
            spec.commandLine().getOut().println("cleared a stale mount at " + mountPoint);
            for (Loops.Loop l : stale) {
                spec.commandLine().getErr().println("mapperfs: " + l.deadMountHint());
            }
            return Main.OK;
        }
        List<Loops.Loop> loops = Loops.under(mountPoint);
        if (!loops.isEmpty()) {
            if (!force) {
                Loops.Loop l = loops.get(0);
                throw new CliException("device " + l.backingFile().getFileName() + " is attached to " + l.device()
                        + "; detach it first (mapperfs detach " + l.backingFile().getFileName()
                        + ") or use --force");
            }
            for (Loops.Loop l : loops) {
                Loops.losetup("-d", l.device());
            }
        }
        String reply = new ControlClient(mountPoint).send(force ? "shutdown --force" : "shutdown");
        long pid = Long.parseLong(reply.strip().split("\\s+")[1]);
        Optional<String> error = Mounts.unmount(mountPoint, force);
        if (error.isPresent()) {
            throw new CliException("could not unmount " + mountPoint + ": " + error.get());
        }
        if (!awaitExit(pid, TimeUnit.SECONDS.toNanos(30))) {
            throw new CliException("unmounted " + mountPoint + ", but the daemon (pid " + pid
                    + ") did not exit within 30 s");
        }
        spec.commandLine().getOut().println("unmounted " + mountPoint);
        return Main.OK;
    }

    /**
     * Waits up to {@code nanos} for process {@code pid} to exit; true once it has. A zombie has
     * exited: its parent (a shell, a test harness) may not reap it for a while, and the process
     * table still shows it meanwhile.
     *
     * @throws InterruptedException if this thread is interrupted while it waits
     */
    static boolean awaitExit(long pid, long nanos) throws InterruptedException {
        Optional<ProcessHandle> process = ProcessHandle.of(pid);
        long deadline = System.nanoTime() + nanos;
        while (process.isPresent() && process.get().isAlive() && !zombie(pid)) {
            if (System.nanoTime() - deadline > 0) {
                return false;
            }
            Thread.sleep(20);
        }
        return true;
    }

    /** Whether {@code pid} is a zombie (state Z in /proc/PID/stat); false if it is gone. */
    static boolean zombie(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
            int end = stat.lastIndexOf(')'); // the command name, in parentheses, may hold both
            return end > 0 && end + 2 < stat.length() && stat.charAt(end + 2) == 'Z';
        } catch (IOException e) {
            return false;
        }
    }
}
