package org.mapperfs.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Command;

/**
 * What the build runs once, with {@code -XX:DumpLoadedClassList}, to list the classes of the
 * class-data archive that {@code src/bin/mapperfs} starts its clients with: every command's
 * help, and the usual commands against a folder whose {@code control} is a plain file (it echoes
 * the command: enough to walk the client's path to the control file and back) and against a
 * folder with none (the error path). No daemon, no device, nothing changed outside a temporary
 * folder. Most of a client's time is picocli's start, whose classes (old class files) only a
 * static archive can hold.
 */
final class ClientTraining {
    private ClientTraining() {}

    public static void main(String[] args) throws IOException {
        Path dir = Files.createTempDirectory("mapperfs-training");
        try {
            Files.writeString(dir.resolve("control"), "");
            Path none = dir.resolve("none");
            StringWriter text = new StringWriter();
            PrintWriter out = new PrintWriter(text);
            List<String[]> runs = new ArrayList<>();
            runs.add(new String[] {"--help"});
            runs.add(new String[] {"--version"});
            for (Class<?> c : Main.COMMANDS) {
                runs.add(new String[] {c.getAnnotation(Command.class).name(), "--help"});
            }
            for (Path mount : List.of(dir, none)) {
                String m = mount.toString();
                runs.add(new String[] {"-m", m, "ls"});
                runs.add(new String[] {"-m", m, "ls", "--json"});
                runs.add(new String[] {"-m", m, "info", "x"});
                runs.add(new String[] {"-m", m, "status", "--json", "x"});
                runs.add(new String[] {"-m", m, "table", "x"});
                runs.add(new String[] {"-m", m, "create", "x", "--table", "0 8 zero"});
                runs.add(new String[] {"-m", m, "suspend", "x"});
                runs.add(new String[] {"-m", m, "resume", "x"});
                runs.add(new String[] {"-m", m, "remove", "x"});
                runs.add(new String[] {"-m", m, "stats", "--prometheus"});
                runs.add(new String[] {"-m", m, "targets"});
                runs.add(new String[] {"-m", m, "nosuchcommand"});
            }
            for (String[] run : runs) {
                Main.run(out, out, run);
                Files.writeString(dir.resolve("control"), "");
            }
        } finally {
            try (var files = Files.list(dir)) {
                for (Path f : files.toList()) {
                    Files.deleteIfExists(f);
                }
            }
            Files.deleteIfExists(dir);
        }
    }
}
