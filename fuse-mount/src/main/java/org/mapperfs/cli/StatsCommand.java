package org.mapperfs.cli;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "stats", description = {
    "Print the I/O counters of a device (or of every device): dmstats' counters (reads, sectors, time, "
        + "requests in flight, busy time, ...), or the Prometheus text format.",
    "For node_exporter's textfile collector: stats --textfile DIR/mapperfs.prom (run it from a timer)."})
final class StatsCommand extends ControlVerb {
    @Mixin
    JsonOption json;

    @Option(names = "--prometheus", description = "Print every device's counters in the Prometheus text format.")
    boolean prometheus;

    @Option(names = "--textfile", paramLabel = "FILE",
            description = "Write the Prometheus text to FILE atomically (a temporary file, then a rename).")
    Path textfile;

    @Parameters(arity = "0..1", paramLabel = "NAME")
    String name;

    StatsCommand(Context context) {
        super(context);
    }

    @Override
    String command() throws CliException {
        boolean metrics = prometheus || textfile != null;
        if (metrics && (json.json || name != null)) {
            throw new CliException("stats: --prometheus and --textfile report every device, with no NAME or --json");
        }
        return "stats" + (metrics ? " --prometheus" : json.word() + (name == null ? "" : " " + name));
    }

    @Override
    public Integer call() throws CliException {
        if (textfile == null) {
            return super.call();
        }
        String text = send();
        Path target = textfile.toAbsolutePath();
        Path temp = target.resolveSibling(target.getFileName() + "." + ProcessHandle.current().pid());
        try {
            Files.writeString(temp, text, StandardCharsets.UTF_8);
            Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            try {
                Files.deleteIfExists(temp);
            } catch (IOException ignored) {
                // the first error is the one to report
            }
            throw new CliException("stats: cannot write " + target + ": " + e.getMessage());
        }
        return Main.OK;
    }
}
