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
 * dmsetup's command line, links and reports as scripts use them: options anywhere and
 * abbreviated, udev options ignored, /dev/mapper links made and removed before a command
 * returns, tables printed with major:minor that load back, info -c as dmsetup prints it, its
 * error lines and exit codes.
 */
@Timeout(value = 300, unit = TimeUnit.SECONDS)
class DmsetupCommandsIT {
    private Sandbox s;
    private Path img;

    @BeforeEach
    void mount() throws IOException {
        s = new Sandbox("dmsetup-cmd");
        s.mount();
        img = s.file("disk.img", 16L << 20);
    }

    @AfterEach
    void cleanUp() {
        if (s != null) {
            s.close();
        }
    }

    @Test
    void createLinksTheLoopDeviceAndRemoveUnlinksItBeforeReturning() throws IOException {
        s.dmsetup("--noudevsync", "create", "vol", "--table", "0 32768 linear " + img + " 0").orFail();

        Path link = s.mapper("vol");
        assertThat(Files.isSymbolicLink(link)).isTrue();
        String loop = link.toRealPath().toString();
        assertThat(loop).startsWith("/dev/loop");
        assertThat(Shell.run("blockdev", "--getsz", link.toString()).orFail().out().strip()).isEqualTo("32768");
        assertThat(Files.readString(Sandbox.queueSetting(loop, "../loop/dio")).strip()).as("loop direct I/O")
                .isEqualTo("1");

        s.dmsetup("remove", "--retry", "vol", "--verifyudev").orFail();

        assertThat(Files.exists(link, java.nio.file.LinkOption.NOFOLLOW_LINKS)).isFalse();
        assertThat(Shell.run("losetup", "-j", s.mnt.resolve("vol").toString()).orFail().out()).isBlank();
        assertThat(s.dmsetup("ls").orFail().out()).isEqualTo("No devices found\n");
        s.dmsetup("udevcomplete_all").orFail();
    }

    @Test
    void aMountedDeviceIsBusyForRemoveAndRemoveAllTakesStackedDevicesInOrder() throws IOException {
        s.dmsetup("create", "low", "--table", "0 32768 linear " + img + " 0").orFail();
        s.dmsetup("create", "--concise", "up,,,rw,0 16384 linear " + s.mapper("low") + " 0;ro,,,ro,0 8 zero")
                .orFail();
        Path fs = s.mkfsAndMount(s.mapper("up").toString(), "up");

        Shell.Result busy = s.dmsetup("remove", "up");

        assertThat(busy.exit()).isEqualTo(1);
        assertThat(busy.err()).isEqualTo("device-mapper: remove ioctl on up  failed: Device or resource busy\n"
                + "Command failed.\n");
        assertThat(Files.isSymbolicLink(s.mapper("up"))).as("nothing changed").isTrue();
        assertThat(s.dmsetup("info", "ro").orFail().out()).contains("State:             ACTIVE (READ-ONLY)\n");
        assertThat(Shell.run("dd", "if=/dev/zero", "of=" + s.mapper("ro"), "bs=512", "count=1", "oflag=direct",
                "status=none").exit()).as("a write to a read-only device").isNotZero();
        s.unmountFs(fs);

        s.dmsetup("remove_all").orFail();

        assertThat(s.dmsetup("ls").orFail().out()).isEqualTo("No devices found\n");
        assertThat(Files.list(s.devDir().resolve("mapper")).count()).isZero();
    }

