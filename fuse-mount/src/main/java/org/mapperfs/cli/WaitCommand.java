package org.mapperfs.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

@Command(name = "wait", description = "Wait until the device's event number passes EVENT (default: its current one); print it.")
final class WaitCommand extends ControlVerb {
    @Parameters(index = "0", paramLabel = "NAME")
    String name;

    @Parameters(index = "1", arity = "0..1", paramLabel = "EVENT")
    Long event;

    WaitCommand(Context context) {
        super(context);
    }

    @Override
    String command() {
        return "wait " + name + (event == null ? "" : " " + event);
    }
}
