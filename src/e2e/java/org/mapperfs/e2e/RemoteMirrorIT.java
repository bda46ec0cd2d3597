package org.mapperfs.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * DRBD-style, through the kernel: ext4 on a mirror of a local file and an NBD export (nbdkit's
 * file plugin). The server dies under a writer: the leg turns D, the writer goes on. The server
 * comes back: the leg is taken back by itself and only the regions written meanwhile are copied
 * (counted in the daemon's log); then the legs hold the same bytes and fsck is clean.
 */
@Timeout(value = 600, unit = TimeUnit.SECONDS)
class RemoteMirrorIT {
    private static final Pattern IN_SYNC = Pattern.compile(" (\\d+)/128 1 ([A-Z]{2}) ");

    private static String await(Sandbox s, Predicate<String> condition) throws Exception {
        String status = "";
        for (int i = 0; i < 600; i++) {
            status = s.cli("status", "vol").orFail().out();
            if (condition.test(status)) {
                return status;
            }
            Thread.sleep(100);
        }
        throw new AssertionError("status never came: " + status);
    }

    private static long inSync(String status) {
        Matcher m = IN_SYNC.matcher(status);
        assertThat(m.find()).as(status).isTrue();
        return Long.parseLong(m.group(1));
    }

    private static long lastNumber(String log, Pattern pattern) {
        Matcher m = pattern.matcher(log);
        long last = -1;
        while (m.find()) {
            last = Long.parseLong(m.group(1));
        }
        return last;
    }

    @Test
    void aRemoteLegThatDiesUnderAWriterComesBackWithOnlyTheRegionsWrittenMeanwhile() throws Exception {
        Sandbox.requireKernel();
        try (Nbdkit servers = new Nbdkit(); Sandbox s = new Sandbox("remote-mirror")) {
            Path local = s.file("local.img", 64L << 20);
            Path remote = s.file("remote.img", 64L << 20);
            Path log = s.file("log.img", 1 << 20);
            Path socket = s.dir.resolve("leg.sock");
            Process server = servers.serve(socket, s.dir.resolve("nbdkit.log"), "file", remote.toString());
            s.mount("--remote-timeout", "3");
            // 128 regions of 512 KiB
            s.create("vol", "0 131072 mirror disk 2 " + log + " 1024 2 " + local + " 0 nbd+unix:///?socket="
                    + socket + " 0");
            await(s, st -> st.contains(" 128/128 1 AA "));
            String loop = s.attach("vol");
            Shell.run("mkfs.ext4", "-q", "-F", "-E", "lazy_itable_init=0,lazy_journal_init=0", loop).orFail();
            Path fs = s.mountFs(loop, "vol");
            Shell.run("dd", "if=/dev/urandom", "of=" + fs.resolve("before"), "bs=1M", "count=8", "conv=fsync",
                    "status=none").orFail();

            Process writer = new ProcessBuilder("dd", "if=/dev/urandom", "of=" + fs.resolve("during"), "bs=64k",
                    "count=384", "oflag=direct", "status=none").redirectErrorStream(true).start();
            Thread.sleep(200);
            Nbdkit.kill(server);
            assertThat(writer.waitFor(120, TimeUnit.SECONDS)).as("the writer finished").isTrue();
            assertThat(writer.exitValue()).as(new String(writer.getInputStream().readAllBytes())).isZero();
            Shell.run("sync", "-f", fs.resolve("during").toString()).orFail();
            Shell.run("fsfreeze", "-f", fs.toString()).orFail(); // no more writes while the regions are counted
            try {
                String degraded = await(s, st -> st.contains(" AD "));
                long dirty = 128 - inSync(degraded);
                assertThat(dirty).as(degraded).isBetween(1L, 127L);

                servers.serve(socket, s.dir.resolve("nbdkit2.log"), "file", remote.toString());
                String back = await(s, st -> st.contains(" 128/128 1 AA "));
                String daemonLog = Files.readString(s.state.resolve("daemon.log"));
                assertThat(lastNumber(daemonLog, Pattern.compile("is back; (\\d+) of 128 regions to resync")))
                        .as("regions to resync when the leg came back; " + back).isEqualTo(dirty);
                assertThat(lastNumber(daemonLog, Pattern.compile("resync complete: (\\d+) regions")))
                        .as("regions copied").isEqualTo(dirty);
            } finally {
                Shell.run("fsfreeze", "-u", fs.toString());
            }
            String before = FilesystemIT.sha256(fs.resolve("before"));
            String during = FilesystemIT.sha256(fs.resolve("during"));
            s.unmountFs(fs);
            Shell.run("cmp", local.toString(), remote.toString()).orFail();
            FilesystemIT.fsckClean(loop);
            Path again = s.mountFs(loop, "vol2");
            assertThat(FilesystemIT.sha256(again.resolve("before"))).isEqualTo(before);
            assertThat(FilesystemIT.sha256(again.resolve("during"))).isEqualTo(during);
            s.unmountFs(again);
        }
    }

    /**
     * examples/remote-mirror.sh: the same with the server over TCP in another network namespace,
     * and it leaves nothing behind (a server started with `ip netns exec` after the file system
     * was mounted kept a copy of that mount, and with it the loop device and the daemon).
     */
    @Test
    void theExampleWithTheLegInAnotherNetworkNamespaceRunsAndCleansUp() throws Exception {
        Shell.Result run = Scripts.example("remote-mirror.sh"); // also: exit 0, loop devices as before
        assertThat(run.exit()).as(run.out() + run.err()).isZero();
        assertThat(run.out()).contains("ok: the legs are identical", "ok: fsck clean", "regions were copied after");
        assertThat(Shell.run("ip", "netns", "list").orFail().out()).doesNotContain("mfsremote");
        assertThat(Files.readString(Path.of("/proc/mounts"))).doesNotContain("mapperfs-remote-mirror");
    }
}
