package org.mapperfs.core;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * A backing file or block device, read and written with positional {@link FileChannel} I/O
 * (no lock: pread/pwrite are independent). Its size is read when it is opened, and again when
 * a new table takes it ({@link #refreshSize}: a file grown meanwhile serves a larger table; it
 * never shrinks under live tables); a table is checked against it once, and later requests stay
 * inside the mapped range. Pieces of a buffer
 * (a striped request's chunks on this file) move with one vectored call where the host gives
 * {@link VectorIo}, on a second descriptor of the same file.
 */
public final class FileDevice implements BlockDevice, AutoCloseable {
    private static final ByteBuffer ZEROS = ByteBuffer.allocateDirect(128 * 1024).asReadOnlyBuffer();

    private final Path path;
    private final FileChannel channel;
    private volatile long size;
    private final HolePuncher holes;
    /** Null where the host has no vectored I/O. */
    private final VectorIo.Vectored vectored;
    /** Writes and hole punches no finished force covers yet. */
    private final PendingWrites pending = new PendingWrites();

    private FileDevice(Path path, FileChannel channel, long size, HolePuncher holes, VectorIo.Vectored vectored) {
        this.path = path;
        this.channel = channel;
        this.size = size;
        this.holes = holes;
        this.vectored = vectored;
    }

    /** Opens an existing regular file or block device for reading and writing, without vectored I/O. */
    public static FileDevice open(Path path, HolePuncher holes) throws IOException {
        return open(path, holes, VectorIo.NONE);
    }

    /** Opens an existing regular file or block device for reading and writing. */
    public static FileDevice open(Path path, HolePuncher holes, VectorIo vectors) throws IOException {
        boolean block = BlockDevices.isBlockDevice(path);
        if (!block && !Files.isRegularFile(path)) {
            throw new IOException(Files.exists(path) ? path + " is not a regular file or block device"
                    : path + " does not exist");
        }
        FileChannel channel = FileChannel.open(path, StandardOpenOption.READ, StandardOpenOption.WRITE);
        try {
            long size = block ? BlockDevices.size(path) : channel.size();
            return new FileDevice(path, channel, size, block ? HolePuncher.NONE : holes, vectors.open(path));
        } catch (IOException | RuntimeException e) {
            channel.close();
            throw e;
        }
    }

    public Path path() {
        return path;
    }

    @Override
    public String name() {
        return path.toString();
    }

    @Override
    public long size() {
        return size;
    }

    /** Reads the size again: a file or device grown since it was opened. Never shrinks. */
    public void refreshSize() throws IOException {
        long now = BlockDevices.isBlockDevice(path) ? BlockDevices.size(path) : channel.size();
        if (now > size) {
            size = now;
        }
    }

    @Override
    public void read(ByteBuffer dst, long offset) throws IOException {
        check(offset, dst.remaining());
        long position = offset;
        while (dst.hasRemaining()) {
            int n;
            try {
                n = channel.read(dst, position);
            } catch (IOException e) {
                throw new BackingFileException(path, "read", position, e);
            }
            if (n < 0) {
                throw new IOException(path + ": unexpected end of file at offset " + position
                        + " (was the file truncated?)");
            }
            position += n;
        }
    }

    @Override
    public void write(ByteBuffer src, long offset) throws IOException {
        check(offset, src.remaining());
        long position = offset;
        while (src.hasRemaining()) {
            try {
                position += channel.write(src, position);
            } catch (IOException e) {
                throw new BackingFileException(path, "write", position, e);
            }
        }
        pending.written();
    }

    /** The range as one of this file's, where the host shares a descriptor of it. */
    @Override
    public boolean readRange(long offset, int length, FileRangeSink sink) throws IOException {
        return readPiece(offset, length, length, sink);
    }

    /**
     * Whether {@code device} is a file whose descriptor the host shares, so that its {@link
     * #readPiece} hands ranges over: what a target checks before it hands a read over in pieces.
     */
    public static boolean lendsRanges(BlockDevice device) {
        return device instanceof FileDevice file && file.vectored != null && file.vectored.descriptor() >= 0;
    }

    /**
     * Hands the {@code length} bytes at {@code offset} to {@code sink} as the next piece of a read
     * of {@code total} bytes ({@link FileRangeSink#takePiece}; the whole read where {@code length}
     * is {@code total}); false, having done nothing, where the host shares no descriptor of this
     * file ({@link #lendsRanges}).
     *
     * @throws FileRangeSink.SourceFailed if the file's bytes could not be read
     * @throws IOException if the range is outside the file, or the sink failed
     */
    public boolean readPiece(long offset, int length, int total, FileRangeSink sink) throws IOException {
        int fd = vectored != null ? vectored.descriptor() : -1;
        if (fd < 0) {
            return false;
        }
        check(offset, length);
        try {
            if (length == total) {
                sink.take(fd, offset, length);
            } else {
                sink.takePiece(fd, offset, length, total);
            }
        } catch (FileRangeSink.SourceFailed e) {
            throw new FileRangeSink.SourceFailed(path + ": " + e.getMessage(), e);
        }
        return true;
    }

    @Override
    public void readPieces(ByteBuffer buffer, BufferPieces pieces, long offset) throws IOException {
        check(offset, pieces.total());
        long moved;
        try {
            moved = vectored != null && buffer.isDirect() ? vectored.read(buffer, pieces, offset) : 0;
        } catch (IOException e) {
            throw new BackingFileException(path, "read", offset, e);
        }
        if (moved < pieces.total()) {
            pieces.readEach(this, buffer, offset, moved); // reports the end of file, if that is why
        }
    }

    @Override
    public void writePieces(ByteBuffer buffer, BufferPieces pieces, long offset) throws IOException {
        check(offset, pieces.total());
        long moved;
        try {
            moved = vectored != null && buffer.isDirect() ? vectored.write(buffer, pieces, offset) : 0;
        } catch (IOException e) {
            throw new BackingFileException(path, "write", offset, e);
        }
        if (moved < pieces.total()) {
            pieces.writeEach(this, buffer, offset, moved);
        }
        pending.written();
    }

    @Override
    public void flush() throws IOException {
        pending.flush(() -> {
            try {
                channel.force(false);
            } catch (IOException e) {
                throw new BackingFileException(path, "fsync", -1, e);
            }
        });
    }

    @Override
    public void discard(long offset, long length) throws IOException {
        check(offset, length);
        if (length == 0) {
            return;
        }
        if (holes.punchHole(path, offset, length)) {
            pending.written();
            return;
        }
        long position = offset;
        long end = offset + length;
        ByteBuffer zeros = ZEROS.duplicate();
        while (position < end) {
            zeros.clear().limit((int) Math.min(zeros.capacity(), end - position));
            write(zeros, position);
            position += zeros.limit();
        }
    }

    private void check(long offset, long length) throws IOException {
        if (offset < 0 || length < 0 || offset > size - length) {
            throw new IOException(path + ": request of " + length + " bytes at offset " + offset
                    + " is outside its " + size + " bytes");
        }
    }

    @Override
    public void close() throws IOException {
        try (channel) {
            if (vectored != null) {
                vectored.close();
            }
        }
    }

    @Override
    public String toString() {
        return path.toString();
    }
}
