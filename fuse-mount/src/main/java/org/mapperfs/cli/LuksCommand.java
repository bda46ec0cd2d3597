package org.mapperfs.cli;

import java.io.Console;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.concurrent.Callable;
import org.mapperfs.cli.luks.LuksContainer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code mapperfs luks open FILE NAME} unlocks a LUKS1 or LUKS2 container made by cryptsetup
 * with a passphrase (or key file) and creates NAME as the crypt mapping of its payload, as
 * {@code cryptsetup open} does where device-mapper exists; {@code luks close NAME} removes it.
 */
@Command(name = "luks", description = "Open a LUKS container (cryptsetup's format) as a crypt device, or close it.",
        subcommands = {LuksCommand.Open.class, LuksCommand.Close.class})
final class LuksCommand implements Runnable {
    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        throw new picocli.CommandLine.ParameterException(spec.commandLine(), "luks: open or close?");
    }

    @Command(name = "open", description = "Unlock FILE with a passphrase (asked for, or read from stdin) or --key-file,"
            + " and create NAME over its payload.")
    static final class Open implements Callable<Integer>, ContextAware {
        private final Context context;

        @Spec
        CommandSpec spec;

        @Parameters(index = "0", paramLabel = "FILE")
        Path file;

        @Parameters(index = "1", paramLabel = "NAME")
        String name;

        @Option(names = {"-d", "--key-file"}, paramLabel = "FILE", description = "Read the passphrase from FILE (all of it).")
        Path keyFile;

        Open(Context context) {
            this.context = context;
        }

        @Override
        public Integer call() throws CliException, IOException {
            Path container = file.toAbsolutePath().normalize();
            LuksContainer luks = LuksContainer.read(container);
            byte[] passphrase = passphrase(container);
            byte[] key = null;
            try {
                key = luks.unlock(passphrase);
                context.control().sendWithTable("create " + name + " --uuid " + luks.mappingUuid(name),
                        luks.table(key));
            } finally {
                Arrays.fill(passphrase, (byte) 0);
                if (key != null) {
                    Arrays.fill(key, (byte) 0);
                }
            }
            spec.commandLine().getOut().println("opened " + name + " (LUKS" + luks.version() + ", "
                    + luks.sectorSize() + "-byte sectors)");
            return Main.OK;
        }

        private byte[] passphrase(Path container) throws IOException {
            if (keyFile != null) {
                return Files.readAllBytes(keyFile);
            }
            Console console = System.console();
            if (console != null) {
                char[] typed = console.readPassword("Enter passphrase for %s: ", container);
                if (typed == null) {
                    throw new IOException("no passphrase given");
                }
                byte[] bytes = new String(typed).getBytes(StandardCharsets.UTF_8);
                Arrays.fill(typed, '\0');
                return bytes;
            }
            // Piped, as cryptsetup reads it: the first line, without its newline.
            byte[] all = System.in.readAllBytes();
            int end = 0;
            while (end < all.length && all[end] != '\n') {
                end++;
            }
            byte[] line = Arrays.copyOf(all, end);
            Arrays.fill(all, (byte) 0);
            return line;
        }
    }

    @Command(name = "close", description = "Remove the device a 'luks open' created.")
    static final class Close implements Callable<Integer>, ContextAware {
        private final Context context;

        @Parameters(paramLabel = "NAME")
        String name;

        Close(Context context) {
            this.context = context;
        }

        @Override
        public Integer call() throws CliException {
            context.control().send("remove " + name);
            return Main.OK;
        }
    }
}
