package org.mapperfs.examples.embed;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The embedding example runs as a user would run it, and does what it says. */
class EmbedExampleTest {
    @TempDir
    Path dir;

    @Test
    void theExampleMirrorsCountsReloadsAndReadsBack() throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        EmbedExample.run(dir, new PrintStream(bytes, true, StandardCharsets.UTF_8));
        String out = bytes.toString(StandardCharsets.UTF_8);

        String message = "written through two devices onto two files";
        assertThat(out).contains("status of counted: 0 8192 tally 0 " + message.length())
                .contains("read back: " + message)
                .contains("counted: 0 2048 zero | 2048 6144 tally mirror 2048")
                .contains("on a.img: " + message).contains("on b.img: " + message);
        for (String leg : new String[] {"a.img", "b.img"}) {
            byte[] file = Files.readAllBytes(dir.resolve(leg));
            assertThat(Arrays.copyOfRange(file, 1 << 20, (1 << 20) + message.length()))
                    .isEqualTo(message.getBytes(StandardCharsets.UTF_8));
        }
    }
}
