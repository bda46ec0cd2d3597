package org.mapperfs.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Suspend, reload and resume on devices in use, through the kernel: online grow of a mounted
 * ext4, remapping its data to another file under load, I/O held (not failed) while suspended,
 * and hundreds of reloads under a verifying workload.
 */
class LiveReconfigurationIT {
    private static final long MIB = 1024 * 1024;
    private static final long S64 = 64 * MIB / 512;

    @Test
    void mountedExt4GrowsOnlineWhileAWriterRuns() throws Exception {
        try (Sandbox s = new Sandbox("grow")) {
            s.mount();
            Path a = s.file("a.img", 64 * MIB);
            Path b = s.file("b.img", 64 * MIB);
            s.create("vol", "0 " + S64 + " linear " + a + " 0");
            String loop = s.attach("vol");
            Path fs = s.mkfsAndMount(loop, "vol");
            long before = Files.getFileStore(fs).getTotalSpace();

            FileWriterLoad writer = new FileWriterLoad(fs, 16, 1).start();
            Thread.sleep(500);
            s.cli("suspend", "vol").orFail();
            s.cli("load", "vol", "--table", "0 " + S64 + " linear " + a + " 0;" + S64 + " " + S64 + " linear " + b
                    + " 0").orFail();
            assertThat(s.cli("info", "vol").orFail().out()).contains("SUSPENDED").contains("LIVE & INACTIVE");
            s.cli("resume", "vol").orFail();
            assertThat(Files.size(s.mnt.resolve("vol"))).isEqualTo(128 * MIB);
            s.cli("attach", "--refresh", "vol").orFail();
            assertThat(Shell.run("blockdev", "--getsize64", loop).orFail().out().strip())
                    .isEqualTo(Long.toString(128 * MIB));
            boolean online = canResizeOnline();
            if (online) {
                Shell.run("resize2fs", loop).orFail();
            }
            Thread.sleep(500);
            writer.stop();

            assertThat(writer.errors).isEmpty();
            assertThat(writer.written.get()).isGreaterThan(10);
            assertThat(s.cli("info", "vol").orFail().out()).contains("ACTIVE").contains("Event number:      1");
            if (!online) {
                // Growing ext4 while mounted needs CAP_SYS_RESOURCE; without it, grow it unmounted.
                s.unmountFs(fs);
                FilesystemIT.fsckClean(loop); // what the reload left, before a check that repairs
                Shell.run("e2fsck", "-fy", loop).orFail(); // resize2fs asks for a fresh check
                Shell.run("resize2fs", loop).orFail();
                fs = s.mountFs(loop, "grown");
            }
            assertThat(Files.getFileStore(fs).getTotalSpace()).isGreaterThan(before + 48 * MIB);
            s.unmountFs(fs);
            fs = s.fsckAndVerify(loop, writer, "again");
        }
    }

    @Test
    void dataMovesToAnotherFileWhileMounted() throws Exception {
        try (Sandbox s = new Sandbox("remap")) {
            s.mount();
            Path a = s.file("a.img", 64 * MIB);
            Path c = s.dir.resolve("c.img");
            s.create("vol", "0 " + S64 + " linear " + a + " 0");
            String loop = s.attach("vol");
            Path fs = s.mkfsAndMount(loop, "vol");
            FileWriterLoad writer = new FileWriterLoad(fs, 16, 2).start();
            Thread.sleep(500);

            s.cli("suspend", "vol").orFail();
            Files.copy(a, c, StandardCopyOption.REPLACE_EXISTING);
            s.cli("load", "vol", "--table", "0 " + S64 + " linear " + c + " 0").orFail();
            s.cli("resume", "vol").orFail();
            int atMove = writer.written.get();
            String aAfterMove = Shell.run("sha256sum", a.toString()).orFail().out();
            Thread.sleep(700);
            writer.awaitMoreThan(atMove);
            writer.stop();

            assertThat(writer.errors).isEmpty();
            assertThat(writer.written.get()).as("files fsync'd after the move").isGreaterThan(atMove);
            assertThat(s.cli("table", "vol").orFail().out()).contains(c.toString()).doesNotContain(a.toString());
            assertThat(Shell.run("sha256sum", a.toString()).orFail().out()).as("A is no longer written")
                    .isEqualTo(aAfterMove);
            s.unmountFs(fs);
            fs = s.fsckAndVerify(loop, writer, "again");
        }
    }

