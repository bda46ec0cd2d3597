package org.mapperfs.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * FUSE over io_uring (--transport uring) through the kernel: requests travel over the per-CPU
 * queues (the ring workers do the work), fio's verifying writer and reader find every block, ext4
 * on it is fsck clean, and the fuse module's enable_uring parameter is back as it was once the
 * mount is up (a connection that took io_uring up keeps it). Suspending a device with requests
 * on every queue never strands the command that resumes it.
 */
@Timeout(value = 300, unit = TimeUnit.SECONDS)
class UringTransportIT {
    private static final Path ENABLE = Path.of("/sys/module/fuse/parameters/enable_uring");

    /** CPU ticks of the daemon's threads whose name starts with {@code prefix}. */
    private static long ticks(long pid, String prefix) throws Exception {
        long sum = 0;
        try (var tasks = Files.list(Path.of("/proc/" + pid + "/task"))) {
            for (Path t : (Iterable<Path>) tasks::iterator) {
                String stat = Files.readString(t.resolve("stat"));
                String comm = stat.substring(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
                if (comm.startsWith(prefix)) {
                    String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
                    sum += Long.parseLong(f[11]) + Long.parseLong(f[12]); // utime, stime
                }
            }
        }
        return sum;
    }

    @Test
    void requestsTravelOverTheQueuesAndNothingIsLost() throws Exception {
        Sandbox.requireKernel();
        assertThat(ENABLE).as("this kernel's fuse module has FUSE over io_uring").exists();
        String before = Files.readString(ENABLE).trim();
        try (Sandbox s = new Sandbox("uring")) {
            Path disk = s.file("disk.img", 256L << 20);
            s.mount("--transport", "uring");
            String log = Files.readString(s.state.resolve("daemon.log"));
            assertThat(log).contains("FUSE over io_uring: ").doesNotContain("could not be set up");
            assertThat(log).as("switched on for the mount if it was off")
                    .contains(before.equals("N") ? "enable_uring switched on" : "FUSE over io_uring");
            assertThat(Files.readString(ENABLE).trim()).as("back as it was once the kernel had the INIT reply")
                    .isEqualTo(before);
            long pid = Long.parseLong(Shell.run("pgrep", "-f", s.state.toString()).orFail().out().trim()
                    .split("\\s+")[0]);
            s.create("lin", "0 524288 linear " + disk + " 0");
            String loop = s.attach("lin");
            long ringBefore = ticks(pid, "mapperfs-ring");
            Shell.run("fio", "--name=verify", "--filename=" + loop, "--rw=randwrite", "--bs=4k", "--iodepth=16",
                    "--ioengine=libaio", "--direct=1", "--size=64M", "--verify=crc32c", "--verify_fatal=1",
                    "--output-format=terse").orFail();
            Shell.run("fio", "--name=seq", "--filename=" + loop, "--rw=write", "--bs=1M", "--iodepth=4",
                    "--ioengine=libaio", "--direct=1", "--offset=64M", "--size=128M", "--verify=md5",
                    "--verify_fatal=1", "--output-format=terse").orFail();
            assertThat(ticks(pid, "mapperfs-ring") - ringBefore).as("the ring workers served the I/O").isPositive();

            Path fs = s.mkfsAndMount(loop, "fs");
            Shell.run("dd", "if=/dev/urandom", "of=" + fs.resolve("file"), "bs=1M", "count=32", "conv=fsync",
                    "status=none").orFail();
            String sum = FilesystemIT.sha256(fs.resolve("file"));
            s.unmountFs(fs);
            FilesystemIT.fsckClean(loop);
            Path again = s.mountFs(loop, "fs-again");
            assertThat(FilesystemIT.sha256(again.resolve("file"))).isEqualTo(sum);
            s.unmountFs(again);
            Shell.run("losetup", "-d", loop).orFail();
            s.cli("unmount").orFail();
        }
        assertThat(Files.readString(ENABLE).trim()).as("enable_uring as it was before the mount").isEqualTo(before);
    }

    /**
     * Suspend, load and resume cycles while fio keeps 64 writes in flight on each CPU's queue
     * (two jobs on the device file, one bound to each CPU, each on its own 96 MiB) and 32 more
     * through loop (on the last 64 MiB): every suspend makes the held requests fill the queues'
     * entries, and the next command, on whichever CPU it runs, must still be answered. fio
     * verifies every block after.
     */
    @Test
    void commandsAreAnsweredWhileSuspendHoldsRequestsOnEveryQueue() throws Exception {
        Sandbox.requireKernel();
        int seconds = Integer.getInteger("uring.seconds", 20);
        ExecutorService control = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "control");
            t.setDaemon(true);
            return t;
        });
        int cycles = 0;
        try (Sandbox s = new Sandbox("uring-suspend")) {
            Path disk = s.file("disk.img", 256L << 20);
            s.mount("--transport", "uring");
            String whole = "0 524288 linear " + disk + " 0";
            String halves = "0 262144 linear " + disk + " 0\n262144 262144 linear " + disk + " 262144";
            s.create("vol", whole);
            String loop = s.attach("vol");
            Process direct = new ProcessBuilder(List.of("fio", "--name=direct", "--filename=" + s.mnt.resolve("vol"),
                    "--rw=randwrite", "--bs=4k", "--iodepth=64", "--ioengine=libaio", "--direct=1", "--size=96M",
                    "--numjobs=2", "--offset_increment=96M", "--cpus_allowed=0-1", "--cpus_allowed_policy=split",
                    "--verify=crc32c",
                    "--verify_fatal=1", "--verify_backlog=1024", "--verify_state_save=0", "--time_based",
                    "--runtime=" + seconds, "--output-format=terse")).redirectErrorStream(true).start();
            Process viaLoop = new ProcessBuilder(List.of("fio", "--name=loop", "--filename=" + loop, "--rw=randwrite",
                    "--bs=4k", "--iodepth=32", "--ioengine=libaio", "--direct=1", "--offset=192M", "--size=64M",
                    "--verify=crc32c", "--verify_fatal=1", "--verify_backlog=1024", "--verify_state_save=0",
                    "--time_based", "--runtime=" + seconds, "--output-format=terse")).redirectErrorStream(true).start();
            try (FuseConnection conn = new FuseConnection(s.mnt)) {
                Thread.sleep(1000);
                for (; direct.isAlive() && viaLoop.isAlive(); cycles++) {
                    int i = cycles;
                    for (String command : List.of("suspend vol", "load vol\n" + (i % 2 == 0 ? halves : whole),
                            "resume vol")) {
                        Future<String> answer = control.submit(() -> ControlFile.run(s.mnt, command));
                        try {
                            answer.get(30, TimeUnit.SECONDS);
                        } catch (TimeoutException e) {
                            int atDaemon = conn.waiting();
                            conn.abort();
                            throw new AssertionError("cycle " + i + ": '" + command.lines().findFirst().orElseThrow()
                                    + "' had no answer in 30 s with " + atDaemon + " requests at the daemon");
                        }
                    }
                }
            } finally {
                if (direct.isAlive() && viaLoop.isAlive()) {
                    direct.destroyForcibly();
                    viaLoop.destroyForcibly();
                }
            }
            for (Process fio : List.of(direct, viaLoop)) {
                assertThat(fio.waitFor(3, TimeUnit.MINUTES)).isTrue();
                String out = new String(fio.getInputStream().readAllBytes());
                assertThat(fio.exitValue()).as("fio: " + out).isZero();
            }
            System.out.printf("uring: %d suspend/load/resume cycles with writes held on every queue%n", cycles);
            assertThat(cycles).as("cycles in %d s", seconds).isGreaterThan(seconds);
            Shell.run("losetup", "-d", loop).orFail();
            s.cli("unmount").orFail();
        } finally {
            control.shutdownNow();
        }
    }
}
