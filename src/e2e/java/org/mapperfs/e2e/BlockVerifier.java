package org.mapperfs.e2e;

import com.sun.nio.file.ExtendedOpenOption;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * A verifying workload on a block device with O_DIRECT, so every request goes through the loop
 * driver to mapperfs: threads write 4 KiB blocks whose content follows from (block, generation)
 * and read blocks back to compare, on disjoint ranges. Any I/O error or mismatch is recorded.
 */
final class BlockVerifier {
    static final int BLOCK = 4096;

    private final Path device;
    private final long blocks;
    private final long seed;
    /** The generation last written to each block; 0 = never written. */
    private final AtomicLongArray generation;
    private final AtomicBoolean stop = new AtomicBoolean();
    final List<String> errors = new CopyOnWriteArrayList<>();
    final AtomicLong writes = new AtomicLong();
    final AtomicLong reads = new AtomicLong();
    private Thread[] threads = new Thread[0];

    BlockVerifier(Path device, long size, long seed) {
        this.device = device;
        this.blocks = size / BLOCK;
        this.seed = seed;
        this.generation = new AtomicLongArray((int) blocks);
    }

    void start(int threadCount) {
        threads = new Thread[threadCount];
        for (int t = 0; t < threadCount; t++) {
            long from = blocks * t / threadCount;
            long to = blocks * (t + 1) / threadCount;
            int id = t;
            threads[t] = new Thread(() -> run(from, to, new SplittableRandom(seed + id)), "verifier-" + t);
            threads[t].start();
        }
    }

    /** Stops the threads; one still in I/O a minute later is an error (a request never ended). */
    void stop() throws InterruptedException {
        stop.set(true);
        for (Thread t : threads) {
            t.join(60_000);
            if (t.isAlive()) {
                errors.add(t.getName() + " still waits for its I/O a minute after the stop");
            }
        }
    }

    private void run(long from, long to, SplittableRandom random) {
        try (FileChannel ch = open()) {
            ByteBuffer buf = ByteBuffer.allocateDirect(2 * BLOCK).alignedSlice(BLOCK);
            buf.limit(BLOCK);
            int ops = 0;
            while (!stop.get()) {
                long block = from + random.nextLong(to - from);
                if (random.nextInt(10) < 6) {
                    long gen = generation.get((int) block) + 1;
                    fill(buf, block, gen);
                    write(ch, buf, block);
                    generation.set((int) block, gen);
                    writes.incrementAndGet();
                } else {
                    check(ch, buf, block);
                    reads.incrementAndGet();
                }
                if (++ops % 64 == 0) {
                    ch.force(false);
                }
            }
            ch.force(false);
        } catch (IOException | RuntimeException e) {
            errors.add(Thread.currentThread().getName() + ": " + e);
        }
    }

    /** Reads every block written so far and compares it. */
    void verifyAll() throws IOException {
        try (FileChannel ch = open()) {
            ByteBuffer buf = ByteBuffer.allocateDirect(2 * BLOCK).alignedSlice(BLOCK);
            buf.limit(BLOCK);
            for (long block = 0; block < blocks; block++) {
                check(ch, buf, block);
            }
        }
    }

    private FileChannel open() throws IOException {
        return FileChannel.open(device, StandardOpenOption.READ, StandardOpenOption.WRITE, ExtendedOpenOption.DIRECT);
    }

    private void check(FileChannel ch, ByteBuffer buf, long block) throws IOException {
        long gen = generation.get((int) block);
        if (gen == 0) {
            return;
        }
        buf.clear().limit(BLOCK);
        while (buf.hasRemaining()) {
            if (ch.read(buf, block * BLOCK + buf.position()) < 0) {
                throw new IOException("end of device at block " + block);
            }
        }
        SplittableRandom expected = new SplittableRandom(seed ^ (block * 0x9E3779B97F4A7C15L) ^ gen);
        for (int i = 0; i < BLOCK; i += 8) {
            if (buf.getLong(i) != expected.nextLong()) {
                errors.add("block " + block + " generation " + gen + ": mismatch at byte " + i);
                return;
            }
        }
    }

    private void fill(ByteBuffer buf, long block, long gen) {
        SplittableRandom content = new SplittableRandom(seed ^ (block * 0x9E3779B97F4A7C15L) ^ gen);
        buf.clear().limit(BLOCK);
        for (int i = 0; i < BLOCK; i += 8) {
            buf.putLong(i, content.nextLong());
        }
    }

    private static void write(FileChannel ch, ByteBuffer buf, long block) throws IOException {
        buf.position(0).limit(BLOCK);
        while (buf.hasRemaining()) {
            ch.write(buf, block * BLOCK + buf.position());
        }
    }
}
