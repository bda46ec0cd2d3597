package org.mapperfs.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Devices over NBD exports served by nbdkit, through the kernel: ext4 on a linear device over an
 * export (mkfs, a 64 MiB file, fsck, checksum, the daemon restarted and the export reconnected),
 * and a server that fails requests: EIO to the writer, the daemon and the other devices fine.
 */
@Timeout(value = 600, unit = TimeUnit.SECONDS)
class NbdIT {
    @Test
    void ext4OnALinearDeviceOverAnExportSurvivesADaemonRestart() throws Exception {
        Sandbox.requireKernel();
        try (Nbdkit servers = new Nbdkit(); Sandbox s = new Sandbox("nbd")) {
            Path disk = s.file("export.img", 256L << 20);
            Path socket = s.dir.resolve("nbd.sock");
            servers.serve(socket, s.dir.resolve("nbdkit.log"), "file", disk.toString());
            String uri = "nbd+unix:///?socket=" + socket;
            s.mount();
            s.create("remote", "0 " + (256 << 11) + " linear " + uri + " 0");
            String loop = s.attach("remote");
            assertThat(s.cli("info", "remote").orFail().out()).contains("Remote:            " + uri + " connected\n");
            assertThat(s.cli("info", "--json", "remote").orFail().out())
                    .contains("\"remotes\":[{\"uri\":\"" + uri + "\",\"state\":\"connected\",\"read_only\":false,"
                            + "\"flushes\":true}]");

            Path fs = s.mkfsAndMount(loop, "remote");
            Shell.run("dd", "if=/dev/urandom", "of=" + fs.resolve("big"), "bs=1M", "count=64", "conv=fsync",
                    "status=none").orFail();
            String sum = FilesystemIT.sha256(fs.resolve("big"));
            s.unmountFs(fs);
            FilesystemIT.fsckClean(loop);
            Shell.run("losetup", "-d", loop).orFail();

            s.cli("unmount").orFail();
            s.mount(); // the state folder's table names the export: it reconnects
            assertThat(s.cli("table", "remote").orFail().out()).contains(uri);
            String again = s.attach("remote");
            FilesystemIT.fsckClean(again);
            Path back = s.mountFs(again, "remote2");
            assertThat(FilesystemIT.sha256(back.resolve("big"))).isEqualTo(sum);
            s.unmountFs(back);
        }
    }

    /**
     * The server killed (SIGKILL) under a writer and started again within the remote timeout:
     * the writer's requests wait, go to the new server, and the writer ends without an error,
     * every byte in place.
     */
    @Test
    void aServerKilledAndRestartedWithinTheTimeoutLosesNothingUnderAWriter() throws Exception {
        Sandbox.requireKernel();
        try (Nbdkit servers = new Nbdkit(); Sandbox s = new Sandbox("nbd-restart")) {
            Path disk = s.file("export.img", 128L << 20);
            Path socket = s.dir.resolve("nbd.sock");
            Process server = servers.serve(socket, s.dir.resolve("nbdkit.log"), "file", disk.toString());
            s.mount("--remote-timeout", "30");
            s.create("remote", "0 262144 linear nbd+unix:///?socket=" + socket + " 0");
            // fio writes 96 MiB at 24 MiB/s (4 s, so the kill lands in it), then reads it all back
            // and checks every block's checksum.
            Process writer = new ProcessBuilder("fio", "--name=restart", "--filename=" + s.mnt.resolve("remote"),
                    "--rw=write", "--bs=64k", "--size=96M", "--direct=1", "--rate=24m", "--verify=crc32c",
                    "--verify_fatal=1", "--output-format=terse").redirectErrorStream(true).start();
            Thread.sleep(1_000);
            assertThat(writer.isAlive()).as("the writer is still writing").isTrue();
            Nbdkit.kill(server);
            Thread.sleep(1_000); // requests wait for the server meanwhile
            servers.serve(socket, s.dir.resolve("nbdkit2.log"), "file", disk.toString());
            assertThat(writer.waitFor(120, TimeUnit.SECONDS)).as("the writer finished").isTrue();
            assertThat(writer.exitValue()).as(new String(writer.getInputStream().readAllBytes())).isZero();
            assertThat(Files.readString(s.state.resolve("daemon.log"))).contains("reconnected");
        }
    }

    @Test
    void aServerThatFailsRequestsGivesTheWriterEioAndNothingElseSuffers() throws Exception {
        Sandbox.requireKernel();
        try (Nbdkit servers = new Nbdkit(); Sandbox s = new Sandbox("nbd-errors")) {
            Path socket = s.dir.resolve("bad.sock");
            servers.serve(socket, s.dir.resolve("nbdkit.log"), "--filter=error", "memory", "16M", "error=EIO",
                    "error-pwrite-rate=100%");
            s.mount();
            Path good = s.file("good.img", 1 << 20);
            s.create("bad", "0 32768 linear nbd+unix:///?socket=" + socket + " 0");
            s.create("good", "0 2048 linear " + good + " 0");

            Shell.Result write = Shell.run("dd", "if=/dev/zero", "of=" + s.mnt.resolve("bad"), "bs=4k", "count=1",
                    "conv=notrunc,fsync", "status=none");
            assertThat(write.exit()).isNotZero();
            assertThat(write.err()).contains("Input/output error");
            Shell.run("dd", "if=" + s.mnt.resolve("bad"), "of=/dev/null", "bs=4k", "count=4", "status=none")
                    .orFail(); // reads are served
            Shell.run("dd", "if=/dev/urandom", "of=" + s.mnt.resolve("good"), "bs=4k", "count=16", "conv=notrunc",
                    "status=none").orFail();
            assertThat(s.cli("ls").orFail().out()).contains("bad", "good");
            assertThat(Files.readString(s.state.resolve("daemon.log"))).contains("the server failed the write");
        }
    }

