package org.mapperfs.core.nbd;

import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.locks.LockSupport;
import org.mapperfs.core.nbd.NbdConnection.Pending;

/**
 * The reply side of an {@link NbdConnection}, run by its one reader thread: decodes simple and
 * structured replies, matches each to its request by cookie and puts a read's data into the
 * caller's buffer, then wakes the caller. It reads the socket in large pieces, so that a burst of
 * small replies costs one system call, not several each; a large read's data go from the socket
 * straight into the caller's buffer. Separate from the connection, which sends requests under
 * its lock, waits for their replies and fails them all when it breaks: this owns the replies'
 * wire format and the reader's buffers, which only the reader thread touches. See the NBD
 * project's doc/proto.md.
 */
final class NbdReplyReader {
    static final int SIMPLE_REPLY_MAGIC = 0x67446698;
    static final int STRUCTURED_REPLY_MAGIC = 0x668e33ef;

    static final int REPLY_FLAG_DONE = 1;
    static final int REPLY_NONE = 0;
    static final int REPLY_OFFSET_DATA = 1;
    static final int REPLY_OFFSET_HOLE = 2;
    static final int REPLY_ERROR = 0x8001;
    static final int REPLY_ERROR_OFFSET = 0x8002;

    /** Bytes the reader takes from the socket at once. */
    private static final int IN_BYTES = 128 * 1024;
    /** Data at least this long go from the socket straight into the caller's buffer. */
    private static final int DIRECT_READ_BYTES = 32 * 1024;

    private final SocketChannel channel;
    private final Map<Long, Pending> pending;
    /** A reply's header. */
    private final ByteBuffer header = ByteBuffer.allocate(28);
    /** An offset chunk's offset (and a hole's length). */
    private final ByteBuffer chunk = ByteBuffer.allocate(12);
    /** What it read from the socket and has not taken yet (position to limit). */
    private final ByteBuffer in = ByteBuffer.allocateDirect(IN_BYTES).flip();

    /** Reads replies from {@code channel} to the requests in {@code pending}, by cookie. */
    NbdReplyReader(SocketChannel channel, Map<Long, Pending> pending) {
        this.channel = channel;
        this.pending = pending;
    }

    /** One reply after the other, into the waiting request's buffer, until the connection fails. */
    void readReplies() throws IOException {
        while (true) {
            header.clear().limit(4);
            fill(header);
            int magic = header.getInt(0);
            if (magic == SIMPLE_REPLY_MAGIC) {
                header.limit(16);
                fill(header);
                int error = header.getInt(4);
                Pending p = pending.get(header.getLong(8));
                if (p == null) {
                    throw new IOException("a reply to no request");
                }
                if (p.dst != null && error == 0) {
                    fill(p.dst.duplicate());
                }
                complete(p, error, null);
            } else if (magic == STRUCTURED_REPLY_MAGIC) {
                header.limit(20);
                fill(header);
                structuredChunk(Short.toUnsignedInt(header.getShort(4)), Short.toUnsignedInt(header.getShort(6)),
                        header.getLong(8), header.getInt(16));
            } else {
                throw new IOException("bad reply magic " + Integer.toHexString(magic));
            }
        }
    }

    private void structuredChunk(int flags, int type, long cookie, int length) throws IOException {
        Pending p = pending.get(cookie);
        if (p == null) {
            throw new IOException("a reply chunk to no request");
        }
        switch (type) {
            case REPLY_NONE -> skip(length);
            case REPLY_OFFSET_DATA -> {
                fill(chunk.clear().limit(8));
                fill(slice(p, chunk.getLong(0), length - 8));
            }
            case REPLY_OFFSET_HOLE -> {
                fill(chunk.clear().limit(12));
                ByteBuffer dst = slice(p, chunk.getLong(0), chunk.getInt(8));
                while (dst.hasRemaining()) {
                    dst.put((byte) 0);
                }
            }
            case REPLY_ERROR, REPLY_ERROR_OFFSET -> {
                ByteBuffer e = ByteBuffer.allocate(length);
                fill(e);
                int error = e.getInt(0);
                int messageLength = Short.toUnsignedInt(e.getShort(4));
                String message = messageLength > 0 && 6 + messageLength <= length
                        ? new String(e.array(), 6, messageLength, StandardCharsets.UTF_8) : null;
                p.error = error == 0 ? 5 : error;
                p.message = message;
            }
            default -> skip(length);
        }
        if ((flags & REPLY_FLAG_DONE) != 0) {
            complete(p, p.error, p.message);
        }
    }

    private static ByteBuffer slice(Pending p, long offset, int length) throws IOException {
        long from = offset - p.offset;
        if (p.dst == null || from < 0 || from + length > p.dst.remaining()) {
            throw new IOException("a reply chunk outside its request");
        }
        int start = p.dst.position() + (int) from;
        return p.dst.duplicate().position(start).limit(start + length);
    }

    private void skip(int n) throws IOException {
        fill(ByteBuffer.allocate(n));
    }

    /** Fills {@code b} from what was read ahead, then from the socket. */
    private void fill(ByteBuffer b) throws IOException {
        while (b.hasRemaining()) {
            if (in.hasRemaining()) {
                int n = Math.min(in.remaining(), b.remaining());
                b.put(b.position(), in, in.position(), n);
                b.position(b.position() + n);
                in.position(in.position() + n);
            } else if (b.remaining() >= DIRECT_READ_BYTES) {
                if (channel.read(b) < 0) {
                    throw new EOFException("the server closed the connection");
                }
            } else {
                in.clear();
                int n = channel.read(in);
                in.flip();
                if (n < 0) {
                    throw new EOFException("the server closed the connection");
                }
            }
        }
    }

    private static void complete(Pending p, int error, String message) {
        p.error = error;
        p.message = message;
        p.done = true;
        LockSupport.unpark(p.waiter);
    }
}
