package org.mapperfs.core.nbd;

import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;

/**
 * The NBD fixed-newstyle handshake, client side: structured replies asked for, then {@code
 * NBD_OPT_GO} with the block-size information, or {@code NBD_OPT_EXPORT_NAME} where the server
 * does not know GO. See the NBD project's doc/proto.md.
 */
final class NbdHandshake {
    static final long NBDMAGIC = 0x4e42444d41474943L;
    static final long IHAVEOPT = 0x49484156454F5054L;
    static final long REPLY_MAGIC = 0x3e889045565a9L;

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

    private NbdHandshake() {
    }

    /** Shakes hands on a connected channel; an EOF means the server hung up. */
    static NbdExport shake(SocketChannel ch, NbdUri uri) throws IOException {
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
        return new NbdExport(info[0], (int) info[1], (int) info[2], (int) info[3], (int) Math.min(info[4], 32 << 20),
                structured);
    }

    private static NbdExport exportName(SocketChannel ch, NbdUri uri, byte[] name, boolean noZeroes, boolean structured)
            throws IOException {
        option(ch, OPT_EXPORT_NAME, name);
        ByteBuffer r = read(ch, 10 + (noZeroes ? 0 : 124));
        return new NbdExport(r.getLong(), Short.toUnsignedInt(r.getShort()), 1, 4096, 32 << 20, structured);
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

    static void write(SocketChannel ch, ByteBuffer b) throws IOException {
        while (b.hasRemaining()) {
            ch.write(b);
        }
    }
}
