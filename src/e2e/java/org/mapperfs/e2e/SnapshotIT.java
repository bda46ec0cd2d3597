package org.mapperfs.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * Copy-on-write snapshots of a golden ext4 image, through the real kernel: a snapshot takes
 * changes while the golden file stays byte for byte the same, a second snapshot of it does not
 * see them, the changes survive a daemon restart, and a merge brings them into the golden image.
 */
class SnapshotIT {
    private static final long MIB = 1024 * 1024;
    private static final long SECTORS = 64 * MIB / 512;
    private static final Pattern USAGE = Pattern.compile("snapshot-merge (\\d+)/(\\d+) (\\d+)");

    @Test
    void aSnapshotOfAGoldenImageTakesChangesSurvivesARestartAndMergesBack() throws Exception {
        try (Sandbox s = new Sandbox("snapshot")) {
            Path golden = goldenImage(s);
            String goldenSum = FilesystemIT.sha256(golden);
            Path cow1 = s.file("snap1.cow", 32 * MIB);
            Path cow2 = s.file("snap2.cow", 32 * MIB);

            s.mount();
            s.create("base", "0 " + SECTORS + " snapshot-origin " + golden);
            s.create("snap1", "0 " + SECTORS + " snapshot " + golden + " " + cow1 + " P 16");
            s.create("snap2", "0 " + SECTORS + " snapshot " + golden + " " + cow2 + " P 16");
            assertThat(s.cli("status", "snap1").orFail().out()).contains("snapshot 32/65536 32");

            String loop = s.attach("snap1");
            Path fs = s.mountFs(loop, "snap1");
            assertThat(Files.readString(fs.resolve("hello.txt"))).isEqualTo("golden\n");
            Files.writeString(fs.resolve("hello.txt"), "changed in snap1\n");
            Files.delete(fs.resolve("old.bin"));
            Shell.run(Shell.bash("head -c 3M /dev/urandom > " + fs.resolve("new.bin") + " && sync")).orFail();
            String newSum = FilesystemIT.sha256(fs.resolve("new.bin"));
            s.unmountFs(fs);
            FilesystemIT.fsckClean(loop);
            s.cli("detach", "snap1").orFail();

            assertThat(FilesystemIT.sha256(golden)).as("the golden image is untouched").isEqualTo(goldenSum);
            assertThat(FilesystemIT.sha256(s.mnt.resolve("snap2"))).as("snap2 is independent").isEqualTo(goldenSum);
            assertThat(FilesystemIT.sha256(s.mnt.resolve("base"))).isEqualTo(goldenSum);

            // Stop the daemon and start it on the same state: snap1 reads its exceptions back.
            s.cli("unmount").orFail();
            s.mount();
            loop = s.attach("snap1");
            fs = s.mountFs(loop, "again");
            assertThat(Files.readString(fs.resolve("hello.txt"))).isEqualTo("changed in snap1\n");
            assertThat(fs.resolve("old.bin")).doesNotExist();
            assertThat(FilesystemIT.sha256(fs.resolve("new.bin"))).isEqualTo(newSum);
            s.unmountFs(fs);
            s.cli("detach", "snap1").orFail();

            // As dm requires: the snapshot goes, then its COW is merged through the origin's device.
            s.cli("remove", "snap1").orFail();
            s.cli("load", "base", "--table", "0 " + SECTORS + " snapshot-merge " + golden + " " + cow1 + " P 16")
                    .orFail();
            s.cli("resume", "base").orFail();
            long start = System.nanoTime();
            long[] usage = awaitMerge(s);
            System.out.printf("merge of %s: %.1f s%n", s.cli("table", "base").out().strip(),
                    (System.nanoTime() - start) / 1e9);
            assertThat(usage[0]).isEqualTo(usage[2]);

            loop = s.attach("base");
            fs = s.mountFs(loop, "merged");
            assertThat(Files.readString(fs.resolve("hello.txt"))).isEqualTo("changed in snap1\n");
            assertThat(fs.resolve("old.bin")).doesNotExist();
            assertThat(FilesystemIT.sha256(fs.resolve("new.bin"))).isEqualTo(newSum);
            s.unmountFs(fs);
            s.cli("detach", "base").orFail();
            assertThat(FilesystemIT.sha256(s.mnt.resolve("snap2"))).as("snap2 through the merge").isEqualTo(goldenSum);

            s.cli("remove", "snap2").orFail();
            s.cli("remove", "base").orFail();
            FilesystemIT.fsckClean(golden.toString());
            assertThat(FilesystemIT.sha256(golden)).isNotEqualTo(goldenSum);
            assertThat(Shell.run("debugfs", "-R", "cat /hello.txt", golden.toString()).orFail().out())
                    .isEqualTo("changed in snap1\n");
        }
    }

    /** A 64 MiB ext4 image with a few files, made by mkfs from a folder: no loop device needed. */
    private static Path goldenImage(Sandbox s) throws Exception {
        Path content = Files.createDirectories(s.dir.resolve("golden-content/sub"));
        Files.writeString(content.resolveSibling("hello.txt"), "golden\n");
        Shell.run(Shell.bash("head -c 2M /dev/urandom > " + content.resolveSibling("old.bin"))).orFail();
        Files.writeString(content.resolve("keep.txt"), "kept\n");
        Path golden = s.file("golden.img", 64 * MIB);
        Shell.run("mkfs.ext4", "-q", "-F", "-d", content.getParent().toString(), golden.toString()).orFail();
        return golden;
    }

    private static long[] awaitMerge(Sandbox s) throws InterruptedException {
        long deadline = System.nanoTime() + 120_000_000_000L;
        while (true) {
            String status = s.cli("status", "base").orFail().out();
            Matcher m = USAGE.matcher(status);
            assertThat(m.find()).as(status).isTrue();
            long[] usage = {Long.parseLong(m.group(1)), Long.parseLong(m.group(2)), Long.parseLong(m.group(3))};
            if (usage[0] == usage[2] || System.nanoTime() > deadline) {
                return usage;
            }
            Thread.sleep(200);
        }
    }
}
