package org.mapperfs.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A thin pool through the kernel, checked by the thin-provisioning tools: a golden ext4 thin
 * device, 20 snapshots of it and a snapshot of a snapshot, each mounted and changed on its own
 * with fsck clean and the golden untouched; deleting the snapshots gives their blocks back;
 * fstrim unmaps blocks and punches them out of the data file; thin_check passes and thin_ls
 * counts what mapperfs counts.
 */
@Timeout(value = 900, unit = TimeUnit.SECONDS)
class ThinIT {
    private static final Pattern USED_DATA = Pattern.compile("thin-pool \\d+ \\d+/\\d+ (\\d+)/(\\d+) ");

    private static long usedData(Sandbox s) {
        Matcher m = USED_DATA.matcher(s.cli("status", "pool").orFail().out());
        assertThat(m.find()).isTrue();
        return Long.parseLong(m.group(1));
    }

    private static long mappedBlocks(Sandbox s, String device) {
        String[] f = s.cli("status", device).orFail().out().trim().split(" ");
        return Long.parseLong(f[3]) / 128;
    }

    @Test
    void aGoldenImageTwentySnapshotsAndASnapshotOfASnapshotPassThinCheck() throws Exception {
        Sandbox.requireKernel();
        assertThat(Path.of("/usr/sbin/thin_check")).as("thin_check (src/bin/ensure-deps installs it)").exists();
        try (Sandbox s = new Sandbox("thin")) {
            Path meta = s.file("meta.img", 16L << 20);
            Path data = s.file("data.img", 512L << 20);
            s.mount();
            s.create("pool", "0 " + (512 << 11) + " thin-pool " + meta + " " + data + " 128 256");
            s.cli("message", "pool", "0", "create_thin", "0").orFail();
            s.create("golden", "0 " + (256 << 11) + " thin pool 0");
            String loop = s.attach("golden");
            Path fs = s.mkfsAndMount(loop, "golden");
            Shell.run("dd", "if=/dev/urandom", "of=" + fs.resolve("base"), "bs=1M", "count=24", "conv=fsync",
                    "status=none").orFail();
            String base = FilesystemIT.sha256(fs.resolve("base"));
            s.unmountFs(fs);
            Shell.run("losetup", "-d", loop).orFail();
            long goldenUsed = usedData(s);

            Map<String, String> sums = new HashMap<>();
            Map<String, String> bases = new HashMap<>();
            for (int i = 1; i <= 21; i++) {
                String origin = i == 21 ? "snap1" : "golden";
                String originId = i == 21 ? "1" : "0";
                s.cli("suspend", origin).orFail();
                s.cli("message", "pool", "0", "create_snap", Integer.toString(i), originId).orFail();
                s.cli("resume", origin).orFail();
                String name = "snap" + i;
                s.create(name, "0 " + (256 << 11) + " thin pool " + i);
                String l = s.attach(name);
                Path m = s.mountFs(l, name);
                // snap21 is a snapshot of snap1: it sees snap1's changes, the others the golden's bytes.
                assertThat(FilesystemIT.sha256(m.resolve("base"))).as(name + " sees its origin's data")
                        .isEqualTo(i == 21 ? bases.get("snap1") : base);
                Shell.run("dd", "if=/dev/urandom", "of=" + m.resolve("own"), "bs=1M", "count=2", "conv=fsync",
                        "status=none").orFail();
                Shell.run("dd", "if=/dev/urandom", "of=" + m.resolve("base"), "bs=64k", "count=4", "seek=" + i,
                        "conv=notrunc,fsync", "status=none").orFail(); // breaks sharing inside the file
                bases.put(name, FilesystemIT.sha256(m.resolve("base")));
                sums.put(name, FilesystemIT.sha256(m.resolve("own")) + bases.get(name));
                s.unmountFs(m);
                FilesystemIT.fsckClean(l);
                Shell.run("losetup", "-d", l).orFail();
            }
            long withSnapshots = usedData(s);
            // Each snapshot wrote 2.25 MiB and its journal: at most 4 MiB (64 blocks) of its own, the
            // golden's 24 MiB file stays shared (21 copies would be 21 x goldenUsed).
            assertThat(withSnapshots).as("snapshots share the golden blocks").isGreaterThan(goldenUsed)
                    .isLessThan(goldenUsed + 21 * 64);

            // Each snapshot kept its own changes; the golden image kept none of them.
            for (int i : new int[] {1, 7, 20, 21}) {
                String name = "snap" + i;
                String l = s.attach(name);
                Path m = s.mountFs(l, name + "-again");
                assertThat(FilesystemIT.sha256(m.resolve("own")) + FilesystemIT.sha256(m.resolve("base")))
                        .as(name).isEqualTo(sums.get(name));
                s.unmountFs(m);
                Shell.run("losetup", "-d", l).orFail();
            }
            // Deleting every snapshot gives back what only they held.
            long goldenMapped = mappedBlocks(s, "golden");
            for (int i = 21; i >= 1; i--) {
                s.cli("remove", "snap" + i).orFail();
                s.cli("message", "pool", "0", "delete", Integer.toString(i)).orFail();
            }
            assertThat(usedData(s)).as("only the golden's blocks are left").isEqualTo(goldenMapped);

            String gl = s.attach("golden");
            Path g = s.mountFs(gl, "golden-again");
            assertThat(FilesystemIT.sha256(g.resolve("base"))).isEqualTo(base);
            assertThat(Files.exists(g.resolve("own"))).isFalse();

            // fstrim: the golden's deleted file goes back to the pool and out of the data file.
            long blocksBefore = Long.parseLong(Shell.run("stat", "-c", "%b", data.toString()).orFail().out().trim());
            Files.delete(g.resolve("base"));
            Shell.run("sync").orFail();
            Shell.run("fstrim", g.toString()).orFail();
            long afterTrim = mappedBlocks(s, "golden");
            assertThat(afterTrim).as("blocks unmapped by fstrim").isLessThan(goldenMapped - 300);
            long blocksAfter = Long.parseLong(Shell.run("stat", "-c", "%b", data.toString()).orFail().out().trim());
            assertThat(blocksBefore - blocksAfter).as("512-byte blocks punched out of the data file")
                    .isGreaterThan(300L * 128);
            s.unmountFs(g);
            FilesystemIT.fsckClean(gl);
            Shell.run("losetup", "-d", gl).orFail();
            assertThat(usedData(s)).as("the pool got them back").isEqualTo(afterTrim);
            Map<String, Long> mapped = Map.of("0", afterTrim);

            s.cli("unmount").orFail(); // the pool commits and closes
            Shell.Result check = Shell.run("thin_check", meta.toString());
            assertThat(check.exit()).as("thin_check:\n" + check.out() + check.err()).isZero();
            String ls = Shell.run("thin_ls", "--no-headers", "-o", "DEV,MAPPED_BLOCKS", meta.toString()).orFail().out();
            assertThat(ls.trim().split("\\s+")).as("thin_ls").containsExactly("0", Long.toString(mapped.get("0")));
            String dump = Shell.run("thin_dump", meta.toString()).orFail().out();
            assertThat(dump).contains("<device dev_id=\"0\" mapped_blocks=\"" + mapped.get("0") + "\"")
                    .doesNotContain("dev_id=\"1\"");
        }
    }

