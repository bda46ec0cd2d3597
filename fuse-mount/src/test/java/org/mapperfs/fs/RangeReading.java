package org.mapperfs.fs;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.mapperfs.control.ControlCommands;
import org.mapperfs.core.BlockDevice;
import org.mapperfs.core.FileRangeSink;
import org.mapperfs.core.HolePuncher;
import org.mapperfs.core.Mapper;
import org.mapperfs.core.TargetRegistry;
import org.mapperfs.core.VectorIo;
import org.mapperfs.daemon.Daemon;
import org.mapperfs.daemon.StateStore;

/**
 * What the tests of {@link MapperFs#readRange} share: a sink that takes ranges by reading them
 * through the descriptor, as splice(2) would, and the set-up of a file system over backing files
 * of random bytes in {@code dir}.
 */
class RangeReading implements FileRangeSink {
    private static final int O_RDWR = 2;

    final List<byte[]> taken = new ArrayList<>();
    final List<Long> positions = new ArrayList<>();
    /** The file each range was taken from. */
    final List<Path> files = new ArrayList<>();
    /** Of each range taken as a piece ({@link #takePiece}): the length of the whole read. */
    final List<Integer> totals = new ArrayList<>();
    /** How many pieces it takes a read in ({@link #maxPieces}): 1 unless set. */
    int pieces = 1;

    @Override
    public int maxPieces(int total) {
        return pieces;
    }

    @Override
    public void takePiece(int fd, long position, int length, int total) throws IOException {
        take(fd, position, length);
        totals.add(total);
    }

    /** The ranges taken, one after the other. */
    byte[] joined() {
        java.io.ByteArrayOutputStream all = new java.io.ByteArrayOutputStream();
        taken.forEach(all::writeBytes);
        return all.toByteArray();
    }

    @Override
    public void take(int fd, long position, int length) throws IOException {
        Path file = Files.readSymbolicLink(Path.of("/proc/self/fd/" + fd));
        ByteBuffer b = ByteBuffer.allocate(length);
        try (FileChannel c = FileChannel.open(Path.of("/proc/self/fd/" + fd))) {
            while (b.hasRemaining() && c.read(b, position + b.position()) > 0) {
                // until full
            }
        }
        taken.add(b.array());
        positions.add(position);
        files.add(file);
    }

    /** Takes its range only once released: a read held in the middle of its hand-over. */
    static final class Held extends RangeReading {
        private final CountDownLatch taking = new CountDownLatch(1);
        private final CountDownLatch release = new CountDownLatch(1);

        @Override
        public void take(int fd, long position, int length) throws IOException {
            taking.countDown();
            try {
                release.await(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                throw new IOException(e);
            }
            super.take(fd, position, length);
        }

        /** {@code source.readRange} in another thread, returned once the range reached this sink. */
        CompletableFuture<Boolean> readRangeHeld(Source source, long offset, int length) throws Exception {
            CompletableFuture<Boolean> read = CompletableFuture.supplyAsync(() -> {
                try {
                    return source.readRange(offset, length, this);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
            if (!taking.await(5, TimeUnit.SECONDS)) {
                throw new AssertionError("the range did not reach the sink within 5 s");
            }
            return read;
        }

        void release() {
            release.countDown();
        }
    }

    /** What hands ranges over: a device's or a table's {@code readRange}. */
    interface Source {
        boolean readRange(long offset, int length, FileRangeSink sink) throws IOException;
    }

    /** {@code device.write} of {@code data} at {@code at}, in another thread. */
    static CompletableFuture<Void> writeAsync(BlockDevice device, long at, byte[] data) {
        return CompletableFuture.runAsync(() -> {
            try {
                device.write(ByteBuffer.wrap(data), at);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
    }

    static Path noise(Path dir, String name, int size, long seed) throws IOException {
        byte[] data = new byte[size];
        new Random(seed).nextBytes(data);
        return Files.write(dir.resolve(name), data);
    }

    static MapperFs fs(Mapper mapper, Path dir) throws IOException {
        ControlCommands commands = new ControlCommands(mapper, new Daemon.Info(dir.resolve("mnt"),
                new StateStore(dir.resolve("state"))));
        return new MapperFs(mapper, commands, new MapperFs.Options(0, 0, 0600, true));
    }

    static long open(MapperFs fs, String device) throws Exception {
        return fs.open(fs.resolve("/" + device), O_RDWR, 0).fh();
    }

    static Mapper mapper(VectorIo vectors) {
        return new Mapper(TargetRegistry.standard(), HolePuncher.NONE, vectors, Optional.empty());
    }

    static byte[] bytes(Path file, long at, int length) throws IOException {
        return Arrays.copyOfRange(Files.readAllBytes(file), (int) at, (int) at + length);
    }
}
