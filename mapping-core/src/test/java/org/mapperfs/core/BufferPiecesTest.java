package org.mapperfs.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

class BufferPiecesTest {

    @Test
    void aPieceRightAfterTheLastJoinsItAndTheTotalCountsEveryByte() {
        BufferPieces pieces = new BufferPieces();
        pieces.add(0, 10);
        pieces.add(10, 5);
        pieces.add(30, 7);

        assertThat(pieces.count()).isEqualTo(2);
        assertThat(pieces.start(0)).isEqualTo(0);
        assertThat(pieces.length(0)).isEqualTo(15);
        assertThat(pieces.start(1)).isEqualTo(30);
        assertThat(pieces.length(1)).isEqualTo(7);
        assertThat(pieces.total()).isEqualTo(22);
    }

    @Test
    void growsPastItsFirstArraysAndClearsForReuse() {
        BufferPieces pieces = new BufferPieces();
        for (int i = 0; i < 100; i++) {
            pieces.add(2 * i, 1);
        }
        assertThat(pieces.count()).isEqualTo(100);
        assertThat(pieces.start(99)).isEqualTo(198);

        pieces.clear();
        pieces.add(4, 4);
        assertThat(pieces.count()).isEqualTo(1);
        assertThat(pieces.total()).isEqualTo(4);
    }

    @Test
    void refusesEmptyAndNegativePieces() {
        BufferPieces pieces = new BufferPieces();
        assertThatThrownBy(() -> pieces.add(0, 0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> pieces.add(-1, 4)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void readEachFillsThePiecesFromConsecutiveBytesAndLeavesTheRestAlone() throws Exception {
        MemoryDevice device = numbered();
        BufferPieces pieces = new BufferPieces();
        pieces.add(2, 3);
        pieces.add(8, 4);
        ByteBuffer buffer = ByteBuffer.allocate(16);
        Arrays.fill(buffer.array(), (byte) -1);
        buffer.position(1).limit(13);

        pieces.readEach(device, buffer, 20, 0);

        assertThat(buffer.array()).containsExactly(-1, -1, 20, 21, 22, -1, -1, -1, 23, 24, 25, 26, -1, -1, -1, -1);
        assertThat(buffer.position()).isEqualTo(1);
        assertThat(buffer.limit()).isEqualTo(13);
    }

    @Test
    void readEachSkipsWhatWasAlreadyMovedEvenInsideAPiece() throws Exception {
        MemoryDevice device = numbered();
        BufferPieces pieces = new BufferPieces();
        pieces.add(0, 3);
        pieces.add(5, 3);
        ByteBuffer buffer = ByteBuffer.allocate(8);

        pieces.readEach(device, buffer, 10, 4); // 3 bytes of the first piece and 1 of the second done

        assertThat(buffer.array()).containsExactly(0, 0, 0, 0, 0, 0, 14, 15);
    }

    @Test
    void writeEachWritesThePiecesAsConsecutiveBytes() throws Exception {
        MemoryDevice device = new MemoryDevice("m", 16);
        BufferPieces pieces = new BufferPieces();
        pieces.add(0, 2);
        pieces.add(4, 2);
        ByteBuffer buffer = ByteBuffer.wrap(new byte[] {1, 2, 9, 9, 3, 4});

        pieces.writeEach(device, buffer, 5, 0);

        assertThat(device.data()).containsExactly(0, 0, 0, 0, 0, 1, 2, 3, 4, 0, 0, 0, 0, 0, 0, 0);
        assertThat(buffer.position()).isZero();
    }

    /** 64 bytes, each holding its own offset. */
    private static MemoryDevice numbered() {
        MemoryDevice device = new MemoryDevice("m", 64);
        for (int i = 0; i < 64; i++) {
            device.data()[i] = (byte) i;
        }
        return device;
    }
}
