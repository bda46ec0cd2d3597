package org.mapperfs.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * Installs the shell completion (see {@link Completion}) where bash-completion finds it, and the
 * manual pages made at build ({@code src/docs}) where man finds them.
 */
@Command(name = "install-completion", description = {
    "Install bash completion of commands, options and device names (zsh: source the same file after "
        + "'autoload -U +X bashcompinit && bashcompinit'), and the manual pages mapperfs(1), mapperfs-COMMAND(1).",
    "With --print, write the completion script to standard output instead."})
final class InstallCompletionCommand implements Callable<Integer> {
    static final Path COMPLETION_DIR = Path.of("/usr/share/bash-completion/completions");
    static final Path MAN_DIR = Path.of("/usr/local/share/man/man1");

    @Spec
    CommandSpec spec;

    @Option(names = "--print", description = "Print the completion script and install nothing.")
    boolean print;

    @Option(names = "--dir", paramLabel = "DIR", description = "Where the completion script goes (default: "
            + "/usr/share/bash-completion/completions, as file 'mapperfs').")
    Path dir = COMPLETION_DIR;

    @Option(names = "--man-dir", paramLabel = "DIR",
            description = "Where the manual pages go (default: /usr/local/share/man/man1).")
    Path manDir = MAN_DIR;

    @Override
    public Integer call() throws CliException {
        String script = Completion.script();
        if (print) {
            spec.commandLine().getOut().print(script);
            spec.commandLine().getOut().flush();
            return Main.OK;
        }
        Path file = dir.resolve("mapperfs");
        try {
            Files.createDirectories(dir);
            Files.writeString(file, script);
        } catch (IOException e) {
            throw new CliException("cannot write " + file + ": " + e.getMessage(), e);
        }
        spec.commandLine().getOut().println("completion: " + file + " (new shells complete mapperfs; this one after: "
                + "source " + file + ")");
        Path pages = InstallDmsetupCommand.checkout().resolve("src/docs/target/man");
        if (!Files.isDirectory(pages)) {
            spec.commandLine().getOut().println("manual pages: none built at " + pages + " (mvn package builds them)");
            return Main.OK;
        }
        int copied = 0;
        try (var list = Files.list(pages)) {
            Files.createDirectories(manDir);
            for (Path page : list.filter(p -> p.getFileName().toString().endsWith(".1")).toList()) {
                Files.copy(page, manDir.resolve(page.getFileName()), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
                copied++;
            }
        } catch (IOException e) {
            throw new CliException("cannot install the manual pages in " + manDir + ": " + e.getMessage(), e);
        }
        spec.commandLine().getOut().println("manual pages: " + copied + " in " + manDir + " (man mapperfs)");
        return Main.OK;
    }
}