    @Test
    void aTableWithMajorMinorDevicesLoadsBackIntoAnotherDevice() throws IOException {
        Path other = s.file("other.img", 4L << 20);
        s.dmsetup("create", "base", "--table", "0 32768 linear " + img + " 0").orFail();
        String baseNumbers = numbers(s.mapper("base"));
        // Stacked on base three ways: its /dev/mapper path, its loop device, its major:minor.
        s.dmsetupWithInput("0 1024 linear " + s.mapper("base") + " 0\n1024 1024 linear "
                + s.mapper("base").toRealPath() + " 4096\n2048 1024 linear " + baseNumbers + " 8192\n3072 1024 linear "
                + other + " 0\n", "create", "top").orFail();
        String table = s.dmsetup("table", "top").orFail().out();
        assertThat(table).isEqualTo("0 1024 linear " + baseNumbers + " 0\n1024 1024 linear " + baseNumbers
                + " 4096\n2048 1024 linear " + baseNumbers + " 8192\n3072 1024 linear " + other + " 0\n");
        assertThat(s.dmsetup("deps", "top").orFail().out()).startsWith("2 dependencies\t: (" + baseNumbers
                .replace(":", ", ") + ")");
        assertThat(ControlFile.run(s.mnt, "table top")).as("in-process, by name").contains("linear base 0");

        s.dmsetup("create", "copy", "--table", "0 4096 zero").orFail();
        s.dmsetupWithInput(table, "load", "copy").orFail();
        s.dmsetup("resume", "copy").orFail();

        assertThat(s.dmsetup("table", "copy").orFail().out()).isEqualTo(table);
        Shell.run("dd", "if=/dev/urandom", "of=" + s.mapper("top"), "bs=512", "count=4096", "oflag=direct",
                "status=none").orFail();
        assertThat(Shell.run("cmp", s.mapper("top").toString(), s.mapper("copy").toString()).exit()).isZero();
        assertThat(s.dmsetup("table").orFail().out()).contains("top: 0 1024 linear " + baseNumbers + " 0\n",
                "base: 0 32768 linear " + img + " 0\n");
    }

    @Test
    void infoInColumnsParsesAsDmsetups() throws IOException {
        s.dmsetup("create", "vol", "-u", "TEST-vol", "--table", "0 32768 linear " + img + " 0").orFail();
        String[] numbers = numbers(s.mapper("vol")).split(":");

        String row = s.dmsetup("info", "-c", "--noheadings", "-o", "name,major,minor,attr,open,segments,events",
                "vol").orFail().out();
        String abbreviated = s.dmsetup("info", "vol", "-C", "--nohead", "--sep", ":").orFail().out();
        String longForm = s.dmsetup("info", "/dev/mapper/vol".replace("/dev", s.devDir().toString())).orFail().out();

        assertThat(row).isEqualTo("vol:" + numbers[0] + ":" + numbers[1] + ":L--w:0:1:0\n");
        assertThat(abbreviated.split(":")[3]).isEqualTo("L--w");
        assertThat(abbreviated.strip()).endsWith(":TEST-vol");
        assertThat(longForm).contains("Name:              vol\n", "State:             ACTIVE\n",
                "Tables present:    LIVE\n", "Major, minor:      " + numbers[0] + ", " + numbers[1] + "\n",
                "UUID: TEST-vol\n");
        s.dmsetup("suspend", "--nolockfs", "vol").orFail();
        s.dmsetup("load", "vol", "--table", "0 16384 zero").orFail();
        assertThat(s.dmsetup("info", "-c", "--noheadings", "-o", "attr", "vol").orFail().out()).isEqualTo("LIsw\n");
        s.dmsetup("resume", "vol").orFail();
        assertThat(Shell.run("blockdev", "--getsz", s.mapper("vol").toString()).orFail().out().strip())
                .as("the loop device has the new size at once").isEqualTo("16384");
    }

    @Test
    void renameMovesTheLinkAndMknodesRemakesAMissingOne() throws IOException {
        s.dmsetup("create", "a", "--table", "0 2048 zero").orFail();
        String loop = s.mapper("a").toRealPath().toString();

        s.dmsetup("rename", "a", "b").orFail();
        assertThat(Files.exists(s.mapper("a"), java.nio.file.LinkOption.NOFOLLOW_LINKS)).isFalse();
        assertThat(s.mapper("b").toRealPath().toString()).isEqualTo(loop);
        assertThat(s.dmsetup("ls").orFail().out()).startsWith("b\t(");
        Files.delete(s.mapper("b"));

        s.dmsetup("mknodes").orFail();

        assertThat(s.mapper("b").toRealPath().toString()).isEqualTo(loop);
        // A device named by its loop device: found, and the message refused by its target (zero).
        Shell.Result message = s.dmsetup("message", loop, "0", "hello");
        assertThat(message.exit()).as(message.err()).isEqualTo(1);
        assertThat(message.err()).contains("zero: accepts no messages");
        s.dmsetup("remove", "b").orFail();
        assertThat(Shell.run("losetup", "-a").orFail().out()).doesNotContain(s.mnt.toString());
    }

