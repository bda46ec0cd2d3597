package org.mapperfs.cli;

import java.io.PrintWriter;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "status", description = "Print the targets' status of a device (or of every device), as dmsetup does.")
final class StatusCommand extends ControlVerb {
    @Parameters(arity = "0..1", paramLabel = "NAME")
    String name;

    @Mixin
    JsonOption json;

    @Option(names = "--watch", description = "Show the mirror resync of NAME as a progress bar until it is in sync.")
    boolean watch;

    @Option(names = "--interval", paramLabel = "MS", defaultValue = "500",
            description = "With --watch: how often to look, in milliseconds (default: ${DEFAULT-VALUE}).")
    long intervalMillis;

    StatusCommand(Context context) {
        super(context);
    }

    @Override
    String command() {
        return "status" + json.word() + (name == null ? "" : " " + name);
    }

    @Override
    public Integer call() throws CliException {
        if (!watch) {
            return super.call();
        }
        if (name == null) {
            throw new CliException("status --watch needs a device NAME");
        }
        PrintWriter out = spec.commandLine().getOut();
        boolean terminal = System.console() != null;
        String last = "";
        while (true) {
            List<ResyncProgress> parts = ResyncProgress.of(send());
            if (parts.isEmpty()) {
                throw new CliException(name + " has no mirror segment to watch");
            }
            ResyncProgress total = ResyncProgress.total(parts);
            String line = name + " " + total.bar(40);
            if (terminal) {
                out.print("\r" + line);
            } else if (!line.equals(last)) {
                out.println(line); // one line per change where the output is no terminal
            }
            out.flush();
            last = line;
            if (total.done()) {
                if (terminal) {
                    out.println();
                }
                return Main.OK;
            }
            try {
                Thread.sleep(Math.max(50, intervalMillis));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return Main.FAILURE;
            }
        }
    }
}
