package org.mapperfs.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * log-writes through the kernel: ext4 on a log-writes device, its log replayed to every flush
 * point (each one mounts and fscks clean) and to a mark set after an fsync (the file is there),
 * by the crash-consistency example; and fio's concurrent writes through loop, whose log replays
 * to exactly the device.
 */
@Timeout(value = 600, unit = TimeUnit.SECONDS)
class LogWritesIT {
    @Test
    void theCrashConsistencyExamplePassesAtEveryFlushPoint() throws IOException {
        Shell.Result run = Scripts.example("crash-consistency.sh");

        assertThat(run.exit()).as(run.out() + run.err()).isZero();
        assertThat(run.out()).contains("ok: every flush point mounts and fscks clean",
                "ok: the fsync'd file is there at the mark").containsPattern("every flush point passed .* \\(\\d{2,}"
                        + " points\\)").doesNotContain("FAILED");
    }

    @Test
    void concurrentWritesThroughLoopReplayToTheDeviceAsWritten() throws Exception {
        Sandbox.requireKernel();
        try (Sandbox s = new Sandbox("logw-fio")) {
            s.mount();
            Path disk = s.file("disk.img", 32L << 20);
            Path log = s.file("log.img", 160L << 20);
            s.create("lw", "0 65536 log-writes " + disk + " " + log);
            String loop = s.attach("lw");
            // Two passes of fio's writer, 16 writes in flight: the second writes over the first, so
            // the log replayed in its order must end with the second pass's blocks, as the device.
            Shell.run(fio(loop, 1, "--do_verify=0")).orFail();
            Shell.run(fio(loop, 2, "--do_verify=0")).orFail();
            Shell.run(fio(loop, 2, "--verify_only", "--verify_fatal=1")).orFail();
            s.cli("detach", "lw").orFail();
            s.cli("remove", "lw").orFail(); // the end mark, and the super block's count

            Path copy = s.file("copy.img", 32L << 20);
            Shell.Result replay = s.cli("replay-log", "--log", log.toString(), "--replay", copy.toString()).orFail();
            Shell.Result cmp = Shell.run("cmp", disk.toString(), copy.toString());
            assertThat(cmp.exit()).as(replay.out() + cmp.out() + cmp.err()).isZero();
        }
    }

    /** fio's crc32c writer (or, with --verify_only, its reader) over the loop device, 4 to 64 KiB at random. */
    private static List<String> fio(String loop, int seed, String... extra) {
        List<String> job = new ArrayList<>(List.of("fio", "--name=lw", "--filename=" + loop, "--rw=randwrite",
                "--bsrange=4k-64k", "--iodepth=16", "--ioengine=libaio", "--direct=1", "--size=32M",
                "--verify=crc32c", "--verify_state_save=0", "--randseed=" + seed, "--output-format=terse"));
        job.addAll(List.of(extra));
        return job;
    }
}
