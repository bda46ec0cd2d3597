package org.mapperfs.cli;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Option;

/** Where a table comes from: --table TEXT, --table-file FILE, or standard input. */
final class TableInput {
    @ArgGroup(exclusive = true, multiplicity = "0..1")
    Source source;

    static final class Source {
        @Option(names = "--table", paramLabel = "TEXT",
                description = "The table; lines may also be separated by ';'.")
        String text;

        @Option(names = "--table-file", paramLabel = "FILE", description = "Read the table from FILE.")
        Path file;
    }

    String read(InputStream stdin) throws CliException {
        if (source != null && source.text != null) {
            return source.text.replace(';', '\n');
        }
        if (source != null && source.file != null) {
            try {
                return Files.readString(source.file, StandardCharsets.UTF_8);
            } catch (NoSuchFileException e) {
                throw new CliException("table file " + source.file + " does not exist");
            } catch (IOException e) {
                throw new CliException("table file " + source.file + ": " + e.getMessage());
            }
        }
        if (System.console() != null) {
            System.err.println("mapperfs: reading the table from standard input (end with Ctrl-D)");
        }
        try {
            return new String(stdin.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new CliException("reading the table from standard input: " + e.getMessage());
        }
    }
}
