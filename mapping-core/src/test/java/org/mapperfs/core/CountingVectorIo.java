package org.mapperfs.core;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Vectored I/O for tests in plain Java: each call moves its pieces one positional FileChannel
 * call at a time, and is counted, so that a test sees how many vectored calls the engine made.
 */
public final class CountingVectorIo implements VectorIo {
    public final AtomicInteger reads = new AtomicInteger();
    public final AtomicInteger writes = new AtomicInteger();

    @Override
    public Vectored open(Path path) throws IOException {
        FileChannel channel = FileChannel.open(path, StandardOpenOption.READ, StandardOpenOption.WRITE);
        return new Vectored() {
            @Override
            public long read(ByteBuffer buffer, BufferPieces pieces, long offset) throws IOException {
                reads.incrementAndGet();
                return each(channel, buffer, pieces, offset, false);
            }

            @Override
            public long write(ByteBuffer buffer, BufferPieces pieces, long offset) throws IOException {
                writes.incrementAndGet();
                return each(channel, buffer, pieces, offset, true);
            }

            @Override
            public void close() throws IOException {
                channel.close();
            }
        };
    }

    private static long each(FileChannel channel, ByteBuffer buffer, BufferPieces pieces, long offset, boolean write)
            throws IOException {
        ByteBuffer view = buffer.duplicate();
        long moved = 0;
        for (int i = 0; i < pieces.count(); i++) {
            view.limit(pieces.start(i) + pieces.length(i)).position(pieces.start(i));
            while (view.hasRemaining()) {
                int n = write ? channel.write(view, offset + moved) : channel.read(view, offset + moved);
                if (n < 0) {
                    return moved;
                }
                moved += n;
            }
        }
        return moved;
    }
}
