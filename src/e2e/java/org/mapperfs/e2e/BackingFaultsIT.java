package org.mapperfs.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Faults under a backing file: its file system full (ENOSPC) or gone read-only after an error
 * (EROFS), a backing file that fails every read and write (EIO), and a backing file deleted while
 * in use. The writer gets the errno, every other device keeps
 * working, and the daemon's log names the device, the file and the reason once, not once per
 * request.
 */
class BackingFaultsIT {
    private Sandbox s;
    private Path small;

    @BeforeEach
    void mount() throws IOException {
        s = new Sandbox("faults");
        s.mount();
        small = Files.createTempDirectory(Path.of("/var/tmp"), "mapperfs-faults-fs-");
        Shell.run("mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", small.toString()).orFail();
    }

    @AfterEach
    void cleanUp() throws IOException {
        if (s != null) {
            s.close(); // first: the daemon holds the file on the small file system open
        }
        if (small != null) {
            Shell.run("umount", small.toString());
            Files.deleteIfExists(small);
        }
    }

    @Test
    void aFullBackingFileFailsItsWritersWithEnospcAndNothingElse() throws Exception {
        Path full = small.resolve("full.img");
        Shell.run("truncate", "-s", "4M", full.toString()).orFail(); // sparse: 4 MiB on 1 MiB of space
        s.create("full", "0 8192 linear " + full + " 0");
        Path ok = s.file("ok.img", 1 << 20);
        s.create("ok", "0 2048 linear " + ok + " 0");

        Shell.Result nospc = dd("full", 32);
        assertThat(nospc.exit()).isNotZero();
        assertThat(nospc.err()).contains("No space left on device");
        assertOtherDeviceWorks();

        assertThat(dd("full", 1, 48).err()).as("the same again, where nothing is allocated yet")
                .contains("No space left on device");

        List<String> log = Files.readAllLines(s.state.resolve("daemon.log"));
        assertThat(log).filteredOn(l -> l.contains("backing file " + full)).as("once, naming the device")
                .hasSize(1).allMatch(l -> l.contains("device full") && l.contains("No space left on device"));
    }

    @Test
    void aBackingFileWhoseFileSystemGoesReadOnlyFailsItsWritersWithErofs() throws Exception {
        // ext4 on a loop device, then as if it had hit an error with errors=remount-ro.
        Shell.run("umount", small.toString()).orFail();
        Path image = s.file("ext4.img", 16 << 20);
        Shell.run("mkfs.ext4", "-q", image.toString()).orFail();
        Shell.run("mount", "-o", "loop", image.toString(), small.toString()).orFail();
        Path file = small.resolve("ro.img");
        Shell.run("truncate", "-s", "4M", file.toString()).orFail();
        s.create("ro", "0 8192 linear " + file + " 0");
        Path ok = s.file("ok.img", 1 << 20);
        s.create("ok", "0 2048 linear " + ok + " 0");

        Shell.run("mount", "-o", "remount,abort", small.toString()).orFail();

        Shell.Result rofs = dd("ro", 1);
        assertThat(rofs.exit()).isNotZero();
        assertThat(rofs.err()).contains("Read-only file system");
        assertOtherDeviceWorks();
        List<String> log = Files.readAllLines(s.state.resolve("daemon.log"));
        assertThat(log).filteredOn(l -> l.contains("backing file " + file)).hasSize(1)
                .allMatch(l -> l.contains("device ro") && l.contains("Read-only file system"));
    }

    @Test
    void aBackingFileThatReturnsEioFailsItsReadersAndWritersWithEio() throws Exception {
        // The backing file is an error device of a second mapperfs: every read and write of it fails.
        try (Sandbox other = new Sandbox("faults-eio")) {
            other.mount();
            other.create("bad", "0 2048 linear " + other.file("good.img", 1 << 20) + " 0\n2048 2048 error");
            Path bad = other.mnt.resolve("bad");
            s.create("eio", "0 4096 linear " + bad + " 0");
            Path ok = s.file("ok.img", 1 << 20);
            s.create("ok", "0 2048 linear " + ok + " 0");

            Shell.Result write = dd("eio", 1, 16); // 1 MiB in: the error half
            Shell.Result read = Shell.run("dd", "if=" + s.mnt.resolve("eio"), "of=/dev/null", "bs=64k", "skip=17",
                    "count=1", "iflag=direct", "status=none");
            Shell.Result readGood = Shell.run("dd", "if=" + s.mnt.resolve("eio"), "of=/dev/null", "bs=64k",
                    "count=1", "iflag=direct", "status=none");

            assertThat(write.exit()).isNotZero();
            assertThat(write.err()).contains("Input/output error");
            assertThat(read.exit()).isNotZero();
            assertThat(read.err()).contains("Input/output error");
            assertThat(readGood.exit()).as("the good half still reads: " + readGood.err()).isZero();
            assertOtherDeviceWorks();
            List<String> log = Files.readAllLines(s.state.resolve("daemon.log"));
            assertThat(log).filteredOn(l -> l.contains("backing file " + bad)).as("once, naming the device")
                    .hasSize(1).allMatch(l -> l.contains(" write device eio: ") && l.contains("Input/output error"));
            s.cli("remove", "eio").orFail(); // before the other mount goes: it holds the file open
        }
    }

    @Test
    void aBackingFileDeletedInUseKeepsServingWhatIsOpen() throws Exception {
        Path doomed = s.file("doomed.img", 1 << 20);
        s.create("d", "0 2048 linear " + doomed + " 0");
        Files.delete(doomed);

        Shell.run("bash", "-c", "printf 'still here' | dd of=" + s.mnt.resolve("d")
                + " bs=512 conv=notrunc,sync oflag=direct status=none").orFail();
        assertThat(new String(Sandbox.readAt(s.mnt.resolve("d"), 0, 10))).isEqualTo("still here");
        // The state folder keeps the table; the next start refuses the device by name.
        assertThat(ControlFile.run(s.mnt, "table d")).contains(doomed.toString());
    }

    private Shell.Result dd(String device, int blocksOf64k) {
        return dd(device, blocksOf64k, 0);
    }

    private Shell.Result dd(String device, int blocksOf64k, int seekBlocks) {
        return Shell.run("dd", "if=/dev/urandom", "of=" + s.mnt.resolve(device), "bs=64k",
                "count=" + blocksOf64k, "seek=" + seekBlocks, "oflag=direct", "conv=notrunc", "status=none");
    }

    private void assertOtherDeviceWorks() throws IOException {
        Shell.run("bash", "-c", "printf 'fine' | dd of=" + s.mnt.resolve("ok")
                + " bs=512 conv=notrunc,sync oflag=direct status=none").orFail();
        assertThat(new String(Sandbox.readAt(s.mnt.resolve("ok"), 0, 4))).isEqualTo("fine");
    }
}
