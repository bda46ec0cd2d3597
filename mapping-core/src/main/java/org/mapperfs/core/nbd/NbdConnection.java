package org.mapperfs.core.nbd;

import java.io.EOFException;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.AsynchronousCloseException;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * One connection to an NBD server, after the fixed-newstyle handshake ({@code NBD_OPT_GO} with
 * the block-size information, structured replies when the server has them, else
 * {@code NBD_OPT_EXPORT_NAME}). Many requests are in flight at once: each caller sends its
 * request under a lock (header and data in one system call) and waits for its reply, which one
 * reader thread matches by cookie and puts into the caller's buffer. The reader reads the socket
 * in large pieces, so that a burst of small replies costs one system call, not several each;
 * a large read's data go from the socket straight into the caller's buffer. A lost connection fails every request in flight
 * with {@link Lost}; the caller may retry on a new connection. A watchdog closes a connection
 * whose handshake or requests outlive their deadlines, so that nothing waits past them, not even
 * a request stuck in a send to a server that stopped reading. See the NBD project's doc/proto.md.
 */
final class NbdConnection implements AutoCloseable {
    static final long NBDMAGIC = 0x4e42444d41474943L;
    static final long IHAVEOPT = 0x49484156454F5054L;
    static final long REPLY_MAGIC = 0x3e889045565a9L;
    static final int REQUEST_MAGIC = 0x25609513;
    static final int SIMPLE_REPLY_MAGIC = 0x67446698;
    static final int STRUCTURED_REPLY_MAGIC = 0x668e33ef;

    static final int FLAG_FIXED_NEWSTYLE = 1;
    static final int FLAG_NO_ZEROES = 2;
    static final int OPT_EXPORT_NAME = 1;
    static final int OPT_GO = 7;
    static final int OPT_STRUCTURED_REPLY = 8;
    static final int REP_ACK = 1;
    static final int REP_INFO = 3;
    static final int REP_ERR_UNSUP = 0x80000001;
    static final int INFO_EXPORT = 0;
    static final int INFO_BLOCK_SIZE = 3;

    static final int TF_READ_ONLY = 1 << 1;
    static final int TF_SEND_FLUSH = 1 << 2;
    static final int TF_SEND_FUA = 1 << 3;
    static final int TF_SEND_TRIM = 1 << 5;
    static final int TF_SEND_WRITE_ZEROES = 1 << 6;
    static final int TF_CAN_MULTI_CONN = 1 << 8;

    static final int CMD_READ = 0;
    static final int CMD_WRITE = 1;
    static final int CMD_DISC = 2;
    static final int CMD_FLUSH = 3;
    static final int CMD_TRIM = 4;
    static final int CMD_WRITE_ZEROES = 6;

    static final int ESHUTDOWN = 108;
    static final int REPLY_FLAG_DONE = 1;
    static final int REPLY_NONE = 0;
    static final int REPLY_OFFSET_DATA = 1;
    static final int REPLY_OFFSET_HOLE = 2;
    static final int REPLY_ERROR = 0x8001;
    static final int REPLY_ERROR_OFFSET = 0x8002;

    /** The connection is gone (or never came): the request may be retried on a new one. */
    static final class Lost extends IOException {
        Lost(String message, Throwable cause) {
            super(message, cause);
        }
    }

    /** What the server said of its export. */
    record Export(long size, int flags, int minBlock, int preferredBlock, int maxBlock, boolean structured) {
        boolean has(int flag) {
            return (flags & flag) != 0;
        }
    }

    /**
     * A request waiting for its reply; {@code dst} is a read's buffer, its data go to dst's
     * position on. The reader sets {@code error} and {@code message} before {@code done}, whose
     * volatile write publishes them, then unparks the waiter.
     */
    private static final class Pending {
        final long offset;
        final ByteBuffer dst;
        final long deadline;
        final Thread waiter = Thread.currentThread();
        int error;
        String message;
        volatile boolean done;
        volatile IOException lost;

        Pending(long offset, ByteBuffer dst, long deadline) {
            this.offset = offset;
            this.dst = dst;
            this.deadline = deadline;
        }
    }

    /** Bytes the reader takes from the socket at once. */
    private static final int IN_BYTES = 128 * 1024;
    /** Data at least this long go from the socket straight into the caller's buffer. */
    private static final int DIRECT_READ_BYTES = 32 * 1024;