    /**
     * Over TCP to a server in another network namespace, joined by a veth pair: with the link
     * down longer than the remote timeout a write fails with EIO after it, not never, while the
     * control file answers; with the link back the device reconnects and nothing written is lost.
     */
    @Test
    void aLinkDownLongerThanTheTimeoutIsEioNotAHangAndTheDeviceComesBack() throws Exception {
        Sandbox.requireKernel();
        String ns = "mfsnbd" + ProcessHandle.current().pid() % 100000;
        String host = "veth" + ns.substring(6) + "a";
        String peer = "veth" + ns.substring(6) + "b";
        int port = 10809 + (int) (ProcessHandle.current().pid() % 1000);
        List<Process> servers = new ArrayList<>();
        Shell.run("ip", "netns", "add", ns).orFail();
        try (Sandbox s = new Sandbox("nbd-tcp")) {
            Shell.run("ip", "link", "add", host, "type", "veth", "peer", "name", peer).orFail();
            Shell.run("ip", "link", "set", peer, "netns", ns).orFail();
            Shell.run("ip", "addr", "add", "10.231.77.1/30", "dev", host).orFail();
            Shell.run("ip", "link", "set", host, "up").orFail();
            Shell.run("ip", "netns", "exec", ns, "ip", "addr", "add", "10.231.77.2/30", "dev", peer).orFail();
            Shell.run("ip", "netns", "exec", ns, "ip", "link", "set", peer, "up").orFail();
            Shell.run("ip", "netns", "exec", ns, "ip", "link", "set", "lo", "up").orFail();
            Path log = s.dir.resolve("nbdkit.log");
            // nsenter --net, not ip netns exec: that would give nbdkit a copy of the mount table too.
            servers.add(new ProcessBuilder("nsenter", "--net=/run/netns/" + ns, "nbdkit", "-f", "-i", "10.231.77.2",
                    "-p", String.valueOf(port), "memory", "64M").redirectErrorStream(true)
                    .redirectOutput(log.toFile()).start());
            String uri = "nbd://10.231.77.2:" + port + "/";
            s.mount("--remote-timeout", "4");
            Shell.Result created = null;
            for (int i = 0; i < 100; i++) { // until nbdkit listens
                created = s.cli("create", "far", "--table", "0 131072 linear " + uri + " 0");
                if (created.exit() == 0) {
                    break;
                }
                Thread.sleep(50);
            }
            assertThat(created.exit()).as(created.err() + Files.readString(log)).isZero();
            Path device = s.mnt.resolve("far");
            Shell.run("dd", "if=/dev/urandom", "of=" + s.dir.resolve("data"), "bs=64k", "count=16", "status=none")
                    .orFail();
            Shell.run("dd", "if=" + s.dir.resolve("data"), "of=" + device, "bs=64k", "conv=notrunc,fsync",
                    "status=none").orFail();

            Shell.run("ip", "link", "set", host, "down").orFail();
            long start = System.nanoTime();
            Process writer = new ProcessBuilder("dd", "if=/dev/zero", "of=" + device, "bs=4k", "count=1",
                    "seek=1000", "conv=notrunc,fsync", "status=none").redirectErrorStream(true).start();
            Thread.sleep(500);
            long lsStart = System.nanoTime();
            assertThat(s.cli("ls").orFail().out()).contains("far");
            assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - lsStart)).as("the control file answers")
                    .isLessThan(3_000);
            assertThat(writer.waitFor(60, TimeUnit.SECONDS)).as("the write ended instead of hanging").isTrue();
            long took = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
            String said = new String(writer.getInputStream().readAllBytes());
            assertThat(writer.exitValue()).as(said).isNotZero();
            assertThat(said).contains("Input/output error");
            assertThat(took).as("EIO after the 4 s timeout").isBetween(3_000L, 30_000L);
            assertThat(s.cli("info", "far").orFail().out()).contains("disconnected");

            Shell.run("ip", "link", "set", host, "up").orFail();
            Shell.run("cmp", "-n", String.valueOf(1 << 20), s.dir.resolve("data").toString(), device.toString())
                    .orFail();
            assertThat(s.cli("info", "far").orFail().out()).contains(uri + " connected");

            // A dead remote keeps no forced unmount: its flush fails, the unmount goes on.
            Shell.run("ip", "link", "set", host, "down").orFail();
            Shell.Result gone = s.cli("unmount", "--force");
            assertThat(gone.exit()).as(gone.err()).isZero();
            assertThat(Sandbox.isMounted(s.mnt)).isFalse();
        } finally {
            servers.forEach(Process::destroyForcibly);
            Shell.run("ip", "link", "del", host);
            Shell.run("ip", "netns", "del", ns);
        }
    }
}
