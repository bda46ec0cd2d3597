package org.mapperfs.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import org.mapperfs.daemon.Loops;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * Attaches a device's file to a free loop device and prints it. Loop direct I/O is asked for
 * first (no second page cache between loop and mapperfs); where the kernel refuses it, the
 * device is attached buffered. A crypt device with 4096-byte sectors gets a loop device with
 * 4096-byte logical blocks, as a dm-crypt device has.
 */
@Command(name = "attach", description = "Attach a device to a loop device (losetup) and print the loop device.")
public final class AttachCommand implements Callable<Integer>, ContextAware {
    private final Context context;

    @Spec
    CommandSpec spec;

    @Option(names = "--no-direct-io", description = "Attach with buffered I/O instead of loop direct I/O.")
    boolean buffered;

    @Option(names = "--refresh", description = "Make the loop device(s) of NAME see a new size (losetup -c).")
    boolean refresh;

    @Parameters(paramLabel = "NAME")
    String name;

    /**
     * The logical block size a dm device of this table would have: a crypt table's crypto sector
     * ({@code sector_size:N}), else 512. Requests smaller than that would fail on such a device.
     */
    public static int logicalBlockSize(String table) {
        int size = 512;
        for (String word : table.split("\\s+")) {
            if (word.startsWith("sector_size:")) {
                try {
                    size = Math.max(size, Integer.parseInt(word.substring("sector_size:".length())));
                } catch (NumberFormatException e) {
                    // the daemon refused such a table already
                }
            }
        }
        return size;
    }

    AttachCommand(Context context) {
        this.context = context;
    }

    @Override
    public Integer call() throws CliException, IOException {
        Path file = context.deviceFile(name);
        // Fails with the daemon's message if there is no such device.
        String table = context.control().send("table " + name);
        List<Loops.Loop> attached = Loops.attachedTo(file);
        if (refresh) {
            if (attached.isEmpty()) {
                throw new CliException(name + " is not attached to a loop device");
            }
            for (Loops.Loop loop : attached) {
                Loops.losetup("-c", loop.device());
                spec.commandLine().getOut().println(loop.device());
            }
            return Main.OK;
        }
        if (!attached.isEmpty()) {
            throw new CliException(name + " is already attached to " + attached.get(0).device());
        }
        if (!Files.exists(file)) {
            throw new CliException("no device file " + file);
        }
        String loop;
        try {
            loop = Loops.attach(file, !buffered, false, logicalBlockSize(table));
        } catch (IOException e) {
            if (org.mapperfs.libc.Posix.uid() == 0) {
                throw e;
            }
            throw new CliException(e.getMessage() + "; a loop device takes root (losetup needs /dev/loop-control "
                    + "and CAP_SYS_ADMIN), and root can open a file of this mount only if it was mounted with "
                    + "--allow-other ('user_allow_other' in /etc/fuse.conf). Without root, use " + file
                    + " itself: it is the device (dd, qemu -drive file=" + file + ",format=raw, a VM's disk image)",
                    e);
        }
        spec.commandLine().getOut().println(loop);
        return Main.OK;
    }
}
