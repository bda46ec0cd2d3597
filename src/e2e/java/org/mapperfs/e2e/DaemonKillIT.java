package org.mapperfs.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.nio.file.ExtendedOpenOption;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * SIGKILL of the daemon at random moments while a writer does O_DIRECT writes with an fsync
 * after each batch, through the device file and through a loop device in turn. Each time: I/O
 * on the dead mount fails at once, {@code mapperfs unmount} names the loop devices left on it,
 * {@code mapperfs mount} on the same mount point and state folder clears the dead mount and
 * brings the device back, and every block holds what its last fsync'd write put there (or a
 * later write that had not been fsync'd yet).
 *
 * <p>{@code -Dkill.rounds=N} (default 3, the CI form); src/torture/campaign.sh daemon-kill runs 50.
 */
@Timeout(value = 30, unit = TimeUnit.MINUTES)
class DaemonKillIT {
    private static final int BLOCK = 4096;
    private static final int BLOCKS = 4096; // 16 MiB
    private static final int BATCH = 32;

    private Sandbox s;
    /**
     * Per block: the generation of its last fsync'd write ({@link #UNKNOWN} after a torn write,
     * until the next), and of its last write at all.
     */
    private static final long UNKNOWN = -1;
    private final long[] acked = new long[BLOCKS];
    private final long[] written = new long[BLOCKS];

    @BeforeEach
    void mount() throws IOException {
        s = new Sandbox("kill");
        s.mount();
        Path img = s.file("vol.img", (long) BLOCK * BLOCKS);
        s.create("vol", "0 " + (BLOCKS * 8) + " linear " + img + " 0");
    }

    @AfterEach
    void cleanUp() {
        if (s != null) {
            s.close();
        }
    }

    @Test
    void noFsyncedWriteIsLostWhenTheDaemonIsKilled() throws Exception {
        int rounds = Integer.getInteger("kill.rounds", 3);
        Random random = new Random(Long.getLong("kill.seed", 5));
        long checkedBytes = 0;
        long start = System.nanoTime();
        for (int round = 0; round < rounds; round++) {
            boolean throughLoop = round % 2 == 1;
            String loop = throughLoop ? s.attach("vol") : null;
            Path target = throughLoop ? Path.of(loop) : s.mnt.resolve("vol");
            long pid = daemonPid();
            CompletableFuture<Long> writer = CompletableFuture.supplyAsync(() -> write(target, random.nextLong()));
            Thread.sleep(300 + random.nextInt(1500));

            Shell.run("kill", "-9", Long.toString(pid)).orFail();

            long batches = writer.get(60, TimeUnit.SECONDS);
            ProcessHandle daemon = ProcessHandle.of(pid).orElse(null);
            if (daemon != null) {
                daemon.onExit().get(30, TimeUnit.SECONDS); // fails the test by timing out if it lives on
            }
            assertDeadMountFailsAtOnce();
            if (throughLoop) {
                Shell.Result unmount = s.cli("unmount");
                assertThat(unmount.out() + unmount.err()).as("the stale mount's loop device is named")
                        .contains(loop);
                Shell.run("losetup", "-d", loop);
            }
            s.cli("mount", s.mnt.toString(), "--state", s.state.toString()).orFail();
            checkedBytes += verify(s.mnt.resolve("vol"));
            System.out.printf("kill %d: %s, %d batches fsync'd before the kill%n", round + 1,
                    throughLoop ? "through loop" : "through the device file", batches);
        }
        System.out.printf("daemon kills: %d survived, %d MiB checked, %.0f s%n", rounds, checkedBytes >> 20,
                (System.nanoTime() - start) / 1e9);
    }

    /**
     * The same kill under ext4 on the loop device, with a writer rewriting files and fsyncing
     * each: after the restart the file system mounts (replaying its journal), every fsync'd file
     * has its checksum, and fsck finds nothing. {@code -Dkill.fs.rounds=N} (default 2).
     */
    @Test
    void aFileSystemOnTheDeviceComesBackCleanAfterAKill() throws Exception {
        int rounds = Integer.getInteger("kill.fs.rounds", 2);
        Random random = new Random(Long.getLong("kill.seed", 5));
        for (int round = 0; round < rounds; round++) {
            String loop = s.attach("vol");
            Path fs = round == 0 ? s.mkfsAndMount(loop, "kill" + round) : s.mountFs(loop, "kill" + round);
            long pid = daemonPid();
            FileWriterLoad writer = new FileWriterLoad(fs, 6, random.nextLong()).start();
            Thread.sleep(500 + random.nextInt(1500));

            Shell.run("kill", "-9", Long.toString(pid)).orFail();

            writer.stop();
            int inProgress = writer.written.get() % 6;
            Shell.run("umount", "-l", fs.toString());
            Shell.run("losetup", "-d", loop);
            s.cli("mount", s.mnt.toString(), "--state", s.state.toString()).orFail();
            String again = s.attach("vol");
            Path back = s.mountFs(again, "back" + round); // replays the journal
            writer.sums.remove(fs.resolve("file-" + inProgress)); // its rewrite was cut short: either content
            writer.errors.clear(); // the writer's own failure at the kill
            writer.verifyIn(back);
            assertThat(writer.errors).as("fsync'd files whose checksum differs").isEmpty();
            s.unmountFs(back);
            FilesystemIT.fsckClean(again);
            Shell.run("losetup", "-d", again).orFail();
            System.out.printf("kill under ext4 %d: %d files fsync'd, %d checked, fsck clean%n", round + 1,
                    writer.written.get(), writer.sums.size());
        }
    }

