package org.mapperfs.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * A device file used as a plain file by the usual tools: copied onto, truncated, allocated,
 * as a block device would take it.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class DeviceFileIT {
    private static final int SIZE = 1024 * 1024;
    private Sandbox s;
    private Path a;
    private Path device;

    @BeforeAll
    void mount() throws IOException {
        s = new Sandbox("file");
        s.mount();
        a = s.file("a.img", SIZE);
        s.create("vol", "0 2048 linear " + a + " 0");
        device = s.mnt.resolve("vol");
    }

    @AfterAll
    void unmount() {
        if (s != null) {
            s.close();
        }
    }

    /** O_TRUNC (cat, cp, dd without conv=notrunc) is ignored, as a block device ignores it. */
    @Test
    void imageCopiedOntoTheDeviceWithTruncatingToolsLandsAndKeepsTheSize() throws IOException {
        Path image = s.dir.resolve("image");
        Shell.run(Shell.bash("head -c 65536 /dev/urandom > " + image)).orFail();

        Shell.run(Shell.bash("cat " + image + " > " + device)).orFail();
        assertThat(Files.size(device)).isEqualTo(SIZE);
        assertThat(Sandbox.readAt(a, 0, 65536)).isEqualTo(Files.readAllBytes(image));

        Shell.run("dd", "if=" + image, "of=" + device, "bs=4096", "seek=16", "status=none").orFail();
        assertThat(Files.size(device)).isEqualTo(SIZE);
        assertThat(Sandbox.readAt(a, 65536, 65536)).isEqualTo(Files.readAllBytes(image));
        assertThat(Sandbox.readAt(a, 0, 65536)).as("O_TRUNC left the data before it alone")
                .isEqualTo(Files.readAllBytes(image));
    }

    @Test
    void truncateToAnotherSizeIsRefusedAndChangesNothing() {
        Shell.Result r = Shell.run("truncate", "-s", "512K", device.toString());

        assertThat(r.exit()).isNotZero();
        assertThat(r.err()).contains("Invalid argument");
        assertThat(s.cli("ls").orFail().out()).contains("vol\tACTIVE\t2048 sectors");
    }

    /** Zeroing or allocating past the end would grow the file: refused; with --keep-size it is cut at the end. */
    @Test
    void fallocatePastTheEndIsRefusedUnlessItKeepsTheSize() throws IOException {
        Sandbox.writeAt(a, SIZE - 4096, new byte[] {1, 2, 3, 4});

        for (List<String> mode : List.<List<String>>of(List.of("--zero-range"), List.of())) {
            List<String> command = new ArrayList<>(List.of("fallocate"));
            command.addAll(mode);
            command.addAll(List.of("-o", "0", "-l", "2M", device.toString()));
            Shell.Result grow = Shell.run(command);
            assertThat(grow.exit()).as(mode + ": " + grow.err()).isNotZero();
            assertThat(grow.err()).contains("File too large");
            assertThat(Files.size(device)).isEqualTo(SIZE);
        }
        Shell.run("fallocate", "-z", "-n", "-o", String.valueOf(SIZE - 4096), "-l", "2M", device.toString()).orFail();

        assertThat(Files.size(device)).isEqualTo(SIZE);
        assertThat(Sandbox.readAt(a, SIZE - 4096, 4)).containsExactly(0, 0, 0, 0);
    }
}
