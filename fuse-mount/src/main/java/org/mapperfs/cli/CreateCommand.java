package org.mapperfs.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "create", description = "Create a device from a table (--table, --table-file, or standard input).")
final class CreateCommand extends ControlVerb {
    @Parameters(paramLabel = "NAME")
    String name;

    @Mixin
    TableInput input;

    @Option(names = {"-u", "--uuid"}, paramLabel = "UUID", description = "The device's UUID, as dmsetup's -u.")
    String uuid;

    CreateCommand(Context context) {
        super(context);
    }

    @Override
    String command() {
        return "create " + name + (uuid == null ? "" : " --uuid " + uuid);
    }

    @Override
    String table() throws CliException {
        return input.read(System.in);
    }
}