    private long daemonPid() throws IOException {
        return Long.parseLong(ControlFile.run(s.mnt, "daemon").lines().findFirst().orElseThrow().split(" ")[1]);
    }

    /** Batches of O_DIRECT writes, each followed by fsync, until an error; returns the batches fsync'd. */
    private long write(Path target, long seed) {
        Random random = new Random(seed);
        ByteBuffer buffer = ByteBuffer.allocateDirect(2 * BLOCK).alignedSlice(BLOCK);
        long batches = 0;
        try (FileChannel ch = FileChannel.open(target, StandardOpenOption.WRITE, ExtendedOpenOption.DIRECT)) {
            int[] blocks = new int[BATCH];
            while (true) {
                for (int i = 0; i < BATCH; i++) {
                    int b = random.nextInt(BLOCKS);
                    long generation = written[b] + 1;
                    fill(buffer, b, generation);
                    written[b] = generation; // before the write: a write that fails may still have landed
                    ch.write(buffer, (long) b * BLOCK);
                    blocks[i] = b;
                }
                ch.force(true);
                for (int b : blocks) {
                    acked[b] = Math.max(acked[b], written[b]);
                }
                batches++;
            }
        } catch (IOException e) {
            return batches; // the daemon is gone
        }
    }

    private void assertDeadMountFailsAtOnce() {
        long start = System.nanoTime();
        Shell.Result stat = Shell.run("timeout", "10", "stat", s.mnt.resolve("vol").toString());
        assertThat(stat.exit()).as("I/O on the dead mount fails").isNotZero().isNotEqualTo(124);
        assertThat(stat.err()).contains("Transport endpoint is not connected");
        assertThat(TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - start)).isLessThan(5);
    }

    /**
     * Every block holds its last fsync'd generation, or a later one whose write had not been
     * fsync'd; where such a later write was in flight the block may hold neither whole (a torn
     * write is allowed there, as on a disk) and becomes unknown until its next fsync'd write.
     * Returns the bytes checked.
     */
    private long verify(Path device) throws IOException {
        ByteBuffer block = ByteBuffer.allocate(BLOCK);
        ByteBuffer expected = ByteBuffer.allocate(BLOCK);
        long checked = 0;
        try (FileChannel ch = FileChannel.open(device, StandardOpenOption.READ)) {
            for (int b = 0; b < BLOCKS; b++) {
                block.clear();
                while (block.hasRemaining() && ch.read(block, (long) b * BLOCK + block.position()) > 0) {
                    // until the whole block is read
                }
                long generation = block.getLong(8);
                boolean whole = block.getLong(0) == b && generation >= 1 && generation <= written[b]
                        && matches(block, expected, b, generation);
                if (written[b] > acked[b]) { // an unacknowledged write was in flight
                    if (whole && generation >= acked[b]) {
                        acked[b] = written[b] = generation;
                    } else if (generation == 0 && acked[b] <= 0 && isZero(block)) {
                        acked[b] = written[b] = 0;
                    } else {
                        acked[b] = UNKNOWN;
                    }
                    continue;
                }
                if (acked[b] == 0) {
                    assertThat(isZero(block)).as("block %d was never written", b).isTrue();
                } else if (acked[b] > 0) {
                    assertThat(whole && generation == acked[b]).as("block %d holds its fsync'd generation %d (has %d)",
                            b, acked[b], generation).isTrue();
                }
                checked += BLOCK;
            }
        }
        return checked;
    }

    private static boolean matches(ByteBuffer block, ByteBuffer expected, int b, long generation) {
        fill(expected, b, generation);
        return java.util.Arrays.equals(block.array(), bytes(expected));
    }

    private static boolean isZero(ByteBuffer block) {
        for (byte x : block.array()) {
            if (x != 0) {
                return false;
            }
        }
        return true;
    }

    private static void fill(ByteBuffer buffer, int block, long generation) {
        buffer.clear();
        buffer.putLong(0, block).putLong(8, generation);
        Random pattern = new Random(block * 1_000_003L + generation);
        for (int i = 16; i < BLOCK; i += 8) {
            buffer.putLong(i, pattern.nextLong());
        }
        buffer.limit(BLOCK);
    }

    private static byte[] bytes(ByteBuffer buffer) {
        byte[] out = new byte[BLOCK];
        buffer.get(0, out);
        return out;
    }

}