    @Test
    void ioOnASuspendedDeviceWaitsAndCompletesAfterResume() throws Exception {
        try (Sandbox s = new Sandbox("held")) {
            s.mount();
            Path a = s.file("a.img", 8 * MIB);
            Path o = s.file("o.img", 8 * MIB);
            s.create("vol", "0 16384 linear " + a + " 0");
            s.create("other", "0 16384 linear " + o + " 0");
            String loop = s.attach("vol");
            s.cli("suspend", "vol").orFail();

            Process dd = new ProcessBuilder("dd", "if=/dev/urandom", "of=" + loop, "bs=64k", "count=4",
                    "oflag=direct", "conv=fsync").redirectErrorStream(true).start();
            assertThat(dd.waitFor(1500, TimeUnit.MILLISECONDS)).as("dd waits while vol is suspended").isFalse();

            assertThat(s.cli("ls").orFail().out()).contains("vol\tSUSPENDED").contains("other\tACTIVE");
            try (FileChannel ch = FileChannel.open(s.mnt.resolve("other"), StandardOpenOption.READ,
                    StandardOpenOption.WRITE)) {
                ch.write(ByteBuffer.wrap("still working".getBytes()), 4096);
                ByteBuffer back = ByteBuffer.allocate(13);
                ch.read(back, 4096);
                assertThat(new String(back.array())).isEqualTo("still working");
            }
            assertThat(dd.isAlive()).isTrue();

            s.cli("resume", "vol").orFail();
            assertThat(dd.waitFor(20, TimeUnit.SECONDS)).isTrue();
            assertThat(dd.exitValue()).as(new String(dd.getInputStream().readAllBytes())).isZero();
        }
    }

    @Test
    void twoHundredReloadsUnderAVerifyingWorkloadLoseNothing() throws Exception {
        try (Sandbox s = new Sandbox("stress")) {
            s.mount();
            Path a = s.file("a.img", 64 * MIB);
            String whole = "0 " + S64 + " linear " + a + " 0";
            String halves = "0 " + S64 / 2 + " linear " + a + " 0\n" + S64 / 2 + " " + S64 / 2 + " linear " + a + " "
                    + S64 / 2;
            s.create("vol", whole);
            String loop = s.attach("vol");
            BlockVerifier load = new BlockVerifier(Path.of(loop), 64 * MIB, 7);
            load.start(2);

            int cycles = 200;
            long start = System.nanoTime();
            for (int i = 0; i < cycles; i++) {
                ControlFile.run(s.mnt, "suspend vol");
                ControlFile.run(s.mnt, "load vol\n" + (i % 2 == 0 ? halves : whole));
                ControlFile.run(s.mnt, "resume vol");
            }
            double msPerCycle = (System.nanoTime() - start) / 1e6 / cycles;
            load.stop();
            load.verifyAll();

            System.out.printf("stress: %d suspend/load/resume cycles, %.1f ms per cycle, %d writes and %d reads"
                    + " verified, %d errors%n", cycles, msPerCycle, load.writes.get(), load.reads.get(),
                    load.errors.size());
            assertThat(load.errors).isEmpty();
            assertThat(load.writes.get()).isGreaterThan(cycles);
            assertThat(ControlFile.run(s.mnt, "info vol")).contains("Event number:      " + cycles);
        }
    }

    @Test
    void badReloadsAreRefusedAndLeaveTheLiveTableAlone() throws Exception {
        try (Sandbox s = new Sandbox("badreload")) {
            s.mount();
            Path a = s.file("a.img", 8 * MIB);
            s.create("low", "0 16384 linear " + a + " 0");
            s.create("up", "0 16384 linear low 0");
            String table = s.cli("table").orFail().out();

            assertRefused(s, "no device named 'nosuch'", "load", "nosuch", "--table", "0 8 zero");
            assertRefused(s, "is the device itself", "load", "low", "--table", "0 16384 linear low 0");
            assertRefused(s, "would make a cycle", "load", "low", "--table", "0 16384 linear up 0");

            s.attach("up");
            assertRefused(s, "would shrink up from 16384 to 8192 sectors", "load", "up", "--table", "0 8192 linear low 0");
            assertThat(s.cli("info", "up").orFail().out()).contains("Tables present:    LIVE\n");
            assertThat(s.cli("table").orFail().out()).isEqualTo(table);

            s.cli("load", "--force", "up", "--table", "0 8192 linear low 0").orFail();
            assertThat(s.cli("table", "--inactive", "up").orFail().out()).isEqualTo("0 8192 linear low 0\n");
            s.cli("clear", "up").orFail();
            assertThat(s.cli("table").orFail().out()).isEqualTo(table);
        }
    }

    /** Online resize of ext4 (EXT4_IOC_RESIZE_FS) needs CAP_SYS_RESOURCE, which containers may drop. */
    static boolean canResizeOnline() throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith("CapEff:")) {
                return (Long.parseUnsignedLong(line.substring(7).strip(), 16) >>> 24 & 1) == 1;
            }
        }
        return false;
    }

    private static void assertRefused(Sandbox s, String message, String... args) {
        Shell.Result r = s.cli(args);
        assertThat(r.exit()).as(r.out() + r.err()).isEqualTo(1);
        assertThat(r.err()).contains(message);
    }
}
