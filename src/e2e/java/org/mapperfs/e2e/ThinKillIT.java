package org.mapperfs.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.Deque;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * SIGKILL of the daemon at random moments while a thin device is written (blocks provisioned,
 * sharing broken) and snapshotted: after each kill the pool's metadata passes thin_check, and
 * after the restart every block holds what its last fsync'd write put there. All but the last
 * three snapshots are deleted after each round, so that a long run never fills the pool (each
 * snapshot's broken sharing costs up to the device's size): every round must fsync writes.
 * {@code -Dthin.kill.rounds=N} (default 20; src/torture/campaign.sh thin-kill runs 100).
 */
@Timeout(value = 30, unit = TimeUnit.MINUTES)
class ThinKillIT {
    private static final int BLOCKS = 4096; // 16 MiB of 4 KiB blocks; the pool's blocks are 64 KiB

    @Test
    void noFsyncedWriteIsLostAndTheMetadataPassesThinCheckAfterEveryKill() throws Exception {
        Sandbox.requireKernel();
        assertThat(Path.of("/usr/sbin/thin_check")).as("thin_check (src/bin/ensure-deps installs it)").exists();
        int rounds = Integer.getInteger("thin.kill.rounds", 20);
        Random random = new Random(Long.getLong("kill.seed", 7));
        FsyncedWrites writes = new FsyncedWrites(BLOCKS);
        try (Sandbox s = new Sandbox("thin-kill")) {
            Path meta = s.file("meta.img", 8L << 20);
            Path data = s.file("data.img", 256L << 20);
            s.mount();
            s.create("pool", "0 " + (256 << 11) + " thin-pool " + meta + " " + data + " 128 0");
            s.cli("message", "pool", "0", "create_thin", "0").orFail();
            s.create("vol", "0 " + BLOCKS * 8 + " thin pool 0");
            AtomicInteger ids = new AtomicInteger();
            AtomicInteger snapshots = new AtomicInteger();
            Deque<Integer> kept = new ConcurrentLinkedDeque<>(); // ids of snapshots that may exist
            for (int round = 0; round < rounds; round++) {
                long pid = Long.parseLong(ControlFile.run(s.mnt, "daemon").lines().findFirst().orElseThrow()
                        .split(" ")[1]);
                CompletableFuture<Long> writer = CompletableFuture.supplyAsync(
                        () -> writes.write(s.mnt.resolve("vol"), random.nextLong()));
                AtomicBoolean stop = new AtomicBoolean();
                CompletableFuture<Void> snapshotter = CompletableFuture.runAsync(() -> {
                    while (!stop.get()) { // snapshots of the live device, so that writes break sharing
                        // A new id each time: a snapshot the kill cut short may have been made.
                        int id = ids.incrementAndGet();
                        kept.add(id);
                        if (s.cli("suspend", "vol").exit() != 0
                                || s.cli("message", "pool", "0", "create_snap", Integer.toString(id), "0").exit() != 0
                                || s.cli("resume", "vol").exit() != 0) {
                            return;
                        }
                        snapshots.incrementAndGet();
                        sleep(100);
                    }
                });
                Thread.sleep(200 + random.nextInt(1200));

                Shell.run("kill", "-9", Long.toString(pid)).orFail();

                stop.set(true);
                long batches = writer.get(60, TimeUnit.SECONDS);
                snapshotter.get(60, TimeUnit.SECONDS);
                ProcessHandle daemon = ProcessHandle.of(pid).orElse(null);
                if (daemon != null) {
                    daemon.onExit().get(30, TimeUnit.SECONDS);
                }
                Shell.Result check = Shell.run("thin_check", meta.toString());
                assertThat(check.exit()).as("thin_check after kill %d:%n%s%s", round + 1, check.out(), check.err())
                        .isZero();
                s.remount();
                long checked = writes.verify(s.mnt.resolve("vol"));
                assertThat(batches).as("batches fsync'd in round %d (a full pool stops the writer)", round + 1)
                        .isPositive();
                // Only the last few snapshots stay, or their broken sharing fills the pool in a long run.
                while (kept.size() > 3) {
                    s.cli("message", "pool", "0", "delete", kept.removeFirst().toString()); // may not exist
                }
                System.out.printf("thin kill %d: %d batches fsync'd, %d snapshots made so far, %d MiB checked,"
                        + " data blocks %s%n", round + 1, batches, snapshots.get(), checked >> 20,
                        s.cli("status", "pool").orFail().out().trim().split(" ")[5]);
            }
            // A snapshotter whose create_snap always failed would leave sharing never broken.
            assertThat(snapshots.get()).as("snapshots made in %d rounds", rounds).isGreaterThanOrEqualTo(rounds / 10);
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