    @Test
    void failuresPrintDmsetupsLinesAndExitOne() {
        s.dmsetup("create", "test", "--table", "0 8192 linear " + img + " 0").orFail();

        Shell.Result remove = s.dmsetup("remove", "nothere");
        Shell.Result info = s.dmsetup("info", "nothere");
        Shell.Result self = s.dmsetup("reload", "test", "--table", "0 8192 linear " + s.mapper("test") + " 0");
        Shell.Result usage = s.dmsetup("--nosuchoption", "ls");
        Shell.Result ambiguous = s.dmsetup("--no", "ls");

        assertThat(remove.exit()).isEqualTo(1);
        assertThat(remove.err()).isEqualTo("device-mapper: remove ioctl on nothere  failed: No such device or address"
                + "\nCommand failed.\n");
        assertThat(info.exit()).isEqualTo(1);
        assertThat(info.err()).isEqualTo("Device does not exist.\nCommand failed.\n");
        assertThat(self.exit()).isEqualTo(1);
        assertThat(self.err()).contains("reload ioctl on test", "the device itself");
        assertThat(usage.exit()).isEqualTo(1);
        assertThat(usage.err()).startsWith("dmsetup: unrecognized option '--nosuchoption'");
        assertThat(ambiguous.err()).startsWith("dmsetup: option '--no' is ambiguous");
        assertThat(s.dmsetup("info", "-c", "--noheadings", "-o", "attr", "test").orFail().out())
                .as("the refused reload left nothing inactive").isEqualTo("L--w\n");
    }

    @Test
    void targetsAndVersionNeedNoDevice() {
        String targets = s.dmsetup("targets").orFail().out();

        assertThat(targets).contains("linear           v1.4.0\n", "flakey           v1.5.0\n",
                "snapshot         v1.16.0\n", "zero             v1.2.0\n", "crypt            v1.27.0\n",
                "thin-pool        v1.23.0\n", "thin             v1.23.0\n").doesNotContain("cache");
        assertThat(s.dmsetup("version").orFail().out()).matches("Library version: +\\S+.*\nDriver version: +4\\.\\d+\\.\\d+\n");
    }

    @Test
    void theFirstCommandStartsMapperfsWhereNoneRuns() throws IOException {
        try (Sandbox fresh = new Sandbox("dmsetup-start")) {
            Path disk = fresh.file("d.img", 1 << 20);
            Path state = null;
            try {
                Shell.Result create = fresh.dmsetup("create", "d", "--table", "0 2048 linear " + disk + " 0");

                assertThat(create.exit()).as(create.err()).isZero();
                state = Path.of(ControlFile.run(fresh.mnt, "daemon").lines().filter(l -> l.startsWith("state "))
                        .findFirst().orElseThrow().substring("state ".length()));
                assertThat(state).as("the default state folder").startsWith(Path.of("/var/lib/mapperfs"));
                assertThat(Sandbox.isMounted(fresh.mnt)).isTrue();
                assertThat(Files.isSymbolicLink(fresh.mapper("d"))).isTrue();
                fresh.dmsetup("remove", "d").orFail();
            } finally {
                fresh.forceUnmount();
                if (state != null) {
                    Shell.run("rm", "-rf", state.toString());
                }
            }
        }
    }

    @Test
    void theLoopDeviceIsRotationalWhereItsStorageIs() throws IOException {
        s.dmsetup("create", "vol", "--table", "0 32768 linear " + img + " 0").orFail();
        String loop = s.mapper("vol").toRealPath().toString();
        String dev = Shell.run("stat", "-c", "%d", img.toString()).orFail().out().strip();
        long n = Long.parseLong(dev);
        Path sys = Path.of("/sys/dev/block", ((n >> 8) & 0xfff) + ":" + ((n & 0xff) | ((n >> 12) & 0xffffff00L)));
        Path queue = Files.exists(sys.resolve("queue")) ? sys.resolve("queue") : sys.resolve("../queue");
        if (!Files.exists(queue.resolve("rotational"))) {
            return; // the storage under /var/tmp is no block device here (overlay): nothing to copy
        }

        assertThat(Files.readString(Sandbox.queueSetting(loop, "rotational")))
                .isEqualTo(Files.readString(queue.resolve("rotational")));
    }

    /** major:minor of the block device a /dev/mapper link points at. */
    private static String numbers(Path link) {
        String hex = Shell.run("stat", "-L", "-c", "%t:%T", link.toString()).orFail().out().strip();
        String[] f = hex.split(":");
        return Integer.parseInt(f[0], 16) + ":" + Integer.parseInt(f[1], 16);
    }
}
