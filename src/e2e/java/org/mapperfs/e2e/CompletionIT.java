package org.mapperfs.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * install-completion puts the completion script and the manual pages in place, and a real bash,
 * given the words of a command line as it gives them to a completion function, completes
 * commands, options and the mount's device names.
 */
class CompletionIT {
    @Test
    void bashCompletesCommandsOptionsAndDeviceNamesAndManRendersThePage() throws Exception {
        Sandbox.requireKernel();
        try (Sandbox s = new Sandbox("completion")) {
            s.mount();
            s.create("alpha", "0 8 zero");
            s.create("beta", "0 8 zero");
            Path completions = s.dir.resolve("completions");
            Path man = s.dir.resolve("man1");

            String said = s.cli("install-completion", "--dir", completions.toString(), "--man-dir", man.toString())
                    .orFail().out();

            Path script = completions.resolve("mapperfs");
            assertThat(said).contains(script.toString());
            assertThat(script).exists();
            assertThat(man.resolve("mapperfs.1")).exists();
            assertThat(man.resolve("mapperfs-status.1")).exists();
            Shell.Result page = Shell.run(List.of("man", "-l", man.resolve("mapperfs.1").toString()),
                    Map.of("MANPAGER", "cat", "MANWIDTH", "120"), s.dir, null).orFail();
            assertThat(page.out()).contains("MAPPERFS(1)", "dmsetup mode:");

            String mnt = s.mnt.toString();
            assertThat(complete(script, "mapperfs", "-m", mnt, "st")).containsExactlyInAnyOrder("status", "stats");
            assertThat(complete(script, "mapperfs", "-m", mnt, "status", "")).containsExactly("alpha", "beta");
            assertThat(complete(script, "mapperfs", "-m", mnt, "suspend", "b")).containsExactly("beta");
            assertThat(complete(script, "mapperfs", "-m", mnt, "ls", "--j")).containsExactly("--json");
            assertThat(complete(script, "mapperfs", "-m", mnt, "status", "alpha", "--wa")).containsExactly("--watch");
            assertThat(complete(script, "mapperfs", "-m", mnt, "create", "")).doesNotContain("alpha", "beta");
            assertThat(complete(script, "mapperfs", "create", "x", "--table", "\"0 2048 li"))
                    .containsExactly("\"0 2048 linear");
            assertThat(complete(script, "mapperfs", "create", "x", "--table", "'0 8 snap"))
                    .containsExactlyInAnyOrder("'0 8 snapshot", "'0 8 snapshot-merge", "'0 8 snapshot-origin");
        }
    }

    /** What bash's completion of {@code words} (the last one being completed) offers, one per line. */
    private static List<String> complete(Path script, String... words) {
        StringBuilder array = new StringBuilder();
        for (String w : words) {
            array.append(" '").append(w.replace("'", "'\\''")).append('\'');
        }
        String program = String.join("\n",
                "source '" + script + "'",
                "compopt() { :; }  # only a completion run by readline may change its options",
                "COMP_WORDS=(" + array + ")",
                "COMP_CWORD=" + (words.length - 1),
                "COMP_LINE=\"${COMP_WORDS[*]}\"",
                "COMP_POINT=${#COMP_LINE}",
                "_mapperfs_complete mapperfs \"${COMP_WORDS[COMP_CWORD]}\" \"${COMP_WORDS[COMP_CWORD-1]}\"",
                "printf '%s\\n' \"${COMPREPLY[@]}\"");
        String out = Shell.run(List.of("bash", "-c", program), Map.of(), Path.of("/"), null).orFail().out();
        return out.lines().filter(l -> !l.isBlank()).map(String::strip).toList();
    }
}
