package org.mapperfs.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Requests that wait indefinitely in the daemon (writes at a suspended device's gate, wait
 * commands) never leave the control file without a thread to answer it, however many there are:
 * more than the daemon's standing workers here.
 */
class WaitingRequestsIT {
    private static final int WAITING = 24;

    private Sandbox s;
    private Path a;
    private FuseConnection fuse;
    private final List<Process> waiting = new ArrayList<>();

    @BeforeEach
    void mount() throws IOException {
        s = new Sandbox("waiting");
        s.mount();
        a = s.file("a.img", 1024 * 1024);
        s.create("vol", "0 2048 linear " + a + " 0");
        fuse = new FuseConnection(s.mnt);
    }

    @AfterEach
    void cleanUp() {
        for (Process p : waiting) {
            p.destroyForcibly();
        }
        if (s != null) {
            s.close();
        }
        if (fuse != null) {
            fuse.close();
        }
    }

    @Test
    void resumeIsAnsweredWhileMoreWritesThanWorkersWaitAtTheGate() throws Exception {
        s.cli("suspend", "vol").orFail();
        Path device = s.mnt.resolve("vol");
        for (int i = 0; i < WAITING; i++) {
            waiting.add(start("printf 'block %04d' " + i + " | dd of=" + device + " bs=4096 seek=" + i
                    + " conv=notrunc,sync oflag=direct status=none"));
        }
        fuse.awaitWaiting(WAITING);

        Shell.Result resume = Shell.run(List.of("timeout", "30", "java", "-jar", Sandbox.JAR.toString(), "-m",
                s.mnt.toString(), "resume", "vol"));

        assertThat(resume.exit()).as("resume: " + resume.err()).isZero();
        for (Process p : waiting) {
            assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
            assertThat(p.exitValue()).isZero();
        }
        for (int i = 0; i < WAITING; i++) {
            assertThat(new String(Sandbox.readAt(a, i * 4096L, 10))).isEqualTo(String.format("block %04d", i));
        }
    }

    @Test
    void controlFileAnswersWhileMoreWaitCommandsThanWorkersWait() throws Exception {
        Path control = s.mnt.resolve("control");
        for (int i = 0; i < WAITING; i++) {
            // Opened as the CLI opens it (read-write, no O_TRUNC: a truncating open waits for the
            // file's lock, which the kernel holds while any write to it is answered).
            waiting.add(start("exec 3<>" + control + " && echo 'wait vol' >&3 && cat <&3"));
        }
        fuse.awaitWaiting(WAITING);

        Shell.Result ls = Shell.run(List.of("timeout", "30", "java", "-jar", Sandbox.JAR.toString(), "-m",
                s.mnt.toString(), "ls"));

        assertThat(ls.exit()).as("ls: " + ls.err()).isZero();
        assertThat(ls.out()).contains("vol\tACTIVE\t2048 sectors");
        // A table swap is an event: every wait returns, with the swap's event number.
        s.cliIn(s.dir, "0 2048 linear " + a + " 0", "load", "vol").orFail();
        s.cli("resume", "vol").orFail();
        for (Process p : waiting) {
            assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
            String out = new String(p.getInputStream().readAllBytes());
            assertThat(p.exitValue()).as(out).isZero();
            assertThat(out.strip()).as("the wait's answer").isEqualTo("1");
        }
    }

    private static Process start(String script) throws IOException {
        return new ProcessBuilder(Shell.bash(script)).redirectErrorStream(true).start();
    }
}
