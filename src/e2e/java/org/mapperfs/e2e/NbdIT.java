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
    private static Process nbdkit(Path socket, Path log, String... args) throws Exception {
        assertThat(Path.of("/usr/bin/nbdkit")).as("nbdkit (src/bin/ensure-deps installs it)").exists();
        List<String> command = new ArrayList<>(List.of("nbdkit", "-f", "-U", socket.toString()));
        command.addAll(List.of(args));
        Process p = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        for (int i = 0; i < 500 && !Files.exists(socket); i++) {
            assertThat(p.isAlive()).as("nbdkit: " + (Files.exists(log) ? Files.readString(log) : "")).isTrue();
            Thread.sleep(10);
        }
        return p;
    }

    @Test
    void ext4OnALinearDeviceOverAnExportSurvivesADaemonRestart() throws Exception {
        Sandbox.requireKernel();
        List<Process> servers = new ArrayList<>();
        try (Sandbox s = new Sandbox("nbd")) {
            Path disk = s.file("export.img", 256L << 20);
            Path socket = s.dir.resolve("nbd.sock");
            servers.add(nbdkit(socket, s.dir.resolve("nbdkit.log"), "file", disk.toString()));
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
        } finally {
            servers.forEach(Process::destroyForcibly);
        }
    }

    @Test
    void aServerThatFailsRequestsGivesTheWriterEioAndNothingElseSuffers() throws Exception {
        Sandbox.requireKernel();
        List<Process> servers = new ArrayList<>();
        try (Sandbox s = new Sandbox("nbd-errors")) {
            Path socket = s.dir.resolve("bad.sock");
            servers.add(nbdkit(socket, s.dir.resolve("nbdkit.log"), "--filter=error", "memory", "16M",
                    "error=EIO", "error-pwrite-rate=100%"));
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
        } finally {
            servers.forEach(Process::destroyForcibly);
        }
    }
}
