package org.mapperfs.core;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;

/** Backing files with seeded contents, and whole-buffer I/O helpers for tests. */
public final class TestFiles {
    private TestFiles() {}

    /** Creates {@code dir/name} holding {@code bytes} bytes of seeded noise; returns its path. */
    public static Path noise(Path dir, String name, long bytes, long seed) throws IOException {
        byte[] data = new byte[Math.toIntExact(bytes)];
        new Random(seed).nextBytes(data);
        return Files.write(dir.resolve(name), data);
    }

    /** {@code sectors} sectors of seeded noise. */
    public static Path noiseSectors(Path dir, String name, long sectors, long seed) throws IOException {
        return noise(dir, name, Sectors.toBytes(sectors), seed);
    }

    /** Creates {@code dir/name}, {@code bytes} long and sparse (reads as zeros); returns its path. */
    public static Path sized(Path dir, String name, long bytes) throws IOException {
        Path p = dir.resolve(name);
        try (java.io.RandomAccessFile f = new java.io.RandomAccessFile(p.toFile(), "rw")) {
            f.setLength(bytes);
        }
        return p;
    }

    public static byte[] bytes(Path file) {
        try {
            return Files.readAllBytes(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static byte[] read(BlockDevice device, long offset, int length) throws IOException {
        ByteBuffer buffer = ByteBuffer.allocate(length);
        device.read(buffer, offset);
        return buffer.array();
    }

    public static void write(BlockDevice device, long offset, byte[] data) throws IOException {
        device.write(ByteBuffer.wrap(data), offset);
    }

    public static byte[] seeded(int length, long seed) {
        byte[] data = new byte[length];
        new Random(seed).nextBytes(data);
        return data;
    }

    public static byte[] slice(byte[] data, long offset, int length) {
        byte[] out = new byte[length];
        System.arraycopy(data, Math.toIntExact(offset), out, 0, length);
        return out;
    }
}
