package org.mapperfs.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * An unprivileged user ({@code nobody}, through setpriv, with no capabilities) mounts with the
 * wire transport through fusermount, assembles a device over a file of their own, writes and
 * reads the device file, is told clearly why attach needs root, and unmounts.
 */
class NonRootIT {
    @Test
    void nobodyMountsCreatesWritesReadsAndUnmounts() throws Exception {
        Sandbox.requireKernel();
        Path fuse = Path.of("/dev/fuse");
        String fuseMode = PosixFilePermissions.toString(Files.getPosixFilePermissions(fuse));
        Path home = Files.createTempDirectory(Path.of("/tmp"), "mapperfs-nonroot");
        Path mnt = home.resolve("mnt");
        try {
            // What udev gives /dev/fuse on Debian (0666); a container's own /dev may keep it 0600.
            Files.setPosixFilePermissions(fuse, PosixFilePermissions.fromString("rw-rw-rw-"));
            Files.setPosixFilePermissions(home, PosixFilePermissions.fromString("rwxr-xr-x"));
            Files.createDirectories(mnt);
            Path jar = Files.copy(Sandbox.JAR, home.resolve("mapperfs.jar"), StandardCopyOption.REPLACE_EXISTING);
            Path disk = home.resolve("disk.img");
            Shell.run("truncate", "-s", "8M", disk.toString()).orFail();
            Shell.run("chown", "-R", "nobody:nogroup", home.toString()).orFail();

            Shell.Result mounted = asNobody(home, "java", "-jar", jar.toString(), "mount", mnt.toString(), "--state",
                    home.resolve("state").toString());
            assertThat(mounted.exit()).as(mounted.out() + mounted.err()).isZero();
            assertThat(Files.readString(Path.of("/proc/mounts"))).contains(mnt + " fuse.mapperfs ")
                    .contains("user_id=65534");

            asNobody(home, "java", "-jar", jar.toString(), "-m", mnt.toString(), "create", "vol", "--table",
                    "0 16384 linear " + disk + " 0").orFail();
            Path device = mnt.resolve("vol");
            // Root itself cannot look into a user's FUSE mount without allow_other: ask as the user.
            assertThat(asNobody(home, "stat", "-c", "%U %a %s", device.toString()).orFail().out().strip())
                    .isEqualTo("nobody 600 " + (8 << 20));
            asNobody(home, "dd", "if=/dev/urandom", "of=" + home.resolve("data"), "bs=1M", "count=3", "status=none")
                    .orFail();
            asNobody(home, "dd", "if=" + home.resolve("data"), "of=" + device, "bs=1M", "seek=2", "conv=notrunc,fsync",
                    "status=none").orFail();
            asNobody(home, "cmp", "-i", "0:" + (2 << 20), "-n", String.valueOf(3 << 20), home.resolve("data").toString(),
                    device.toString()).orFail();
            asNobody(home, "cmp", "-i", "0:" + (2 << 20), "-n", String.valueOf(3 << 20), home.resolve("data").toString(),
                    disk.toString()).orFail();

            Shell.Result attach = asNobody(home, "java", "-jar", jar.toString(), "-m", mnt.toString(), "attach", "vol");
            assertThat(attach.exit()).isEqualTo(1);
            assertThat(attach.err()).contains("a loop device takes root").contains("use " + device + " itself")
                    .hasLineCount(1);

            asNobody(home, "java", "-jar", jar.toString(), "-m", mnt.toString(), "unmount").orFail();
            assertThat(Sandbox.isMounted(mnt)).isFalse();
        } finally {
            if (Sandbox.isMounted(mnt)) {
                Shell.run("fusermount", "-u", "-z", mnt.toString());
            }
            Files.setPosixFilePermissions(fuse, PosixFilePermissions.fromString(fuseMode));
            Shell.run("rm", "-rf", home.toString());
        }
    }

    private static Shell.Result asNobody(Path home, String... command) {
        List<String> all = new ArrayList<>(List.of("setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups",
                "--inh-caps=-all", "env", "HOME=" + home));
        all.addAll(List.of(command));
        return Shell.run(all, Map.of(), home, null);
    }
}
