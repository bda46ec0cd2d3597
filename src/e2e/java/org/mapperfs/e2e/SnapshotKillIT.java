package org.mapperfs.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.nio.file.ExtendedOpenOption;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * SIGKILL of the daemon at a random moment while a new persistent snapshot takes first writes and
 * rewrites (batches, each fsync'd), in every other round with its origin written through {@code
 * snapshot-origin} at the same time: after the restart every block of the snapshot holds what its
 * last fsync'd write put there, and a block never written to the snapshot still reads as the
 * origin was (zeros), whatever the origin took since. (Rounds without origin writes are there
 * because each copy-out an origin write makes also commits the snapshot's own new chunks.) Each round starts over on new files, so that first writes
 * (not only rewrites) are cut. Chunks of 8 KiB, so that a 4 KiB first write copies its neighbour
 * from the origin. {@code -Dsnapshot.kill.rounds=N} (default 10).
 */
@Timeout(value = 30, unit = TimeUnit.MINUTES)
class SnapshotKillIT {
    private static final int BLOCKS = 16384; // 64 MiB of 4 KiB blocks

    @Test
    void noFsyncedWriteIsLostAndNoOriginWriteShowsThroughAfterEveryKill() throws Exception {
        Sandbox.requireKernel();
        int rounds = Integer.getInteger("snapshot.kill.rounds", 10);
        Random random = new Random(Long.getLong("kill.seed", 11));
        try (Sandbox s = new Sandbox("snapshot-kill")) {
            long bytes = (long) BLOCKS * FsyncedWrites.BLOCK;
            s.mount();
            for (int round = 0; round < rounds; round++) {
                FsyncedWrites writes = new FsyncedWrites(BLOCKS);
                boolean originWrites = round % 2 == 1;
                Path base = s.file("base.img", bytes);
                Path cow = s.file("cow.img", bytes + bytes / 4);
                s.create("orig", "0 " + bytes / 512 + " snapshot-origin " + base);
                s.create("snap", "0 " + bytes / 512 + " snapshot " + base + " " + cow + " P 16");
                long pid = Long.parseLong(ControlFile.run(s.mnt, "daemon").lines().findFirst().orElseThrow()
                        .split(" ")[1]);
                CompletableFuture<Long> writer = CompletableFuture.supplyAsync(
                        () -> writes.write(s.mnt.resolve("snap"), random.nextLong()));
                long originSeed = random.nextLong();
                CompletableFuture<Long> originWriter = originWrites
                        ? CompletableFuture.supplyAsync(() -> writeOrigin(s.mnt.resolve("orig"), originSeed))
                        : CompletableFuture.completedFuture(0L);
                Thread.sleep(300 + random.nextInt(1500));

                Shell.run("kill", "-9", Long.toString(pid)).orFail();

                long batches = writer.get(60, TimeUnit.SECONDS);
                long originWritten = originWriter.get(60, TimeUnit.SECONDS);
                ProcessHandle daemon = ProcessHandle.of(pid).orElse(null);
                if (daemon != null) {
                    daemon.onExit().get(30, TimeUnit.SECONDS);
                }
                s.remount();
                long checked = writes.verify(s.mnt.resolve("snap"));
                assertThat(batches).as("round %d wrote to the snapshot", round + 1).isPositive();
                if (originWrites) {
                    assertThat(originWritten).as("round %d wrote to the origin", round + 1).isPositive();
                }
                System.out.printf("snapshot kill %d: %d batches fsync'd, %d origin writes, %d MiB checked, status %s%n",
                        round + 1, batches, originWritten, checked >> 20, s.cli("status", "snap").out().strip());
                s.cli("remove", "snap").orFail();
                s.cli("remove", "orig").orFail();
                Files.delete(base);
                Files.delete(cow);
            }
        }
    }

    /**
     * Random 4 KiB O_DIRECT writes of non-zero data to the origin, about a thousand a second (so
     * that copy-outs go on until the kill, not only until every chunk has one), until the daemon
     * is gone; returns how many.
     */
    private static long writeOrigin(Path origin, long seed) {
        Random random = new Random(seed);
        ByteBuffer buffer = ByteBuffer.allocateDirect(2 * FsyncedWrites.BLOCK).alignedSlice(FsyncedWrites.BLOCK);
        long n = 0;
        try (FileChannel ch = FileChannel.open(origin, StandardOpenOption.WRITE, ExtendedOpenOption.DIRECT)) {
            while (true) {
                buffer.clear();
                while (buffer.hasRemaining()) {
                    buffer.putLong(random.nextLong() | 1);
                }
                ch.write(buffer.flip(), (long) random.nextInt(BLOCKS) * FsyncedWrites.BLOCK);
                n++;
                LockSupport.parkNanos(1_000_000);
            }
        } catch (IOException e) {
            return n; // the daemon is gone
        }
    }
}
