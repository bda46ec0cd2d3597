package org.mapperfs.testing;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import org.mapperfs.core.BlockDevice;

/** Backing files and whole-buffer I/O for the mount module's tests. */
public final class Disks {
    private Disks() {}

    /** Creates {@code dir/name} of {@code sectors} zeroed sectors; returns its real path (as tables show it). */
    public static Path file(Path dir, String name, long sectors) throws IOException {
        Path file = dir.resolve(name);
        Files.createDirectories(file.getParent());
        Files.write(file, new byte[Math.toIntExact(sectors * 512)]);
        return file.toRealPath();
    }

    public static byte[] seeded(int length, long seed) {
        byte[] data = new byte[length];
        new Random(seed).nextBytes(data);
        return data;
    }

    public static byte[] read(BlockDevice device, long offset, int length) throws IOException {
        ByteBuffer buffer = ByteBuffer.allocate(length);
        device.read(buffer, offset);
        return buffer.array();
    }

    public static void write(BlockDevice device, long offset, byte[] data) throws IOException {
        device.write(ByteBuffer.wrap(data), offset);
    }
}
