package org.mapperfs.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Exports of every shape, through the kernel: a qcow2 file served by qemu-nbd (checked and read
 * back by qemu-img afterwards), and nbdkit with simple replies only, a 64 KiB request limit, no
 * multi-conn and no write-zeroes; a read-only export refuses writes with a clear log line.
 */
@Timeout(value = 600, unit = TimeUnit.SECONDS)
class NbdExportsIT {
    @Test
    void ext4OnAQcow2ServedByQemuNbdIsWhatQemuImgReadsBack() throws Exception {
        Sandbox.requireKernel();
        assertThat(Path.of("/usr/bin/qemu-nbd")).as("qemu-nbd (src/bin/ensure-deps installs qemu-utils)").exists();
        try (Sandbox s = new Sandbox("qcow2")) {
            Path image = s.dir.resolve("disk.qcow2");
            Shell.run("qemu-img", "create", "-q", "-f", "qcow2", image.toString(), "256M").orFail();
            Path socket = s.dir.resolve("qemu.sock");
            Path log = s.dir.resolve("qemu-nbd.log");
            Process server = new ProcessBuilder("qemu-nbd", "--persistent", "--shared=4", "--format=qcow2",
                    "--socket=" + socket, image.toString()).redirectErrorStream(true).redirectOutput(log.toFile())
                    .start();
            try {
                Nbdkit.awaitListening(socket, server, log);
                s.mount();
                s.create("q", "0 524288 linear nbd+unix:///?socket=" + socket + " 0");
                String loop = s.attach("q");
                Path fs = s.mkfsAndMount(loop, "q");
                Shell.run("dd", "if=/dev/urandom", "of=" + fs.resolve("data"), "bs=1M", "count=16", "conv=fsync",
                        "status=none").orFail();
                String sum = FilesystemIT.sha256(fs.resolve("data"));
                s.unmountFs(fs);
                FilesystemIT.fsckClean(loop);
                Path again = s.mountFs(loop, "q2");
                assertThat(FilesystemIT.sha256(again.resolve("data"))).isEqualTo(sum);
                s.unmountFs(again);
                Path raw = s.dir.resolve("device.raw");
                Shell.run("dd", "if=" + loop, "of=" + raw, "bs=1M", "status=none").orFail();
                Shell.run("losetup", "-d", loop).orFail();
                s.cli("unmount").orFail(); // the connection goes, flushed
            } finally {
                server.destroy();
                assertThat(server.waitFor(30, TimeUnit.SECONDS)).as("qemu-nbd stopped").isTrue();
            }
            Shell.run("qemu-img", "check", "-q", image.toString()).orFail();
            Shell.Result same = Shell.run("qemu-img", "compare", "-f", "qcow2", "-F", "raw", image.toString(),
                    s.dir.resolve("device.raw").toString());
            assertThat(same.exit()).as("the qcow2 holds what the device showed: " + same.out() + same.err()).isZero();
        }
    }

    @Test
    void simpleRepliesSmallRequestsNoMultiConnAndNoZeroCarryExt4AndAReadOnlyExportRefusesWrites()
            throws Exception {
        Sandbox.requireKernel();
        try (Nbdkit servers = new Nbdkit(); Sandbox s = new Sandbox("nbd-shapes")) {
            Path plain = s.dir.resolve("plain.sock");
            Path connections = s.dir.resolve("connections.txt");
            servers.serve(List.of("--no-sr", "--filter=log", "--filter=blocksize", "--filter=multi-conn",
                    "--filter=nozero"), plain, s.dir.resolve("nbdkit.log"), "memory", "128M", "maxlen=65536",
                    "multi-conn-mode=disable", "zeromode=none", "logfile=" + connections);
            Path readOnly = s.dir.resolve("ro.sock");
            servers.serve(List.of("-r"), readOnly, s.dir.resolve("nbdkit-ro.log"), "memory", "1M");
            s.mount("--remote-connections", "4");
            s.create("plain", "0 262144 linear nbd+unix:///?socket=" + plain + " 0");
            s.create("ro", "0 2048 linear nbd+unix:///?socket=" + readOnly + " 0");
            String loop = s.attach("plain");

            // A discard without write-zeroes on the server: explicit zeros, read back as zeros.
            Shell.run("dd", "if=/dev/urandom", "of=" + loop, "bs=1M", "count=1", "seek=32", "oflag=direct",
                    "status=none").orFail();
            Shell.run("blkdiscard", "-o", String.valueOf(32 << 20), "-l", String.valueOf(1 << 20), loop).orFail();
            Shell.run("cmp", "-i", (32 << 20) + ":0", "-n", String.valueOf(1 << 20), loop, "/dev/zero").orFail();

            Path fs = s.mkfsAndMount(loop, "plain"); // 1 MiB writes go out as 64 KiB requests
            Shell.run("dd", "if=/dev/urandom", "of=" + fs.resolve("data"), "bs=1M", "count=32", "conv=fsync",
                    "status=none").orFail();
            String sum = FilesystemIT.sha256(fs.resolve("data"));
            s.unmountFs(fs);
            FilesystemIT.fsckClean(loop);
            Path again = s.mountFs(loop, "plain2");
            assertThat(FilesystemIT.sha256(again.resolve("data"))).isEqualTo(sum);
            s.unmountFs(again);
            assertThat(Files.readAllLines(connections).stream().filter(l -> l.contains(" Connect ")).count())
                    .as("one connection: the server does not allow multi-conn").isEqualTo(1);

            Shell.Result write = Shell.run("dd", "if=/dev/zero", "of=" + s.mnt.resolve("ro"), "bs=4k", "count=1",
                    "conv=notrunc,fsync", "status=none");
            assertThat(write.exit()).isNotZero();
            assertThat(write.err()).contains("Input/output error");
            Shell.run("dd", "if=" + s.mnt.resolve("ro"), "of=/dev/null", "bs=4k", "count=16", "status=none")
                    .orFail();
            assertThat(Files.readString(s.state.resolve("daemon.log")))
                    .contains("the export is read-only; a write at 0 is refused");
            assertThat(s.cli("info", "--json", "ro").orFail().out()).contains("\"read_only\":true");
        }
    }
}
