package org.mapperfs.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * The kernel's FUSE request timeout (Linux 6.14+, fs.fuse.default_request_timeout): mapperfs
 * asks for none, since I/O held at a suspended device may rightly wait for as long as the
 * suspend lasts. Where an administrator sets one, the daemon's log says at mount what it means,
 * and it does mean it: a write held at a suspended device past it aborts the whole mount.
 */
class RequestTimeoutIT {
    private static final Path SYSCTL = Path.of("/proc/sys/fs/fuse/default_request_timeout");

    private Sandbox s;
    private String before;

    @AfterEach
    void cleanUp() throws IOException {
        if (before != null) {
            Files.writeString(SYSCTL, before);
        }
        if (s != null) {
            s.close();
        }
    }

    @Test
    void aTimeoutSetByTheAdministratorIsSaidAtMountAndAbortsAMountWhoseIoWaitsPastIt() throws Exception {
        Sandbox.requireKernel();
        Assumptions.assumeTrue(Files.exists(SYSCTL), "this kernel has no FUSE request timeouts");
        before = Files.readString(SYSCTL).strip();
        Files.writeString(SYSCTL, "1");
        s = new Sandbox("timeout");
        s.mount(); // the connection takes the timeout when the daemon answers INIT
        Files.writeString(SYSCTL, before);
        Path img = s.file("a.img", 1 << 20);
        s.create("vol", "0 2048 linear " + img + " 0");

        List<String> log = Files.readAllLines(s.state.resolve("daemon.log"));
        assertThat(log).anyMatch(l -> l.contains("fs.fuse.default_request_timeout is 1 s"));

        s.cli("suspend", "vol").orFail();
        Process writer = new ProcessBuilder(Shell.bash("printf x | dd of=" + s.mnt.resolve("vol")
                + " bs=512 conv=notrunc,sync oflag=direct status=none")).redirectErrorStream(true).start();
        assertThat(writer.waitFor(60, TimeUnit.SECONDS)).as("the kernel ends the held write").isTrue();
        assertThat(writer.exitValue()).isNotZero();
        assertThat(Shell.run("stat", s.mnt.resolve("vol").toString()).err())
                .contains("Transport endpoint is not connected");
    }
}
