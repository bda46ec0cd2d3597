package org.mapperfs.docs;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.mapperfs.cli.Main;

/** The pages the build made render with man, one per command, with what --help says. */
class ManPagesTest {
    private static final Path MAN = Path.of("target/man");

    private static String render(String page) throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder("man", "-l", MAN.resolve(page).toString()).redirectErrorStream(true);
        pb.environment().put("MANWIDTH", "200");
        pb.environment().put("MANPAGER", "cat");
        Process p = pb.start();
        String text = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(text).isZero();
        return text;
    }

    @Test
    void mapperfs1RendersWithItsCommandsAndTheDmsetupNotes() throws Exception {
        String page = render("mapperfs.1");
        assertThat(page).contains("MAPPERFS(1)", "SYNOPSIS", "mapperfs [-hV]", "COMMANDS", "install-completion",
                "dmsetup mode:", "/dev/mapper/NAME", "Exit status:");
    }

    @Test
    void everyCommandHasAPageWithItsOptions() throws Exception {
        for (var command : Main.allCommands().getSubcommands().values()) {
            String name = command.getCommandSpec().name();
            assertThat(MAN.resolve("mapperfs-" + name + ".1")).as(name).exists();
        }
        assertThat(render("mapperfs-stats.1")).contains("MAPPERFS-STATS(1)", "--prometheus", "--json", "--textfile");
        assertThat(render("mapperfs-ls.1")).contains("--tree", "--json");
    }
}
