package org.mapperfs.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The service and the mounts of the ecosystem: the unit install-service writes passes
 * systemd-analyze, and its ExecStart reports readiness by systemd's protocol only once the mount
 * is live (tested directly: no systemd runs here), its ExecStop stops it; 'mount -t
 * fuse.mapperfs' and an fstab line mount through the helper and return with the mount live.
 */
class ServiceIT {
    /**
     * Binds a datagram socket as NOTIFY_SOCKET, runs the command with it, prints each message
     * with whether the mount was live when it came, runs the stop command after READY, and
     * waits for the daemon.
     */
    private static final String NOTIFY = String.join("\n",
            "import os, socket, subprocess, sys",
            "sock, mnt, start, stop = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4]",
            "s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM); s.bind(sock); s.settimeout(120)",
            "d = subprocess.Popen(['bash', '-c', 'exec ' + start], env=dict(os.environ, NOTIFY_SOCKET=sock),",
            "                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)",
            "def live(): return any(l.split()[1] == mnt for l in open('/proc/mounts'))",
            "m = s.recv(4096).decode(); print('first', m.replace('\\n', ' '), 'live=%s' % live(), 'main=%s' % ('MAINPID=%d' % d.pid in m))",
            "stopper = subprocess.Popen(['bash', '-c', stop])",
            "m = s.recv(4096).decode(); print('then', m.replace('\\n', ' '))",
            "print('daemon exit', d.wait(120), 'stop exit', stopper.wait(120), 'live=%s' % live())");

    @Test
    void theUnitIsValidReportsReadinessOnceMountedAndStops() throws Exception {
        Sandbox.requireKernel();
        try (Sandbox s = new Sandbox("service")) {
            Path units = s.dir.resolve("units");
            Path helpers = s.dir.resolve("helpers");
            Path state = s.dir.resolve("svc-state");
            s.cli("-m", s.mnt.toString(), "install-service", "--unit-dir", units.toString(), "--helper-dir",
                    helpers.toString(), "--state", state.toString()).orFail();

            Path unit = units.resolve("mapperfs.service");
            String text = Files.readString(unit);
            assertThat(text).doesNotContain("@").contains("Type=notify",
                    "ExecStart=" + Sandbox.ROOT + "/src/bin/mapperfs mount --foreground " + s.mnt + " --state " + state);
            assertThat(Files.readSymbolicLink(helpers.resolve("mount.fuse.mapperfs")))
                    .isEqualTo(Sandbox.ROOT.resolve("src/bin/mount.fuse.mapperfs"));
            Shell.Result verify = Shell.run("systemd-analyze", "verify", "--man=no", unit.toString());
            assertThat(verify.exit()).as(verify.out() + verify.err()).isZero();

            String start = line(text, "ExecStart=");
            String stop = line(text, "ExecStop=");
            Shell.Result run = Shell.run(List.of("/usr/bin/python3", "-c", NOTIFY, s.dir.resolve("notify").toString(),
                    s.mnt.toString(), start, stop), Map.of(), s.dir, null);
            assertThat(run.exit()).as(run.out() + run.err()).isZero();
            assertThat(run.out()).contains("first READY=1 MAINPID=").contains("live=True main=True")
                    .contains("then STOPPING=1").contains("daemon exit 0 stop exit 0 live=False");
        }
    }

    @Test
    void mountTypeFuseMapperfsAndAnFstabLineMountThroughTheHelper() throws Exception {
        Sandbox.requireKernel();
        Path helper = Path.of("/sbin/mount.fuse.mapperfs");
        boolean ours = !Files.exists(helper, LinkOption.NOFOLLOW_LINKS);
        try (Sandbox s = new Sandbox("fstab")) {
            if (ours) {
                Files.createSymbolicLink(helper, Sandbox.ROOT.resolve("src/bin/mount.fuse.mapperfs"));
            }
            Path state = s.dir.resolve("fstab-state");
            Shell.run("mount", "-t", "fuse.mapperfs", "mapperfs", s.mnt.toString(), "-o",
                    "state=" + state + ",nofail,mode=0640").orFail();
            try {
                assertThat(Sandbox.isMounted(s.mnt)).isTrue();
                s.create("z", "0 8 zero");
                assertThat(java.nio.file.attribute.PosixFilePermissions.toString(
                        Files.getPosixFilePermissions(s.mnt.resolve("z")))).as("mode=0640 reached the daemon")
                        .isEqualTo("rw-r-----");
            } finally {
                s.cli("unmount").orFail();
            }

            Path fstab = Files.writeString(s.dir.resolve("fstab"), "# a line as /etc/fstab would hold it\n"
                    + "mapperfs " + s.mnt + " fuse.mapperfs state=" + state
                    + ",nofail,remote_timeout=7,remote_connections=2 0 0\n");
            Shell.run("mount", "-T", fstab.toString(), s.mnt.toString()).orFail();
            try {
                assertThat(Sandbox.isMounted(s.mnt)).isTrue();
                assertThat(Shell.run("pgrep", "-af", "mount --foreground " + s.mnt).orFail().out())
                        .as("the remote options reached the daemon")
                        .contains("--remote-timeout 7", "--remote-connections 2");
                assertThat(s.cli("ls").orFail().out()).as("the state folder's device is back").contains("z");
            } finally {
                s.cli("unmount").orFail();
            }
            Shell.Result bad = Shell.run("mount", "-t", "fuse.mapperfs", "mapperfs", s.mnt.toString(), "-o",
                    "state=" + state + ",frobnicate");
            assertThat(bad.exit()).isNotZero();
            assertThat(bad.err()).contains("unknown option 'frobnicate'");
            assertThat(Sandbox.isMounted(s.mnt)).isFalse();
        } finally {
            if (ours) {
                Files.deleteIfExists(helper);
            }
        }
    }

    private static String line(String unit, String key) {
        return unit.lines().filter(l -> l.startsWith(key)).findFirst().orElseThrow().substring(key.length());
    }
}
