package org.mapperfs.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * SIGKILL of the daemon at random moments while a writer does O_DIRECT writes with an fsync
 * after each batch, through the device file and through a loop device in turn. Each time: I/O
 * on the dead mount fails at once, {@code mapperfs unmount} names the loop devices left on it,
 * {@code mapperfs mount} on the same mount point and state folder clears the dead mount and
 * brings the device back, and every block holds what its last fsync'd write put there (or a
 * later write that had not been fsync'd yet). The kill is done over each transport the daemon
 * has, {@code wire} (the default) and FUSE over io_uring, each remounted with its own.
 *
 * <p>{@code -Dkill.rounds=N} (default 3, the CI form); src/torture/campaign.sh daemon-kill runs 50.
 */
@Timeout(value = 30, unit = TimeUnit.MINUTES)
class DaemonKillIT {
    private static final int BLOCK = FsyncedWrites.BLOCK;
    private static final int BLOCKS = 4096; // 16 MiB

    private Sandbox s;
    private final FsyncedWrites writes = new FsyncedWrites(BLOCKS);

    @BeforeEach
    void sandbox() throws IOException {
        s = new Sandbox("kill");
    }

    private void mountWithVolume(String transport) throws IOException {
        s.mount("--transport", transport);
        Path img = s.file("vol.img", (long) BLOCK * BLOCKS);
        s.create("vol", "0 " + (BLOCKS * 8) + " linear " + img + " 0");
    }

    @AfterEach
    void cleanUp() {
        if (s != null) {
            s.close();
        }
    }

    @ParameterizedTest(name = "over {0}")
    @ValueSource(strings = {"wire", "uring"})
    void noFsyncedWriteIsLostWhenTheDaemonIsKilled(String transport) throws Exception {
        mountWithVolume(transport);
        int rounds = Integer.getInteger("kill.rounds", 3);
        Random random = new Random(Long.getLong("kill.seed", 5));
        long checkedBytes = 0;
        long start = System.nanoTime();
        for (int round = 0; round < rounds; round++) {
            boolean throughLoop = round % 2 == 1;
            String loop = throughLoop ? s.attach("vol") : null;
            Path target = throughLoop ? Path.of(loop) : s.mnt.resolve("vol");
            long pid = daemonPid();
            long rings = ringsOf(pid);
            assertThat(transport.equals("uring") ? rings > 0 : rings == 0)
                    .as("the killed daemon carries requests over %s (%d io_uring instances)", transport, rings)
                    .isTrue();
            CompletableFuture<Long> writer = CompletableFuture.supplyAsync(() -> writes.write(target, random.nextLong()));
            Thread.sleep(300 + random.nextInt(1500));

            Shell.run("kill", "-9", Long.toString(pid)).orFail();

            long batches = writer.get(60, TimeUnit.SECONDS);
            assertThat(batches).as("batches fsync'd before kill %d", round + 1).isPositive();
            ProcessHandle daemon = ProcessHandle.of(pid).orElse(null);
            if (daemon != null) {
                daemon.onExit().get(30, TimeUnit.SECONDS); // fails the test by timing out if it lives on
            }
            assertDeadMountFailsAtOnce();
            if (throughLoop) {
                Shell.Result unmount = s.cli("unmount");
                assertThat(unmount.out() + unmount.err()).as("the stale mount's loop device is named")
                        .contains(loop);
                Shell.run("losetup", "-d", loop);
            }
            s.remount("--transport", transport);
            checkedBytes += writes.verify(s.mnt.resolve("vol"));
            System.out.printf("kill %d over %s: %s, %d batches fsync'd before the kill%n", round + 1, transport,
                    throughLoop ? "through loop" : "through the device file", batches);
        }
        System.out.printf("daemon kills over %s: %d survived, %d MiB checked, %.0f s%n", transport, rounds,
                checkedBytes >> 20, (System.nanoTime() - start) / 1e9);
    }

    /**
     * The same kill under ext4 on the loop device, with a writer rewriting files and fsyncing
     * each: after the restart the file system mounts (replaying its journal), every fsync'd file
     * has its checksum, and fsck finds nothing. {@code -Dkill.fs.rounds=N} (default 2).
     */
    @Test
    void aFileSystemOnTheDeviceComesBackCleanAfterAKill() throws Exception {
        mountWithVolume("wire");
        int rounds = Integer.getInteger("kill.fs.rounds", 2);
        Random random = new Random(Long.getLong("kill.seed", 5));
        for (int round = 0; round < rounds; round++) {
            String loop = s.attach("vol");
            Path fs = round == 0 ? s.mkfsAndMount(loop, "kill" + round) : s.mountFs(loop, "kill" + round);
            long pid = daemonPid();
            FileWriterLoad writer = new FileWriterLoad(fs, 6, random.nextLong()).start();
            Thread.sleep(500 + random.nextInt(1500));

            Shell.run("kill", "-9", Long.toString(pid)).orFail();

            writer.stop();
            assertThat(writer.written.get()).as("files fsync'd before kill %d", round + 1).isPositive();
            int inProgress = writer.written.get() % 6;
            Shell.run("umount", "-l", fs.toString());
            Shell.run("losetup", "-d", loop);
            s.remount("--transport", "wire");
            String again = s.attach("vol");
            Path back = s.mountFs(again, "back" + round); // replays the journal
            writer.sums.remove(fs.resolve("file-" + inProgress)); // its rewrite was cut short: either content
            writer.errors.clear(); // the writer's own failure at the kill
            writer.verifyIn(back);
            assertThat(writer.errors).as("fsync'd files whose checksum differs").isEmpty();
            s.unmountFs(back);
            FilesystemIT.fsckClean(again);
            Shell.run("losetup", "-d", again).orFail();
            System.out.printf("kill under ext4 %d: %d files fsync'd, %d checked, fsck clean%n", round + 1,
                    writer.written.get(), writer.sums.size());
        }
    }

    private long daemonPid() throws IOException {
        return Long.parseLong(ControlFile.run(s.mnt, "daemon").lines().findFirst().orElseThrow().split(" ")[1]);
    }

    /** The io_uring instances a process holds open (FUSE over io_uring has one per queue). */
    private static long ringsOf(long pid) throws IOException {
        try (var fds = Files.list(Path.of("/proc", Long.toString(pid), "fd"))) {
            return fds.filter(fd -> {
                try {
                    return Files.readSymbolicLink(fd).toString().equals("anon_inode:[io_uring]");
                } catch (IOException e) {
                    return false; // closed meanwhile
                }
            }).count();
        }
    }

    private void assertDeadMountFailsAtOnce() {
        long start = System.nanoTime();
        Shell.Result stat = Shell.run("timeout", "10", "stat", s.mnt.resolve("vol").toString());
        assertThat(stat.exit()).as("I/O on the dead mount fails").isNotZero().isNotEqualTo(124);
        assertThat(stat.err()).contains("Transport endpoint is not connected");
        assertThat(TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - start)).isLessThan(5);
    }

}