    /** How often the watchdog looks for requests past their deadline. */
    private static final long WATCH_MILLIS = 250;
    private static final ScheduledExecutorService WATCHDOG = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "mapperfs-nbd-watchdog");
        t.setDaemon(true);
        return t;
    });

    private final String name;
    private final SocketChannel channel;
    private final Export export;
    private final Object sending = new Object();
    private final Map<Long, Pending> pending = new ConcurrentHashMap<>();
    private final AtomicLong cookies = new AtomicLong();
    /** The reader thread's: a reply's header. */
    private final ByteBuffer header = ByteBuffer.allocate(28);
    /** The reader thread's: an offset chunk's offset (and a hole's length). */
    private final ByteBuffer chunk = ByteBuffer.allocate(12);
    /** The reader thread's: what it read from the socket and has not taken yet (position to limit). */
    private final ByteBuffer in = ByteBuffer.allocateDirect(IN_BYTES).flip();
    /** Guarded by {@link #sending}: the request being sent, and it with a write's data. */
    private final ByteBuffer request = ByteBuffer.allocateDirect(28);
    private final ByteBuffer[] requestAndData = new ByteBuffer[2];
    private final Thread reader;
    private final ScheduledFuture<?> watch;
    private volatile IOException broken;

    private NbdConnection(String name, SocketChannel channel, Export export) {
        this.name = name;
        this.channel = channel;
        this.export = export;
        this.reader = new Thread(this::readReplies, "mapperfs-nbd-" + name);
        reader.setDaemon(true);
        reader.start();
        this.watch = WATCHDOG.scheduleWithFixedDelay(this::watch, WATCH_MILLIS, WATCH_MILLIS, TimeUnit.MILLISECONDS);
    }

    /** Fails the connection if a request is past its deadline (its sender may be stuck in a send). */
    private void watch() {
        long now = System.nanoTime();
        for (Pending p : pending.values()) {
            if (now - p.deadline > 0) {
                fail(new IOException("no reply within the timeout"));
                return;
            }
        }
    }

    /**
     * Connects and shakes hands, within {@code connectMillis}; fails with {@link Lost} if the
     * server cannot be reached or does not finish the handshake in that time.
     */
    static NbdConnection open(NbdUri uri, long connectMillis) throws IOException {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(connectMillis);
        SocketChannel ch;
        try {
            if (uri.socket().isPresent()) {
                ch = SocketChannel.open(UnixDomainSocketAddress.of(uri.socket().get()));
            } else {
                ch = SocketChannel.open();
                try {
                    ch.socket().connect(new InetSocketAddress(uri.host().orElseThrow(), uri.port()),
                            (int) Math.max(1, Math.min(connectMillis, Integer.MAX_VALUE)));
                } catch (IOException e) {
                    ch.close();
                    throw e;
                }
                ch.setOption(StandardSocketOptions.TCP_NODELAY, true);
            }
        } catch (IOException e) {
            throw new Lost(uri.text() + ": cannot connect: " + e.getMessage(), e);
        }
        SocketChannel connected = ch;
        ScheduledFuture<?> timeout = WATCHDOG.schedule(() -> closeQuietly(connected),
                Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
        try {
            Export export = handshake(ch, uri);
            if (!timeout.cancel(false)) {
                throw new AsynchronousCloseException();
            }
            return new NbdConnection(uri.text(), ch, export);
        } catch (IOException | RuntimeException e) {
            timeout.cancel(false);
            ch.close();
            if (e instanceof ClosedChannelException) {
                throw new Lost(uri.text() + ": no answer to the handshake within " + connectMillis + " ms", e);
            }
            throw e instanceof EOFException ? new Lost(uri.text() + ": the server hung up during the handshake", e)
                    : e instanceof IOException io ? io : new IOException(uri.text() + ": " + e.getMessage(), e);
        }
    }

    private static void closeQuietly(SocketChannel ch) {
        try {
            ch.close();
        } catch (IOException e) {
            // the handshake fails on it
        }
    }

    Export export() {
        return export;
    }

    private static Export handshake(SocketChannel ch, NbdUri uri) throws IOException {
        ByteBuffer greeting = read(ch, 18);
        if (greeting.getLong() != NBDMAGIC || greeting.getLong() != IHAVEOPT) {
            throw new IOException(uri.text() + ": not a newstyle NBD server");
        }
        int serverFlags = Short.toUnsignedInt(greeting.getShort());
        if ((serverFlags & FLAG_FIXED_NEWSTYLE) == 0) {
            throw new IOException(uri.text() + ": the server does not speak fixed newstyle");
        }
        boolean noZeroes = (serverFlags & FLAG_NO_ZEROES) != 0;
        write(ch, ByteBuffer.allocate(4).putInt(FLAG_FIXED_NEWSTYLE | (noZeroes ? FLAG_NO_ZEROES : 0)).flip());

        option(ch, OPT_STRUCTURED_REPLY, new byte[0]);
        int type = optionReply(ch, OPT_STRUCTURED_REPLY, null);
        boolean structured = type == REP_ACK;

        byte[] name = uri.export().getBytes(StandardCharsets.UTF_8);
        ByteBuffer go = ByteBuffer.allocate(4 + name.length + 2 + 2).putInt(name.length).put(name)
                .putShort((short) 1).putShort((short) INFO_BLOCK_SIZE);
        option(ch, OPT_GO, go.array());
        long[] info = {-1, 0, 1, 4096, 32 << 20}; // size, flags, min, preferred, max
        while (true) {
            type = optionReply(ch, OPT_GO, info);
            if (type == REP_ACK) {
                break;
            }
            if (type == REP_ERR_UNSUP) {
                return exportName(ch, uri, name, noZeroes, structured);
            }
            if (type < 0) {
                throw new IOException(uri.text() + ": the server refused export '" + uri.export() + "' (NBD error "
                        + (type & 0x7fffffff) + ")");
            }
        }
        if (info[0] < 0) {
            throw new IOException(uri.text() + ": the server sent no export size");
        }
        return new Export(info[0], (int) info[1], (int) info[2], (int) info[3], (int) Math.min(info[4], 32 << 20),
                structured);
    }

    private static Export exportName(SocketChannel ch, NbdUri uri, byte[] name, boolean noZeroes, boolean structured)
            throws IOException {
        option(ch, OPT_EXPORT_NAME, name);
        ByteBuffer r = read(ch, 10 + (noZeroes ? 0 : 124));
        return new Export(r.getLong(), Short.toUnsignedInt(r.getShort()), 1, 4096, 32 << 20, structured);
    }

    private static void option(SocketChannel ch, int option, byte[] data) throws IOException {
        write(ch, ByteBuffer.allocate(16 + data.length).putLong(IHAVEOPT).putInt(option).putInt(data.length).put(data)
                .flip());
    }

    /** Reads one option reply; returns its type, filling {@code info} from NBD_REP_INFO. */
    private static int optionReply(SocketChannel ch, int option, long[] info) throws IOException {
        ByteBuffer h = read(ch, 20);
        if (h.getLong() != REPLY_MAGIC || h.getInt() != option) {
            throw new IOException("bad option reply from the NBD server");
        }
        int type = h.getInt();
        int length = h.getInt();
        ByteBuffer data = read(ch, length);
        if (type == REP_INFO && info != null && length >= 2) {
            int kind = Short.toUnsignedInt(data.getShort());
            if (kind == INFO_EXPORT && length >= 12) {
                info[0] = data.getLong();
                info[1] = Short.toUnsignedInt(data.getShort());
            } else if (kind == INFO_BLOCK_SIZE && length >= 14) {
                info[2] = Integer.toUnsignedLong(data.getInt());
                info[3] = Integer.toUnsignedLong(data.getInt());
                info[4] = Integer.toUnsignedLong(data.getInt());
            }
        }
        return type;
    }

    private static ByteBuffer read(SocketChannel ch, int n) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(n);
        while (b.hasRemaining()) {
            if (ch.read(b) < 0) {
                throw new EOFException();
            }
        }
        return b.flip();
    }

    private static void write(SocketChannel ch, ByteBuffer b) throws IOException {
        while (b.hasRemaining()) {
            ch.write(b);
        }
    }

    /**
     * Sends one request and waits for its reply, at most until {@code deadlineNanos}. A read's
     * data land in {@code data} from its position (which ends at its limit); a write's come from
     * it. Fails with {@link Lost} if the connection goes or the reply does not come in time
     * (the connection is then closed), with a plain IOException if the server answers an error.
     */
    void execute(int type, int flags, long offset, int length, ByteBuffer data, long deadlineNanos)
            throws IOException {
        IOException gone = broken;
        if (gone != null) {
            throw new Lost(name + ": " + gone.getMessage(), gone);
        }
        long cookie = cookies.incrementAndGet();
        Pending p = new Pending(offset, type == CMD_READ ? data : null, deadlineNanos);
        pending.put(cookie, p);
        try {
            synchronized (sending) {
                request.clear().putInt(REQUEST_MAGIC).putShort((short) flags).putShort((short) type).putLong(cookie)
                        .putLong(offset).putInt(length).flip();
                if (type == CMD_WRITE) {
                    requestAndData[0] = request;
                    requestAndData[1] = data.duplicate();
                    try {
                        while (requestAndData[1].hasRemaining()) {
                            channel.write(requestAndData);
                        }
                    } finally {
                        requestAndData[1] = null;
                    }
                } else {
                    write(channel, request);
                }
            }
            while (!p.done && p.lost == null) {
                long left = deadlineNanos - System.nanoTime();
                if (left <= 0) {
                    fail(new IOException("no reply within the timeout"));
                    throw new Lost(name + ": no reply within the timeout", null);
                }
                LockSupport.parkNanos(this, left);
                if (Thread.interrupted()) {
                    Thread.currentThread().interrupt();
                    throw new IOException(name + ": interrupted");
                }
            }
        } catch (IOException e) {
            if (e instanceof Lost) {
                throw e;
            }
            fail(e);
            throw new Lost(name + ": " + e.getMessage(), e);
        } finally {
            pending.remove(cookie);
        }
        if (p.lost != null) {
            throw new Lost(name + ": " + p.lost.getMessage(), p.lost);
        }
        if (p.error == ESHUTDOWN) {
            // The server is going away and takes no more requests here: a new connection may.
            IOException shutdown = new IOException("the server is shutting down");
            fail(shutdown);
            throw new Lost(name + ": the server is shutting down", shutdown);
        }
        if (p.error != 0) {
            throw new IOException(name + ": the server failed the " + command(type) + " at " + offset + " ("
                    + errno(p.error) + (p.message == null ? "" : ": " + p.message) + ")");
        }
        if (data != null) {
            data.position(data.limit());
        }
    }

    static String command(int type) {
        return switch (type) {
            case CMD_READ -> "read";
            case CMD_WRITE -> "write";
            case CMD_FLUSH -> "flush";
            case CMD_TRIM -> "trim";
            case CMD_WRITE_ZEROES -> "write-zeroes";
            default -> "command " + type;
        };
    }

    static String errno(int e) {
        return switch (e) {
            case 1 -> "EPERM";
            case 5 -> "EIO";
            case 12 -> "ENOMEM";
            case 22 -> "EINVAL";
            case 28 -> "ENOSPC";
            case 75 -> "EOVERFLOW";
            case 95 -> "ENOTSUP";
            case 108 -> "ESHUTDOWN";
            default -> "error " + e;
        };
    }

    /** The reader: one reply after the other, into the waiting request's buffer. */
    private void readReplies() {
        try {
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
        } catch (IOException e) {
            fail(e);
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

    /** The connection is unusable: every request in flight fails with it, and so will later ones. */
    private void fail(IOException why) {
        if (broken == null) {
            broken = why;
        }
        if (watch != null) {
            watch.cancel(false);
        }
        try {
            channel.close();
        } catch (IOException e) {
            // already failing
        }
        for (Pending p : pending.values()) {
            p.lost = why;
            LockSupport.unpark(p.waiter);
        }
    }

    boolean isBroken() {
        return broken != null;
    }

    @Override
    public void close() {
        if (broken == null) {
            try {
                synchronized (sending) {
                    write(channel, request.clear().putInt(REQUEST_MAGIC).putShort((short) 0)
                            .putShort((short) CMD_DISC).putLong(0).putLong(0).putInt(0).flip());
                }
            } catch (IOException e) {
                // closing anyway
            }
        }
        fail(new IOException("closed"));
    }
}
