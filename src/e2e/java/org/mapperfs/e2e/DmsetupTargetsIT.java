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
 * Scripts written for the kernel's device-mapper, run with mapperfs's dmsetup first on PATH:
 * the power-failure example (dmsetup calls only), an error range, a dust bad block, a delay,
 * and a huge sparse device made of zero under a snapshot, each through /dev/mapper/NAME.
 */
@Timeout(value = 300, unit = TimeUnit.SECONDS)
class DmsetupTargetsIT {
    private static final int S = 512;
    private Sandbox s;
    private String scratch;

    @BeforeEach
    void mount() throws IOException {
        s = new Sandbox("dmsetup");
        s.mount();
        Path file = s.file("scratch.img", 256L << 20);
        scratch = Shell.run("losetup", "--find", "--show", file.toString()).orFail().out().strip();
    }

    @AfterEach
    void cleanUp() {
        if (s != null) {
            s.close(); // unmount --force detaches the devices' loop devices
        }
        if (scratch != null) {
            Shell.run("losetup", "-d", scratch);
        }
    }

    @Test
    void thePowerFailureExampleWrittenOnlyWithDmsetupPasses() throws IOException {
        Shell.Result run = Scripts.example("dmsetup-power-failure.sh");

        assertThat(run.exit()).as(run.out() + run.err()).isZero();
        assertThat(run.out()).contains("ok: the fsync'd file is intact", "ok: the dropped write is gone",
                "ok: fsck is clean").doesNotContain("FAILED");
    }

    @Test
    void anErrorRangeFailsThereAndNowhereElse() throws IOException {
        // As fstests' _dmerror_mark_range_bad: linear, error (with the arguments it ignores), linear.
        String table = "0 1024 linear " + scratch + " 0\n1024 8 error " + scratch + " 1024\n1032 1016 linear "
                + scratch + " 1032";
        s.dmsetup("create", "error-test", "--table", table).orFail();
        String dev = s.mapper("error-test").toString();

        assertThat(dd(dev, 1023, 1).exit()).isZero();
        assertThat(dd(dev, 1024, 1).err()).contains("Input/output error");
        assertThat(dd(dev, 1031, 1).err()).contains("Input/output error");
        assertThat(dd(dev, 1032, 16).exit()).isZero();
        assertThat(s.dmsetup("table", "error-test").orFail().out()).contains("1024 8 error \n");
    }

    @Test
    void aDustBadBlockFailsExactlyThere() {
        s.dmsetup("create", "dust-test", "--table", "0 2048 dust " + scratch + " 0 512").orFail();
        s.dmsetup("message", "dust-test", "0", "addbadblock", "10").orFail();
        s.dmsetup("message", "dust-test", "0", "enable").orFail();
        String dev = s.mapper("dust-test").toString();

        assertThat(s.dmsetup("message", "dust-test", "0", "countbadblocks").orFail().out())
                .isEqualTo("countbadblocks: 1 badblock(s) found\n");
        assertThat(dd(dev, 10, 1).err()).contains("Input/output error");
        assertThat(dd(dev, 9, 1).exit()).isZero();
        assertThat(dd(dev, 11, 1).exit()).isZero();
    }

    @Test
    void aDelayHoldsReads() {
        s.dmsetup("create", "delay-test", "--table", "0 2048 delay " + scratch + " 0 300").orFail();

        long start = System.nanoTime();
        assertThat(dd(s.mapper("delay-test").toString(), 0, 8).exit()).isZero();

        assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start)).as("ms for one delayed read")
                .isGreaterThanOrEqualTo(300);
    }

    @Test
    void aHugeSparseDeviceOfZeroUnderASnapshotTakesMkfs() throws IOException {
        // As fstests' _dmhugedisk_init: a 4 TiB zero device, a non-persistent snapshot with a
        // small COW (the scratch disk), the origin named by its /dev/mapper path.
        long sectors = 4L << 31;
        s.dmsetup("create", "huge-test-zero", "--table", "0 " + sectors + " zero").orFail();
        s.dmsetup("create", "huge-test", "--table", "0 " + sectors + " snapshot "
                + s.mapper("huge-test-zero") + " " + scratch + " N 128").orFail();
        String dev = s.mapper("huge-test").toString();

        assertThat(Shell.run("blockdev", "--getsz", dev).orFail().out().strip()).isEqualTo(String.valueOf(sectors));
        Shell.run("mkfs.ext4", "-q", "-F", "-E", "lazy_itable_init=1,nodiscard", "-J", "size=16", dev).orFail();
        Shell.run("fsck.ext4", "-fn", dev).orFail();
        assertThat(s.dmsetup("status", "huge-test").orFail().out()).matches("0 " + sectors + " snapshot \\d+/\\d+ \\d+\n");
        Path fs = s.mountFs(dev, "huge");
        Files.writeString(fs.resolve("f"), "on a 4 TiB file system in 256 MiB");
        s.unmountFs(fs);
    }

    private static Shell.Result dd(String dev, long sector, int count) {
        return Shell.run("dd", "if=" + dev, "of=/dev/null", "bs=" + S, "skip=" + sector, "count=" + count,
                "iflag=direct", "status=none");
    }
}
