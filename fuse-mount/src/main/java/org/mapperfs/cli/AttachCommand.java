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
 * device is attached buffered.
 */
@Command(name = "attach", description = "Attach a device to a loop device (losetup) and print the loop device.")
final class AttachCommand implements Callable<Integer>, ContextAware {
    private final Context context;

    @Spec
    CommandSpec spec;

    @Option(names = "--no-direct-io", description = "Attach with buffered I/O instead of loop direct I/O.")
    boolean buffered;

    @Option(names = "--refresh", description = "Make the loop device(s) of NAME see a new size (losetup -c).")
    boolean refresh;

    @Parameters(paramLabel = "NAME")
    String name;

    AttachCommand(Context context) {
        this.context = context;
    }

    @Override
    public Integer call() throws CliException, IOException {
        Path file = context.deviceFile(name);
        context.control().send("info " + name); // fails with the daemon's message if there is no such device
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
        String loop = Loops.attach(file, !buffered, false);
        spec.commandLine().getOut().println(loop);
        return Main.OK;
    }
}
