package org.mapperfs.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "remove", description = "Remove a device (refused while another device uses it or it is open).")
final class RemoveCommand extends ControlVerb {
    @Option(names = {"-f", "--force"}, description = "Remove even while the device file is open.")
    boolean force;

    @Parameters(paramLabel = "NAME")
    String name;

    RemoveCommand(Context context) {
        super(context);
    }

    @Override
    String command() {
        return "remove " + (force ? "--force " : "") + name;
    }
}
