package org.mapperfs.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * FUSE over io_uring (--transport uring) through the kernel: requests travel over the per-CPU
 * queues (the ring workers do the work), fio's verifying writer and reader find every block, ext4
 * on it is fsck clean, and the fuse module's enable_uring parameter is back as it was after the
 * unmount.
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
            assertThat(Files.readString(ENABLE).trim()).as("switched on while mounted").isEqualTo("Y");
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
}
