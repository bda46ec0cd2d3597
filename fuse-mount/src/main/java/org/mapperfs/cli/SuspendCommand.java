package org.mapperfs.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "suspend", description = "Hold new I/O, drain what is in flight, flush the backing data.")
final class SuspendCommand extends ControlVerb {
    @Option(names = "--noflush", description = "Do not flush the backing data.")
    boolean noflush;

    @Parameters(paramLabel = "NAME")
    String name;

    SuspendCommand(Context context) {
        super(context);
    }

    @Override
    String command() {
        return "suspend " + (noflush ? "--noflush " : "") + name;
    }
}
