package org.mapperfs.e2e;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A writer in a mounted file system: it keeps rewriting a rotating set of 1 MiB files with
 * random content, fsyncing each, and remembers each file's checksum. Errors are recorded.
 */
final class FileWriterLoad {
    private static final int FILE = 1024 * 1024;

    private final Path dir;
    private final int files;
    private final AtomicBoolean stop = new AtomicBoolean();
    final Map<Path, String> sums = new ConcurrentHashMap<>();
    final List<String> errors = new CopyOnWriteArrayList<>();
    final AtomicInteger written = new AtomicInteger();
    private final Thread thread;

    FileWriterLoad(Path dir, int files, long seed) {
        this.dir = dir;
        this.files = files;
        this.thread = new Thread(() -> run(new Random(seed)), "file-writer");
    }

    FileWriterLoad start() {
        thread.start();
        return this;
    }

    /**
     * Waits, at most 30 s, until more than {@code count} files have been written and fsync'd:
     * with a check after it, that the writer went on past a point (a reload, a switch).
     */
    void awaitMoreThan(int count) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (written.get() <= count && errors.isEmpty() && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
    }

    /** Stops the writer; one still in I/O a minute later is an error (a request never ended). */
    void stop() throws InterruptedException {
        stop.set(true);
        thread.join(60_000);
        if (thread.isAlive()) {
            errors.add("the writer still waits for its I/O a minute after the stop");
        }
    }

    private void run(Random random) {
        byte[] data = new byte[FILE];
        try {
            while (!stop.get()) {
                random.nextBytes(data);
                Path file = dir.resolve("file-" + (written.get() % files));
                try (FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                        StandardOpenOption.TRUNCATE_EXISTING)) {
                    ByteBuffer buf = ByteBuffer.wrap(data);
                    while (buf.hasRemaining()) {
                        ch.write(buf);
                    }
                    ch.force(true);
                }
                sums.put(file, sha256(data));
                written.incrementAndGet();
                Thread.sleep(10);
            }
        } catch (IOException | RuntimeException e) {
            errors.add(e.toString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Compares every file with the checksum of what was last written to it. */
    void verifyIn(Path mounted) throws IOException {
        for (Map.Entry<Path, String> e : sums.entrySet()) {
            Path file = mounted.resolve(dir.relativize(e.getKey()));
            String actual = sha256(Files.readAllBytes(file));
            if (!actual.equals(e.getValue())) {
                errors.add(file + ": checksum differs");
            }
        }
    }

    static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new AssertionError(e);
        }
    }
}
