package org.mapperfs.cli;

import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

@Command(name = "message", description = "Send a message to the target at SECTOR of a device.")
final class MessageCommand extends ControlVerb {
    @Parameters(index = "0", paramLabel = "NAME")
    String name;

    @Parameters(index = "1", paramLabel = "SECTOR")
    long sector;

    @Parameters(index = "2..*", arity = "1..*", paramLabel = "MESSAGE")
    List<String> message;

    MessageCommand(Context context) {
        super(context);
    }

    @Override
    String command() {
        return "message " + name + " " + sector + " " + String.join(" ", message);
    }
}
