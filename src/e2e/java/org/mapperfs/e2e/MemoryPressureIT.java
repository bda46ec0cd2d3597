package org.mapperfs.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * What the daemon does against the memory-pressure deadlock of a FUSE daemon under loop (its
 * workers must never wait for memory that only their own writeback can free): its workers are
 * I/O flushers and its OOM score is lowered where the kernel permits it, and where it does not
 * (no CAP_SYS_RESOURCE, as in some containers) its log says so once.
 */
class MemoryPressureIT {
    private static final int STALL_SECONDS = 120;
    private static final int PASS_MIB = 256;

    private Sandbox s;

    @BeforeEach
    void mount() throws IOException {
        s = new Sandbox("memory");
        s.mount();
    }

    @AfterEach
    void cleanUp() {
        if (s != null) {
            s.close();
        }
    }

    @Test
    void workersAreIoFlushersAndTheOomScoreIsLoweredOrTheLogSaysWhyNot() throws IOException {
        long pid = Long.parseLong(ControlFile.run(s.mnt, "daemon").lines().findFirst().orElseThrow().split(" ")[1]);
        List<String> log = Files.readAllLines(s.state.resolve("daemon.log"));
        int adj = Integer.parseInt(Files.readString(Path.of("/proc/" + pid + "/oom_score_adj")).strip());

        if (adj == -900) {
            assertThat(log).noneMatch(l -> l.contains("OOM score"));
        } else {
            assertThat(adj).isZero();
            assertThat(log).filteredOn(l -> l.contains("could not lower the daemon's OOM score to -900")).hasSize(1);
        }
        assertThat(log).filteredOn(l -> l.contains("FUSE workers are I/O flushers")
                || l.contains("PR_SET_IO_FLUSHER refused")).as("said once, not once per worker").hasSize(1);
    }

    /**
     * Buffered writes with fsync to ext4 on a mapperfs device, from a process whose memory cgroup
     * holds 64 MiB: its page cache must be written back through the loop device and the daemon
     * to make room, over and over. The writer must never stall for {@value #STALL_SECONDS} s, and
     * what it wrote must read back and pass fsck. {@code -Dpress.minutes=N} (default: one pass of
     * {@value #PASS_MIB} MiB) keeps it writing for N minutes.
     */
    @Test
    void bufferedWritesFromAMemoryStarvedCgroupKeepMakingProgress() throws Exception {
        Path cgroups = Path.of("/sys/fs/cgroup/memory");
        Assumptions.assumeTrue(Files.isWritable(cgroups.resolve("cgroup.procs")), "no cgroup v1 memory controller");
        Path img = s.file("big.img", 1L << 30);
        s.create("vol", "0 " + (1L << 30) / 512 + " linear " + img + " 0");
        String loop = s.attach("vol");
        Path fs = s.mkfsAndMount(loop, "press");
        Path source = s.dir.resolve("source.bin");
        Shell.run("bash", "-c", "head -c " + PASS_MIB + "M /dev/urandom > " + source).orFail();
        Path group = Files.createDirectory(cgroups.resolve("mapperfs-press-" + ProcessHandle.current().pid()));
        try {
            Files.writeString(group.resolve("memory.limit_in_bytes"), Long.toString(64L << 20));
            long minutes = Long.getLong("press.minutes", 0);
            long until = System.nanoTime() + TimeUnit.MINUTES.toNanos(minutes);
            int passes = 0;
            long start = System.nanoTime();
            do {
                Path out = fs.resolve("out-" + (passes % 2) + ".bin");
                Process writer = new ProcessBuilder(Shell.bash("echo $$ > " + group.resolve("cgroup.procs")
                        + " && exec dd if=" + source + " of=" + out + " bs=1M conv=fsync status=none"))
                        .redirectErrorStream(true).start();
                watch(writer, out);
                assertThat(writer.exitValue()).as(new String(writer.getInputStream().readAllBytes())).isZero();
                passes++;
            } while (System.nanoTime() < until);
            double seconds = (System.nanoTime() - start) / 1e9;
            System.out.printf("memory pressure: %d passes of %d MiB with fsync from a 64 MiB cgroup in %.0f s,"
                    + " %.0f MiB/s, no stall of %d s%n", passes, PASS_MIB, seconds, passes * PASS_MIB / seconds,
                    STALL_SECONDS);

            Shell.run("sync").orFail();
            Files.writeString(Path.of("/proc/sys/vm/drop_caches"), "3");
            assertThat(Shell.run("cmp", source.toString(), fs.resolve("out-" + ((passes - 1) % 2) + ".bin").toString())
                    .exit()).as("what was written reads back").isZero();
            s.unmountFs(fs);
            FilesystemIT.fsckClean(loop);
        } finally {
            Shell.run("rmdir", group.toString());
        }
    }

    /** Waits for {@code writer}; fails if {@code out} does not grow for {@value #STALL_SECONDS} s. */
    private static void watch(Process writer, Path out) throws Exception {
        long size = -1;
        long lastGrowth = System.nanoTime();
        while (!writer.waitFor(1, TimeUnit.SECONDS)) {
            long now = Files.exists(out) ? Files.size(out) : 0;
            if (now != size) {
                size = now;
                lastGrowth = System.nanoTime();
            } else if (System.nanoTime() - lastGrowth > TimeUnit.SECONDS.toNanos(STALL_SECONDS)) {
                writer.destroyForcibly();
                throw new AssertionError("the writer made no progress for " + STALL_SECONDS + " s at " + size
                        + " bytes");
            }
        }
    }
}
