package org.mapperfs.libc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mapperfs.core.BufferPieces;
import org.mapperfs.core.FileDevice;
import org.mapperfs.core.HolePuncher;
import org.mapperfs.core.VectorIo;

class LibcVectorIoTest {
    @TempDir
    Path dir;

    private final LibcVectorIo vectors = new LibcVectorIo();

    private Path noise(int size, long seed) throws IOException {
        byte[] data = new byte[size];
        new Random(seed).nextBytes(data);
        return Files.write(dir.resolve("f" + seed), data);
    }

    @Test
    void preadvFillsThePiecesFromConsecutiveBytesOfTheFile() throws IOException {
        Path file = noise(10_000, 1);
        byte[] original = Files.readAllBytes(file);
        BufferPieces pieces = new BufferPieces();
        pieces.add(10, 100);
        pieces.add(500, 50);
        ByteBuffer buffer = ByteBuffer.allocateDirect(1000);

        long n;
        try (VectorIo.Vectored vectored = vectors.open(file)) {
            n = vectored.read(buffer, pieces, 2000);
        }

        assertThat(n).isEqualTo(150);
        assertThat(bytes(buffer, 10, 100)).isEqualTo(Arrays.copyOfRange(original, 2000, 2100));
        assertThat(bytes(buffer, 500, 50)).isEqualTo(Arrays.copyOfRange(original, 2100, 2150));
        assertThat(bytes(buffer, 110, 390)).containsOnly(0);
        assertThat(buffer.position()).isZero();
    }

    @Test
    void pwritevOfMorePiecesThanOneCallTakesWritesThemAll() throws IOException {
        Path file = noise(8 * LibcVectorIo.IOV_MAX * 3, 2);
        int count = LibcVectorIo.IOV_MAX * 2 + 7;
        BufferPieces pieces = new BufferPieces();
        ByteBuffer buffer = ByteBuffer.allocateDirect(16 * count);
        byte[] expected = new byte[8 * count];
        for (int i = 0; i < count; i++) {
            pieces.add(16 * i, 8); // every other 8 bytes of the buffer
            for (int k = 0; k < 8; k++) {
                buffer.put(16 * i + k, (byte) (i + k));
                expected[8 * i + k] = (byte) (i + k);
            }
        }

        long n;
        try (VectorIo.Vectored vectored = vectors.open(file)) {
            n = vectored.write(buffer, pieces, 4);
        }

        assertThat(n).isEqualTo(8L * count);
        assertThat(Arrays.copyOfRange(Files.readAllBytes(file), 4, 4 + 8 * count)).isEqualTo(expected);
    }

    @Test
    void aReadPastTheEndOfTheFileComesBackShort() throws IOException {
        Path file = noise(1000, 3);
        BufferPieces pieces = new BufferPieces();
        pieces.add(0, 100);
        pieces.add(200, 100);

        try (VectorIo.Vectored vectored = vectors.open(file)) {
            assertThat(vectored.read(ByteBuffer.allocateDirect(300), pieces, 850)).isEqualTo(150);
        }
    }

    @Test
    void aMissingFileIsAnErrorNamingIt() {
        assertThatThrownBy(() -> vectors.open(dir.resolve("absent")))
                .isInstanceOf(IOException.class).hasMessageContaining("absent: open failed: No such file");
    }

    @Test
    void aFileDeviceMovesPiecesOfDirectAndHeapBuffersThroughIt() throws IOException {
        Path file = noise(64 * 1024, 4);
        byte[] original = Files.readAllBytes(file);
        BufferPieces pieces = new BufferPieces();
        pieces.add(0, 4096);
        pieces.add(8192, 4096);
        try (FileDevice device = FileDevice.open(file, HolePuncher.NONE, vectors)) {
            for (ByteBuffer buffer : new ByteBuffer[] {ByteBuffer.allocateDirect(12288), ByteBuffer.allocate(12288)}) {
                device.readPieces(buffer, pieces, 1000);
                assertThat(bytes(buffer, 0, 4096)).isEqualTo(Arrays.copyOfRange(original, 1000, 5096));
                assertThat(bytes(buffer, 8192, 4096)).isEqualTo(Arrays.copyOfRange(original, 5096, 9192));

                device.writePieces(buffer, pieces, 40_000);
                assertThat(Arrays.copyOfRange(Files.readAllBytes(file), 40_000, 48_192))
                        .isEqualTo(Arrays.copyOfRange(original, 1000, 9192));
            }
            assertThatThrownBy(() -> device.readPieces(ByteBuffer.allocateDirect(12288), pieces, 60_000))
                    .isInstanceOf(IOException.class).hasMessageContaining("outside its 65536 bytes");
        }
    }

    private static byte[] bytes(ByteBuffer buffer, int from, int length) {
        byte[] out = new byte[length];
        buffer.get(from, out);
        return out;
    }
}
