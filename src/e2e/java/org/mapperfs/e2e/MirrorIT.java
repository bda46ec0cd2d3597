package org.mapperfs.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The mirror target through the kernel: a mounted ext4 on a plain device becomes a two-leg
 * mirror live and resyncs under a writer, then goes back to one leg; a leg fails under load and
 * is replaced; a disk log keeps resync progress across a daemon restart.
 */
class MirrorIT {
    private static final long MIB = 1024 * 1024;
    private static final long S64 = 64 * MIB / 512;
    private static final Pattern SYNC = Pattern.compile(" (\\d+)/(\\d+) 1 ([ADSR]+) ");

    /** in_sync, total and health of the mirror in a {@code status} line. */
    record MirrorStatus(long inSync, long total, String health) {
        static MirrorStatus of(String status) {
            Matcher m = SYNC.matcher(status);
            assertThat(m.find()).as("a mirror status: %s", status).isTrue();
            return new MirrorStatus(Long.parseLong(m.group(1)), Long.parseLong(m.group(2)), m.group(3));
        }

        boolean complete() {
            return inSync == total;
        }
    }

    @Test
    void aMountedPlainDeviceBecomesAMirrorLiveAndGoesBack() throws Exception {
        try (Sandbox s = new Sandbox("mirror")) {
            s.mount();
            Path a = s.file("a.img", 64 * MIB);
            Path b = s.file("b.img", 64 * MIB);
            s.create("vol", "0 " + S64 + " linear " + a + " 0");
            String loop = s.attach("vol");
            Path fs = s.mkfsAndMount(loop, "vol");
            FileWriterLoad writer = new FileWriterLoad(fs, 16, 11).start();
            Thread.sleep(500);

            // 64 MiB at 16 MiB/s: the resync takes about 4 s, under the writer.
            s.cli("suspend", "vol").orFail();
            s.cli("load", "vol", "--table", "0 " + S64 + " mirror core 2 256 sync 2 " + a + " 0 " + b + " 0"
                    + " 2 max_recovery_rate 16384").orFail();
            s.cli("resume", "vol").orFail();
            long start = System.nanoTime();
            int writtenAtResume = writer.written.get();
            MirrorStatus first = status(s);
            assertThat(first.total()).isEqualTo(512);
            assertThat(first.inSync()).as("resync has only begun").isLessThan(256);
            // The CLI's progress bar follows the resync and returns when it is complete.
            Shell.Result watch = s.cli("status", "--watch", "--interval", "200", "vol").orFail();
            List<String> bars = watch.out().strip().lines().toList();
            assertThat(bars.size()).as("progress shown while the resync ran: %s", bars).isGreaterThan(2);
            assertThat(bars.get(bars.size() - 1)).contains("100.0%").contains("512/512 regions in sync");
            MirrorStatus done = status(s);
            assertThat(done.complete()).isTrue();
            double seconds = (System.nanoTime() - start) / 1e9;
            int writtenDuringResync = writer.written.get() - writtenAtResume;
            writer.stop();

            System.out.printf("mirror: 64 MiB resynced in %.1f s (%.1f MiB/s, limit 16 MiB/s) while the writer"
                    + " wrote %d files of 1 MiB%n", seconds, 64 / seconds, writtenDuringResync);
            assertThat(writer.errors).isEmpty();
            assertThat(writtenDuringResync).as("the writer ran during the resync").isGreaterThan(5);
            assertThat(done.health()).isEqualTo("AA");
            s.unmountFs(fs);
            assertThat(Files.mismatch(a, b)).as("A and B byte for byte").isEqualTo(-1);
            fs = s.fsckAndVerify(loop, writer, "again");

            // The way back: B alone, while mounted.
            FileWriterLoad second = new FileWriterLoad(fs.resolve("more"), 4, 12);
            Files.createDirectories(fs.resolve("more"));
            second.start();
            Thread.sleep(300);
            s.cli("suspend", "vol").orFail();
            s.cli("load", "vol", "--table", "0 " + S64 + " linear " + b + " 0").orFail();
            s.cli("resume", "vol").orFail();
            int atSwitch = second.written.get();
            second.awaitMoreThan(atSwitch);
            second.stop();
            assertThat(second.errors).isEmpty();
            assertThat(second.written.get()).as("files fsync'd on B alone").isGreaterThan(atSwitch);
            writer.verifyIn(fs);
            second.verifyIn(fs.resolve("more"));
            s.unmountFs(fs);
            FilesystemIT.fsckClean(loop);
            assertThat(s.cli("table", "vol").orFail().out()).isEqualTo("0 " + S64 + " linear " + b + " 0\n");
            fs = s.mountFs(loop, "on-b");
            writer.verifyIn(fs);
            second.verifyIn(fs.resolve("more"));
            assertThat(writer.errors).isEmpty();
            assertThat(second.errors).isEmpty();
        }
    }

