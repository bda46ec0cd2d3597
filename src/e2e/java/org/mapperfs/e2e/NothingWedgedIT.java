package org.mapperfs.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Control commands and shutdowns that wait on another device end: at once where they need not
 * wait (a suspend with nothing in flight, commands on a device stacked on a suspended one), on
 * a signal where they must (a suspend whose I/O in flight waits at a suspended lower device),
 * and with an error for the waiting I/O when the mount is torn down by force.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS) // a regression hangs in D state: fail instead
class NothingWedgedIT {
    private Sandbox s;
    private Path img;
    private FuseConnection fuse;
    private final List<Process> started = new ArrayList<>();

    @BeforeEach
    void mount() throws IOException {
        s = new Sandbox("wedged");
        s.mount();
        img = s.file("low.img", 16L << 20);
        s.create("low", "0 32768 linear " + img + " 0");
        s.create("up", "0 32768 linear low 0");
        fuse = new FuseConnection(s.mnt);
    }

    @AfterEach
    void cleanUp() {
        for (Process p : started) {
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
    void suspendAndResumeInEitherOrderNeverWaitForTheOtherDevice() {
        // Bottom-up: up's suspend has nothing in flight and must not wait for low's resume.
        within(10, "suspend", "low").orFail();
        within(10, "suspend", "up").orFail();
        assertThat(state("up")).isEqualTo("SUSPENDED");
        within(10, "resume", "up").orFail();
        within(10, "resume", "low").orFail();
        // Top-down.
        within(10, "suspend", "up").orFail();
        within(10, "suspend", "low").orFail();
        within(10, "resume", "low").orFail();
        within(10, "resume", "up").orFail();
        assertThat(state("up")).isEqualTo("ACTIVE");
        assertThat(state("low")).isEqualTo("ACTIVE");
    }

    @Test
    void commandsOnAStackedDeviceEndWhileTheLowerOneIsSuspended() {
        within(10, "suspend", "low").orFail();

        within(10, "load", "up", "--table", "0 16384 linear low 0").orFail();
        within(10, "resume", "up").orFail(); // swaps tables: suspends up first, with nothing in flight
        within(10, "rename", "up", "up2").orFail();
        Shell.Result message = within(10, "message", "up2", "0", "hello");
        assertThat(message.exit()).as(message.err()).isEqualTo(1);
        assertThat(message.err()).contains("accepts no messages");
        within(10, "remove", "up2").orFail();

        within(10, "resume", "low").orFail();
        assertThat(s.cli("ls").orFail().out()).contains("low\tACTIVE").doesNotContain("up");
    }

    @Test
    void aSuspendWaitingForItsIoInFlightEndsWhenItsCallerIsSignalled() throws Exception {
        within(10, "suspend", "low").orFail();
        // A direct read of up passes up's gate and waits at low's: up's suspend must wait for it.
        Process reader = start("dd if=" + s.mnt.resolve("up") + " of=/dev/null bs=4096 count=1 iflag=direct"
                + " status=none");
        fuse.awaitWaiting(1);

        long start = System.nanoTime();
        Shell.Result suspend = within(3, "suspend", "up");
        long seconds = TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - start);

        assertThat(suspend.exit()).as("timeout's signal ends the suspend: " + suspend.err()).isEqualTo(124);
        assertThat(seconds).as("seconds until the client exited").isLessThan(15);
        assertThat(state("up")).isEqualTo("ACTIVE");
        assertThat(reader.isAlive()).isTrue();
        within(10, "resume", "low").orFail();
        assertThat(reader.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(reader.exitValue()).isZero();
        within(10, "suspend", "up").orFail();
        within(10, "resume", "up").orFail();
    }

    @Test
    void aSuspendWaitingForAMirrorsResyncAtASuspendedLegEndsWhenItsCallerIsSignalled() throws Exception {
        Path primary = s.file("primary.img", 16L << 20);
        within(10, "suspend", "low").orFail();
        // The resync's first region waits at low's gate: the mirror's suspend must wait for it.
        within(10, "create", "m", "--table", "0 32768 mirror core 1 1024 2 " + primary + " 0 low 0").orFail();

        Shell.Result suspend = within(3, "suspend", "m");
        Shell.Result remove = within(3, "remove", "m");

        assertThat(suspend.exit()).as("timeout's signal ends the suspend: " + suspend.err()).isEqualTo(124);
        assertThat(remove.exit()).as("timeout's signal ends the remove: " + remove.err()).isEqualTo(124);
        assertThat(state("m")).isEqualTo("ACTIVE");
        within(10, "resume", "low").orFail();
        within(30, "suspend", "m").orFail();
        within(10, "resume", "m").orFail();
        within(30, "remove", "m").orFail();
    }

    @Test
    void aForcedUnmountEndsIoWaitingAtASuspendedDeviceWithAnError() throws Exception {
        String loop = s.attach("up");
        within(10, "suspend", "low").orFail();
        Process writer = start("dd if=/dev/urandom of=" + loop + " bs=4096 count=1 oflag=direct status=none");
        fuse.awaitWaiting(1);

        Shell.Result unmount = within(60, "unmount", "--force");

        assertThat(unmount.exit()).as("unmount --force (it waits for the daemon to exit): " + unmount.err())
                .isZero();
        assertThat(writer.waitFor(30, TimeUnit.SECONDS)).as("the writer ends").isTrue();
        assertThat(writer.exitValue()).isNotZero();
        assertThat(new String(writer.getInputStream().readAllBytes())).contains("Input/output error");
        assertThat(Shell.run("losetup", "-j", s.mnt.resolve("up").toString()).orFail().out()).isBlank();
        assertThat(Sandbox.isMounted(s.mnt)).isFalse();
    }

    @Test
    void anAbortedConnectionEndsWaitingIoAndTheDaemonExits() throws Exception {
        long pid = Long.parseLong(ControlFile.run(s.mnt, "daemon").lines().findFirst().orElseThrow().split(" ")[1]);
        Optional<ProcessHandle> daemon = ProcessHandle.of(pid);
        assertThat(daemon).isPresent();
        within(10, "suspend", "up").orFail();
        Process writer = start("dd if=/dev/urandom of=" + s.mnt.resolve("up")
                + " bs=4096 count=1 oflag=direct conv=notrunc status=none");
        fuse.awaitWaiting(1);

        Shell.run("fusermount", "-u", "-z", s.mnt.toString()).orFail();
        fuse.abort();

        daemon.get().onExit().get(30, TimeUnit.SECONDS);
        assertThat(writer.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(writer.exitValue()).isNotZero();
    }

    private Shell.Result within(int seconds, String... args) {
        List<String> command = new ArrayList<>(List.of("timeout", String.valueOf(seconds), "java", "-jar",
                Sandbox.JAR.toString(), "-m", s.mnt.toString()));
        command.addAll(List.of(args));
        return Shell.run(command);
    }

    private String state(String name) {
        return s.cli("info", name).orFail().out().lines().filter(l -> l.startsWith("State:"))
                .map(l -> l.substring("State:".length()).strip()).findFirst().orElseThrow();
    }

    private Process start(String script) throws IOException {
        Process p = new ProcessBuilder(Shell.bash(script)).redirectErrorStream(true).start();
        started.add(p);
        return p;
    }
}
