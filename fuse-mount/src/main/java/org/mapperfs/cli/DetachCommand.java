package org.mapperfs.cli;

import java.io.IOException;
import java.util.List;
import java.util.concurrent.Callable;
import org.mapperfs.daemon.Loops;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(name = "detach", description = "Detach a device from its loop device(s) (losetup -d).")
final class DetachCommand implements Callable<Integer>, ContextAware {
    private final Context context;

    @Spec
    CommandSpec spec;

    @Parameters(paramLabel = "NAME")
    String name;

    DetachCommand(Context context) {
        this.context = context;
    }

    @Override
    public Integer call() throws CliException, IOException {
        List<Loops.Loop> attached = Loops.attachedTo(context.deviceFile(name));
        if (attached.isEmpty()) {
            throw new CliException(name + " is not attached to a loop device");
        }
        for (Loops.Loop loop : attached) {
            Loops.losetup("-d", loop.device());
            spec.commandLine().getOut().println(loop.device());
        }
        return Main.OK;
    }
}