    private static int events(Sandbox s) {
        Matcher m = Pattern.compile("Event number:\\s+(\\d+)").matcher(s.cli("info", "pool").orFail().out());
        assertThat(m.find()).isTrue();
        return Integer.parseInt(m.group(1));
    }

    private static void reloadPool(Sandbox s, String table) {
        s.cli("load", "pool", "--table", table).orFail();
        s.cli("suspend", "pool").orFail();
        s.cli("resume", "pool").orFail();
    }

    /**
     * Out of data space, as the kernel: with error_if_no_space a write fails at once; without
     * it, writes wait, and go on when a reload grows the data device; every byte written is then
     * there, and a metadata snapshot lets thin_check -m and thin_dump -m read the live metadata.
     */
    @Test
    void aFullPoolFailsOrQueuesWritesAndRecoversWhenItsDataGrows() throws Exception {
        Sandbox.requireKernel();
        assertThat(Path.of("/usr/sbin/thin_check")).as("thin_check (src/bin/ensure-deps installs it)").exists();
        try (Sandbox s = new Sandbox("thin-full")) {
            Path meta = s.file("meta.img", 4L << 20);
            Path data = s.file("data.img", 64L << 20); // 1024 blocks
            Path source = s.file("source.img", 96L << 20);
            Shell.run("dd", "if=/dev/urandom", "of=" + source, "bs=1M", "count=96", "conv=notrunc", "status=none")
                    .orFail();
            s.mount();
            String small = "0 " + (64 << 11) + " thin-pool " + meta + " " + data + " 128 16";
            s.create("pool", small + " 1 error_if_no_space");
            s.cli("message", "pool", "0", "create_thin", "0").orFail();
            s.create("thin", "0 " + (256 << 11) + " thin pool 0");
            String loop = s.attach("thin");
            int eventsBefore = events(s);

            long start = System.nanoTime();
            Shell.Result full = Shell.run("dd", "if=" + source, "of=" + loop, "bs=1M", "count=96", "oflag=direct",
                    "status=none");
            assertThat(full.exit()).as("a write past the pool's space fails").isNotZero();
            assertThat(TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - start)).as("at once").isLessThan(30);
            assertThat(s.cli("status", "pool").orFail().out()).contains(" 1024/1024 ", " out_of_data_space ");
            assertThat(events(s)).as("the low water mark and out of space raise events").isGreaterThan(eventsBefore);

            reloadPool(s, small); // queue_if_no_space: writes now wait for space
            Process waiting = new ProcessBuilder("dd", "if=" + source, "of=" + loop, "bs=1M", "skip=60", "seek=60",
                    "count=36", "oflag=direct", "status=none").redirectErrorStream(true).start();
            assertThat(waiting.waitFor(3, TimeUnit.SECONDS)).as("the writer waits for space").isFalse();
            Shell.run("fallocate", "-l", Long.toString(256L << 20), data.toString()).orFail();
            reloadPool(s, "0 " + (256 << 11) + " thin-pool " + meta + " " + data + " 128 16");
            assertThat(waiting.waitFor(60, TimeUnit.SECONDS)).as("the writer goes on once the data grew").isTrue();
            assertThat(waiting.exitValue()).as(new String(waiting.getInputStream().readAllBytes())).isZero();
            assertThat(s.cli("status", "pool").orFail().out()).contains(" 1536/4096 ", " rw ");
            Shell.run("cmp", "-n", Long.toString(96L << 20), source.toString(), loop).orFail();

            s.cli("message", "pool", "0", "reserve_metadata_snap").orFail();
            Shell.run("dd", "if=/dev/zero", "of=" + loop, "bs=64k", "seek=2000", "count=4", "oflag=direct",
                    "status=none").orFail(); // after the snapshot: not in it
            Shell.Result held = Shell.run("thin_check", "-m", meta.toString());
            assertThat(held.exit()).as("thin_check -m on live metadata:\n" + held.out() + held.err()).isZero();
            assertThat(Shell.run("thin_dump", "-m", meta.toString()).orFail().out())
                    .contains("<device dev_id=\"0\" mapped_blocks=\"1536\"");
            s.cli("message", "pool", "0", "release_metadata_snap").orFail();

            Shell.run("losetup", "-d", loop).orFail();
            s.cli("unmount").orFail();
            Shell.Result check = Shell.run("thin_check", meta.toString());
            assertThat(check.exit()).as("thin_check:\n" + check.out() + check.err()).isZero();
            assertThat(Shell.run("thin_dump", meta.toString()).orFail().out())
                    .contains("<device dev_id=\"0\" mapped_blocks=\"1540\"");
        }
    }
}