    @Test
    void aLegThatFailsUnderLoadIsDroppedAndAReplacementResyncs() throws Exception {
        try (Sandbox s = new Sandbox("mirror-fail")) {
            s.mount();
            Path a = s.file("a.img", 64 * MIB);
            Path b = s.file("b.img", 64 * MIB);
            Path c = s.file("c.img", 64 * MIB);
            s.create("legb", "0 " + S64 + " linear " + b + " 0");
            s.create("vol", "0 " + S64 + " mirror core 1 1024 2 " + a + " 0 legb 0 1 handle_errors");
            awaitInSync(s, 60);
            String loop = s.attach("vol");
            Path fs = s.mkfsAndMount(loop, "vol");
            FileWriterLoad writer = new FileWriterLoad(fs, 16, 21).start();
            Thread.sleep(500);
            long event = Long.parseLong(ControlFile.run(s.mnt, "info vol").replaceAll("(?s).*Event number: *(\\d+).*",
                    "$1"));

            s.cli("load", "legb", "--table", "0 " + S64 + " error").orFail();
            s.cli("resume", "legb").orFail();
            s.cli("wait", "vol", Long.toString(event)).orFail();
            Thread.sleep(500);
            assertThat(status(s).health()).as("leg b is dead").isEqualTo("AD");
            assertThat(writer.errors).as("the file system does not notice").isEmpty();

            s.cli("load", "vol", "--table", "0 " + S64 + " mirror core 1 1024 2 " + a + " 0 " + c + " 0"
                    + " 1 handle_errors").orFail();
            s.cli("resume", "vol").orFail();
            MirrorStatus replaced = awaitInSync(s, 120);
            writer.stop();
            printResyncs(s, "no rate limit, fallocated files, under the writer");

            assertThat(replaced.health()).isEqualTo("AA");
            assertThat(writer.errors).isEmpty();
            assertThat(writer.written.get()).isGreaterThan(10);
            s.unmountFs(fs);
            assertThat(Files.mismatch(a, c)).as("A and the new leg C byte for byte").isEqualTo(-1);
            fs = s.fsckAndVerify(loop, writer, "again");
        }
    }

    @Test
    void aDiskLogKeepsResyncProgressAcrossADaemonRestart() throws Exception {
        try (Sandbox s = new Sandbox("mirror-log")) {
            s.mount();
            Path a = s.file("a.img", 64 * MIB);
            Path b = s.file("b.img", 64 * MIB);
            Path log = s.file("log.img", MIB);
            byte[] noise = new byte[(int) (8 * MIB)];
            Random random = new Random(31);
            for (int i = 0; i < 8; i++) {
                random.nextBytes(noise);
                Sandbox.writeAt(a, i * 8 * MIB, noise);
            }
            // 64 MiB at 8 MiB/s: about 8 s.
            s.create("vol", "0 " + S64 + " mirror disk 2 " + log + " 256 2 " + a + " 0 " + b + " 0"
                    + " 2 max_recovery_rate 8192");
            Thread.sleep(2000);
            long before = status(s).inSync();
            s.cli("unmount").orFail();
            assertThat(Sandbox.isMounted(s.mnt)).isFalse();

            s.mount();
            MirrorStatus after = status(s);

            System.out.printf("mirror: %d of %d regions in sync before the restart, %d after%n", before,
                    after.total(), after.inSync());
            assertThat(before).isBetween(1L, after.total() - 1);
            assertThat(after.inSync()).as("continues where it stopped").isGreaterThanOrEqualTo(before);
            s.cli("message", "vol", "0", "mirror_resync_rate", "0").orFail();
            awaitInSync(s, 60);
            printResyncs(s, "disk log, random data, limit 8 MiB/s then none");
            s.cli("unmount").orFail();
            assertThat(Files.mismatch(a, b)).isEqualTo(-1);
        }
    }

    /** The daemon logs each completed resync with its time and speed. */
    private static void printResyncs(Sandbox s, String what) throws IOException {
        Files.readAllLines(s.state.resolve("daemon.log")).stream().filter(l -> l.contains("resync complete"))
                .forEach(l -> System.out.println("mirror (" + what + "): " + l.substring(l.indexOf("resync complete"))));
    }

    private static MirrorStatus status(Sandbox s) throws IOException {
        return MirrorStatus.of(ControlFile.run(s.mnt, "status vol"));
    }

    private static MirrorStatus awaitInSync(Sandbox s, int seconds) throws Exception {
        long deadline = System.nanoTime() + seconds * 1_000_000_000L;
        MirrorStatus st = status(s);
        while (!st.complete() && System.nanoTime() < deadline) {
            Thread.sleep(100);
            st = status(s);
        }
        assertThat(st.complete()).as("in sync within %d s: %s", seconds, st).isTrue();
        return st;
    }
}
