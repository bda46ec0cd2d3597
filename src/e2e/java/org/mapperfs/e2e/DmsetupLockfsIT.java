package org.mapperfs.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * dm's lockfs: {@code dmsetup suspend} freezes the file system mounted on the device, so a
 * writer waits until {@code resume}; {@code suspend --nolockfs} holds I/O only, and a write that
 * needs no I/O goes on.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS) // a regression leaves a writer frozen: fail instead
class DmsetupLockfsIT {
    private Sandbox s;
    private Path fs;

    @BeforeEach
    void mount() throws IOException {
        s = new Sandbox("dmsetup-lockfs");
        s.mount();
        Path img = s.file("disk.img", 64L << 20);
        s.dmsetup("create", "vol", "--table", "0 131072 linear " + img + " 0").orFail();
        fs = s.mkfsAndMount(s.mapper("vol").toString(), "vol");
    }

    @AfterEach
    void cleanUp() {
        if (fs != null) {
            // Resume first: a thaw writes the superblock, which would wait at the suspended device.
            s.dmsetup("resume", "vol");
            Shell.run("fsfreeze", "--unfreeze", fs.toString()); // whatever a failure left frozen
        }
        if (s != null) {
            s.close();
        }
    }

    @Test
    void suspendFreezesTheFileSystemAndResumeThawsIt() throws Exception {
        s.dmsetup("suspend", "vol").orFail();
        // Freezing a frozen file system fails at once (EBUSY); one that is not frozen would sync
        // first and wait at the suspended device.
        Process freeze = new ProcessBuilder("fsfreeze", "--freeze", fs.toString()).redirectErrorStream(true).start();
        assertThat(freeze.waitFor(30, TimeUnit.SECONDS)).as("a second freeze returns").isTrue();
        assertThat(new String(freeze.getInputStream().readAllBytes())).contains("Device or resource busy");
        Process writer = new ProcessBuilder("bash", "-c", "echo frozen-time > " + fs.resolve("f")).start();

        // Nothing here looks into the frozen file system: a lookup there can wait behind the writer.
        assertThat(writer.waitFor(2, TimeUnit.SECONDS)).as("the writer waits while the file system is frozen")
                .isFalse();

        s.dmsetup("resume", "vol").orFail();

        assertThat(writer.waitFor(30, TimeUnit.SECONDS)).as("the writer goes on after resume").isTrue();
        assertThat(writer.exitValue()).isZero();
        assertThat(Files.readString(fs.resolve("f"))).isEqualTo("frozen-time\n");
    }

    @Test
    void suspendWithNolockfsDoesNotFreezeTheFileSystem() throws Exception {
        s.dmsetup("suspend", "--nolockfs", "vol").orFail();
        // A thaw of a file system that is not frozen fails at once (EINVAL); of a frozen one, it
        // would write the superblock and wait at the suspended device.
        Process thaw = new ProcessBuilder("fsfreeze", "--unfreeze", fs.toString()).redirectErrorStream(true).start();

        assertThat(thaw.waitFor(30, TimeUnit.SECONDS)).as("the thaw of an unfrozen file system returns").isTrue();
        assertThat(thaw.exitValue()).isNotZero();
        assertThat(new String(thaw.getInputStream().readAllBytes())).contains("Invalid argument");
        assertThat(s.dmsetup("info", "-c", "--noheadings", "-o", "suspended", "vol").orFail().out())
                .isEqualTo("Suspended\n");
        s.dmsetup("resume", "vol").orFail();
        Files.writeString(fs.resolve("g"), "after resume");
        Shell.run("sync", "-f", fs.resolve("g").toString()).orFail();
    }
}
