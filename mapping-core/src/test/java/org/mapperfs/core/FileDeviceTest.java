package org.mapperfs.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.mapperfs.core.TestFiles.bytes;
import static org.mapperfs.core.TestFiles.seeded;
import static org.mapperfs.core.TestFiles.slice;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class FileDeviceTest {
    private static final int SIZE = 300_000;

    @TempDir
    Path dir;
    Path path;
    byte[] original;
    FileDevice device;

    @BeforeEach
    void setUp() throws IOException {
        path = TestFiles.noise(dir, "disk.img", SIZE, 21);
        original = bytes(path);
        device = FileDevice.open(path, HolePuncher.NONE);
    }

    @AfterEach
    void tearDown() throws IOException {
        device.close();
    }

    @Test
    void sizeAndNameComeFromTheFile() {
        assertThat(device.size()).isEqualTo(SIZE);
        assertThat(device.name()).isEqualTo(path.toString());
        assertThat(device.path()).isEqualTo(path);
    }

    @Test
    void refusesAMissingFileAndADirectory() {
        assertThatThrownBy(() -> FileDevice.open(dir.resolve("absent"), HolePuncher.NONE))
                .isInstanceOf(IOException.class).hasMessageEndingWith("absent does not exist");
        assertThatThrownBy(() -> FileDevice.open(dir, HolePuncher.NONE))
                .isInstanceOf(IOException.class).hasMessageContaining("is not a regular file or block device");
    }

    @ParameterizedTest(name = "direct buffer: {0}")
    @ValueSource(booleans = {false, true})
    void readsAndWritesAtTheirOffsetFromPositionToLimit(boolean direct) throws Exception {
        byte[] data = seeded(100_000, 22);
        ByteBuffer src = allocate(direct, data.length + 10);
        src.position(5);
        src.put(data);
        src.position(5).limit(5 + data.length);

        device.write(src, 123_457);

        assertThat(src.position()).isEqualTo(src.limit());
        byte[] expected = original.clone();
        System.arraycopy(data, 0, expected, 123_457, data.length);
        assertThat(bytes(path)).isEqualTo(expected);

        ByteBuffer dst = allocate(direct, data.length + 3);
        dst.position(3);
        device.read(dst, 123_457);
        assertThat(dst.position()).isEqualTo(dst.limit());
        byte[] back = new byte[data.length];
        dst.position(3);
        dst.get(back);
        assertThat(back).isEqualTo(data);
    }

    @Test
    void lastByteIsReachableAndOnePastTheEndIsAnErrorThatChangesNothing() throws Exception {
        ByteBuffer last = ByteBuffer.allocate(1);
        device.read(last, SIZE - 1);
        assertThat(last.get(0)).isEqualTo(original[SIZE - 1]);

        assertThatThrownBy(() -> device.write(ByteBuffer.wrap(new byte[2]), SIZE - 1))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("request of 2 bytes at offset " + (SIZE - 1) + " is outside its " + SIZE);
        assertThatThrownBy(() -> device.read(ByteBuffer.allocate(1), SIZE)).isInstanceOf(IOException.class);
        assertThatThrownBy(() -> device.read(ByteBuffer.allocate(1), -1)).isInstanceOf(IOException.class);
        assertThatThrownBy(() -> device.discard(SIZE - 10, 11)).isInstanceOf(IOException.class);
        assertThatThrownBy(() -> device.read(ByteBuffer.allocate(1), Long.MAX_VALUE)).isInstanceOf(IOException.class);

        assertThat(bytes(path)).isEqualTo(original);
        assertThat(Files.size(path)).isEqualTo(SIZE);
    }

    @Test
    void discardWithoutHolePunchingWritesZerosOverMoreThanOneBlockOfZeros() throws Exception {
        device.discard(1000, 200_000);

        byte[] expected = original.clone();
        Arrays.fill(expected, 1000, 201_000, (byte) 0);
        assertThat(bytes(path)).isEqualTo(expected);
    }

    @Test
    void discardAsksTheHolePuncherAndWritesNothingWhenItPunched() throws Exception {
        List<String> calls = new ArrayList<>();
        try (FileDevice punching = FileDevice.open(path, (file, offset, length) -> calls.add(offset + "+" + length))) {
            punching.discard(4096, 8192);
            punching.discard(0, 0);
        }

        assertThat(calls).containsExactly("4096+8192");
        assertThat(bytes(path)).isEqualTo(original);
    }

    @Test
    void discardFallsBackToZerosWhereHolesCannotBePunched() throws Exception {
        try (FileDevice noHoles = FileDevice.open(path, (file, offset, length) -> false)) {
            noHoles.discard(10, 20);
        }

        assertThat(slice(bytes(path), 10, 20)).containsOnly(0);
        assertThat(bytes(path)[9]).isEqualTo(original[9]);
        assertThat(bytes(path)[30]).isEqualTo(original[30]);
    }

    @Test
    void readingAFileTruncatedUnderTheDeviceFailsInsteadOfLooping() throws Exception {
        try (FileChannel channel = FileChannel.open(path, StandardOpenOption.WRITE)) {
            channel.truncate(1000);
        }

        assertThatThrownBy(() -> device.read(ByteBuffer.allocate(100), 950))
                .isInstanceOf(IOException.class).hasMessageContaining("unexpected end of file");
    }

    @Test
    void concurrentWritesToDisjointRangesAllLand() throws Exception {
        ExecutorService pool = TestThreads.pool();
        try {
            List<Future<?>> writes = new ArrayList<>();
            for (int i = 0; i < 8; i++) {
                int n = i;
                writes.add(pool.submit(() -> {
                    for (int round = 0; round < 20; round++) {
                        device.write(ByteBuffer.wrap(seeded(1000, n)), n * 1000L + round * 8000L);
                    }
                    return null;
                }));
            }
            for (Future<?> write : writes) {
                write.get(10, TimeUnit.SECONDS);
            }
        } finally {
            TestThreads.shutdown(pool);
        }

        byte[] after = bytes(path);
        for (int i = 0; i < 8; i++) {
            for (int round = 0; round < 20; round++) {
                assertThat(slice(after, i * 1000L + round * 8000L, 1000)).isEqualTo(seeded(1000, i));
            }
        }
    }

    @Test
    void flushSucceedsOnAnOpenFileAndFailsOnAClosedOneWithUnflushedWrites() throws Exception {
        device.flush();
        device.write(ByteBuffer.allocate(512), 0);
        device.close();

        assertThatThrownBy(device::flush).isInstanceOf(IOException.class);
    }

    @Test
    void flushWithNothingWrittenSinceTheLastOneDoesNoIo() throws Exception {
        device.write(ByteBuffer.allocate(512), 0);
        device.flush();
        device.close();

        assertThatCode(device::flush).as("no force on the closed channel").doesNotThrowAnyException();
    }

    private static ByteBuffer allocate(boolean direct, int capacity) {
        return direct ? ByteBuffer.allocateDirect(capacity) : ByteBuffer.allocate(capacity);
    }
    @ParameterizedTest(name = "direct buffer: {0}")
    @ValueSource(booleans = {false, true})
    void piecesReadAndWriteConsecutiveBytesOneByOneWithoutVectoredIo(boolean direct) throws IOException {
        BufferPieces pieces = new BufferPieces();
        pieces.add(1, 1000);
        pieces.add(3000, 24);
        ByteBuffer buffer = direct ? ByteBuffer.allocateDirect(4000) : ByteBuffer.allocate(4000);

        device.readPieces(buffer, pieces, 777);

        byte[] got = new byte[4000];
        buffer.get(0, got);
        assertThat(slice(got, 1, 1000)).isEqualTo(slice(original, 777, 1000));
        assertThat(slice(got, 3000, 24)).isEqualTo(slice(original, 1777, 24));
        assertThat(buffer.position()).isZero();

        device.writePieces(buffer, pieces, 50_000);
        assertThat(slice(bytes(path), 50_000, 1024)).isEqualTo(slice(original, 777, 1024));
    }

    @Test
    void piecesPastTheEndAreRefusedAndMoveNothing() {
        BufferPieces pieces = new BufferPieces();
        pieces.add(0, 100);
        pieces.add(200, 100);

        assertThatThrownBy(() -> device.writePieces(ByteBuffer.allocate(300), pieces, SIZE - 150))
                .isInstanceOf(IOException.class).hasMessageContaining("outside its " + SIZE + " bytes");
        assertThat(bytes(path)).isEqualTo(original);
    }

    @Test
    void aFailedWriteNamesTheFileTheOperationAndTheOffset() throws Exception {
        Path file = dir.resolve("closed.img");
        Files.write(file, new byte[8192]);
        FileDevice device = FileDevice.open(file, HolePuncher.NONE);
        device.close();

        assertThatThrownBy(() -> device.write(ByteBuffer.allocate(512), 4096))
                .isInstanceOf(BackingFileException.class)
                .hasMessageStartingWith(file + ": write at offset 4096 failed: ")
                .satisfies(e -> assertThat(((BackingFileException) e).file()).isEqualTo(file));
    }
}
