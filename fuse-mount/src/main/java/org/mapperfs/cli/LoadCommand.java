package org.mapperfs.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "load", aliases = "reload",
        description = "Load a table into the inactive slot of a device; 'resume' swaps it in.")
final class LoadCommand extends ControlVerb {
    @Option(names = {"-f", "--force"}, description = "Load even a table that shrinks a device in use.")
    boolean force;

    @Parameters(paramLabel = "NAME")
    String name;

    @Mixin
    TableInput input;

    LoadCommand(Context context) {
        super(context);
    }

    @Override
    String command() {
        return "load " + (force ? "--force " : "") + name;
    }

    @Override
    String table() throws CliException {
        return input.read(System.in);
    }
}
