package org.mapperfs.jmh;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Comparator;

/** The benchmarks' backing files: written through (allocated, in the page cache), and removed. */
final class BenchFiles {
    private BenchFiles() {}

    /** Writes {@code bytes} of zeros to {@code file}, so that no read or write meets a hole. */
    static void fill(Path file, long bytes) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
            ByteBuffer zeros = ByteBuffer.allocateDirect(1 << 20);
            for (long at = 0; at < bytes; at += zeros.capacity()) {
                zeros.clear();
                ch.write(zeros, at);
            }
        }
    }

    /** Removes {@code dir} and everything in it. */
    static void deleteTree(Path dir) throws IOException {
        try (var files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }
}
