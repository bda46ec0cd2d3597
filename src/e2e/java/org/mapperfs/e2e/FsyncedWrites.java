package org.mapperfs.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.nio.file.ExtendedOpenOption;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Random;

/**
 * A writer of 4 KiB blocks that each name their block and generation, in batches of O_DIRECT
 * writes each followed by fsync, and the check after a crash that every block holds its last
 * fsync'd generation (or a later one whose write was in flight). For the kill tests.
 */
final class FsyncedWrites {
    static final int BLOCK = 4096;
    private static final int BATCH = 32;
    /** A block whose in-flight write was torn: unknown until its next fsync'd write. */
    private static final long UNKNOWN = -1;

    private final int blocks;
    /** Per block: the generation of its last fsync'd write, and of its last write at all. */
    private final long[] acked;
    private final long[] written;

    FsyncedWrites(int blocks) {
        this.blocks = blocks;
        this.acked = new long[blocks];
        this.written = new long[blocks];
    }

    /** Batches of O_DIRECT writes, each followed by fsync, until an error; returns the batches fsync'd. */
    long write(Path target, long seed) {
        Random random = new Random(seed);
        ByteBuffer buffer = ByteBuffer.allocateDirect(2 * BLOCK).alignedSlice(BLOCK);
        long batches = 0;
        try (FileChannel ch = FileChannel.open(target, StandardOpenOption.WRITE, ExtendedOpenOption.DIRECT)) {
            int[] batch = new int[BATCH];
            while (true) {
                for (int i = 0; i < BATCH; i++) {
                    int b = random.nextInt(blocks);
                    long generation = written[b] + 1;
                    fill(buffer, b, generation);
                    written[b] = generation; // before the write: a write that fails may still have landed
                    ch.write(buffer, (long) b * BLOCK);
                    batch[i] = b;
                }
                ch.force(true);
                for (int b : batch) {
                    acked[b] = Math.max(acked[b], written[b]);
                }
                batches++;
            }
        } catch (IOException e) {
            return batches; // the daemon is gone
        }
    }

    /**
     * Every block holds its last fsync'd generation, or a later one whose write had not been
     * fsync'd; where such a later write was in flight the block may hold neither whole (a torn
     * write is allowed there, as on a disk) and becomes unknown until its next fsync'd write.
     * Returns the bytes checked.
     */
    long verify(Path device) throws IOException {
        ByteBuffer block = ByteBuffer.allocate(BLOCK);
        ByteBuffer expected = ByteBuffer.allocate(BLOCK);
        long checked = 0;
        try (FileChannel ch = FileChannel.open(device, StandardOpenOption.READ)) {
            for (int b = 0; b < blocks; b++) {
                block.clear();
                while (block.hasRemaining() && ch.read(block, (long) b * BLOCK + block.position()) > 0) {
                    // until the whole block is read
                }
                assertThat(block.hasRemaining()).as("block %d read whole (the device ends short)", b).isFalse();
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
