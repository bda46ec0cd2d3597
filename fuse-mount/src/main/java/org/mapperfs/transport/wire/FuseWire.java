package org.mapperfs.transport.wire;

import java.nio.ByteBuffer;
import org.mapperfs.fs.MapperFs;

/**
 * The kernel's FUSE protocol (include/uapi/linux/fuse.h): opcodes, flags, and the layouts of the
 * messages mapperfs reads and writes, as absolute offsets into a buffer in the machine's byte
 * order. Every message is a header followed by the operation's struct:
 *
 * <pre>
 * request  fuse_in_header (40)                     reply  fuse_out_header (16)
 *   0 u32 len      4 u32 opcode                             0 u32 len  4 s32 -errno
 *   8 u64 unique  16 u64 nodeid                             8 u64 unique (of the request)
 *  24 u32 uid     28 u32 gid   32 u32 pid
 *  36 u16 total_extlen  38 u16 padding
 * </pre>
 *
 * Structs are 64-bit aligned; strings (names in LOOKUP) are NUL-terminated.
 */
final class FuseWire {
    static final int KERNEL_VERSION = 7;
    /** The newest minor version whose messages mapperfs speaks. */
    static final int OUR_MINOR = 38;
    /** Below this the kernel lacks what mapperfs needs (fuse_write_in with flags, 7.9). */
    static final int MIN_MINOR = 12;
    static final long ROOT_ID = 1;

    static final int IN_HEADER = 40;
    static final int OUT_HEADER = 16;

    // opcodes
    static final int LOOKUP = 1;
    static final int FORGET = 2;
    static final int GETATTR = 3;
    static final int SETATTR = 4;
    static final int OPEN = 14;
    static final int READ = 15;
    static final int WRITE = 16;
    static final int STATFS = 17;
    static final int RELEASE = 18;
    static final int FSYNC = 20;
    static final int FLUSH = 25;
    static final int INIT = 26;
    static final int OPENDIR = 27;
    static final int READDIR = 28;
    static final int RELEASEDIR = 29;
    static final int FSYNCDIR = 30;
    static final int ACCESS = 34;
    static final int INTERRUPT = 36;
    static final int DESTROY = 38;
    static final int BATCH_FORGET = 42;
    static final int FALLOCATE = 43;

    /** An opcode's name for the log ("write"), or "opcode N" for one mapperfs does not serve. */
    static String opcodeName(int opcode) {
        return switch (opcode) {
            case LOOKUP -> "lookup";
            case GETATTR -> "getattr";
            case SETATTR -> "setattr";
            case OPEN -> "open";
            case READ -> "read";
            case WRITE -> "write";
            case STATFS -> "statfs";
            case RELEASE -> "release";
            case FSYNC -> "fsync";
            case FLUSH -> "flush";
            case OPENDIR -> "opendir";
            case READDIR -> "readdir";
            case FALLOCATE -> "fallocate";
            default -> "fuse opcode " + opcode;
        };
    }

    // fuse_init_in/out flags
    static final int ASYNC_READ = 1 << 0;
    static final int BIG_WRITES = 1 << 5;
    static final int ASYNC_DIO = 1 << 15;
    static final int PARALLEL_DIROPS = 1 << 18;
    static final int MAX_PAGES = 1 << 22;
    static final int INIT_EXT = 1 << 30;
    /** What mapperfs asks for; the reply carries those the kernel offered. */
    static final int WANTED = ASYNC_READ | BIG_WRITES | ASYNC_DIO | PARALLEL_DIROPS | MAX_PAGES;

    // fuse_open_out.open_flags
    static final int FOPEN_DIRECT_IO = 1 << 0;
    static final int FOPEN_PARALLEL_DIRECT_WRITES = 1 << 6;

    // fuse_setattr_in.valid
    static final int FATTR_SIZE = 1 << 3;

    static final int DT_DIR = 4;
    static final int DT_REG = 8;

    private FuseWire() {}

    // ---- headers ----

    static int opcode(ByteBuffer b) {
        return b.getInt(4);
    }

    static long unique(ByteBuffer b) {
        return b.getLong(8);
    }

    static long nodeId(ByteBuffer b) {
        return b.getLong(16);
    }

    static long uid(ByteBuffer b) {
        return Integer.toUnsignedLong(b.getInt(24));
    }

    static long pid(ByteBuffer b) {
        return Integer.toUnsignedLong(b.getInt(32));
    }

    /** Writes the reply header: {@code errno} positive (0 for success), {@code payload} bytes follow. */
    static void putOutHeader(ByteBuffer b, long unique, int errno, int payload) {
        b.putInt(0, OUT_HEADER + payload);
        b.putInt(4, -errno);
        b.putLong(8, unique);
    }

    // ---- INIT ----

    /** fuse_init_in: what the kernel offers (flags2 only from 7.36 and with INIT_EXT). */
    record InitIn(int major, int minor, int maxReadahead, long flags) {
        static InitIn decode(ByteBuffer b, int at) {
            int major = b.getInt(at);
            int minor = b.getInt(at + 4);
            long flags = Integer.toUnsignedLong(b.getInt(at + 12));
            if (major == KERNEL_VERSION && minor >= 36 && (flags & INIT_EXT) != 0) {
                flags |= Integer.toUnsignedLong(b.getInt(at + 16)) << 32;
            }
            return new InitIn(major, minor, b.getInt(at + 8), flags);
        }
    }

    /** fuse_init_out: what is agreed. */
    record InitOut(int major, int minor, int maxReadahead, long flags, int maxBackground, int congestionThreshold,
            int maxWrite, int maxPages) {
        /**
         * The reply's size: 24 bytes before 7.23, the full 64 (with max_pages, flags2 and
         * reserved space) from then on.
         */
        int size() {
            return minor < 23 ? 24 : 64;
        }

        boolean has(int flag) {
            return (flags & flag) != 0;
        }

        /** The same agreement with {@code more} flags taken up. */
        InitOut withFlags(long more) {
            return new InitOut(major, minor, maxReadahead, flags | more, maxBackground, congestionThreshold, maxWrite,
                    maxPages);
        }

        void encode(ByteBuffer b, int at) {
            for (int i = 0; i < 64; i += 8) {
                b.putLong(at + i, 0);
            }
            b.putInt(at, major);
            b.putInt(at + 4, minor);
            b.putInt(at + 8, maxReadahead);
            b.putInt(at + 12, (int) flags);
            b.putShort(at + 16, (short) maxBackground);
            b.putShort(at + 18, (short) congestionThreshold);
            b.putInt(at + 20, maxWrite);
            if (minor >= 23) {
                b.putInt(at + 24, 1); // time_gran: 1 ns
                b.putShort(at + 28, (short) maxPages);
                b.putInt(at + 32, (int) (flags >>> 32)); // flags2
            }
        }
    }

    /**
     * Negotiates as fuse.h says: the smaller minor version, the flags both sides know.
     * {@code maxWrite} is the largest request mapperfs takes (a multiple of 4 KiB).
     *
     * @throws IllegalArgumentException if the kernel's major version is older or its minor too old
     */
    static InitOut negotiate(InitIn in, int maxWrite, int maxBackground) {
        if (in.major() > KERNEL_VERSION) {
            // The kernel retries INIT with our major version: answer with only that.
            return new InitOut(KERNEL_VERSION, OUR_MINOR, 0, 0, 0, 0, 0, 0);
        }
        if (in.major() < KERNEL_VERSION || in.minor() < MIN_MINOR) {
            throw new IllegalArgumentException("kernel FUSE protocol " + in.major() + "." + in.minor()
                    + " is too old (need " + KERNEL_VERSION + "." + MIN_MINOR + ")");
        }
        int minor = Math.min(in.minor(), OUR_MINOR);
        long flags = in.flags() & WANTED;
        int pages = (flags & MAX_PAGES) != 0 ? maxWrite / 4096 : 0;
        return new InitOut(KERNEL_VERSION, minor, in.maxReadahead(), flags, maxBackground, maxBackground * 3 / 4,
                maxWrite, pages);
    }

    // ---- attributes ----

    /** struct fuse_attr (88 bytes). */
    static final int ATTR_SIZE = 88;
    /** struct fuse_entry_out: nodeid, generation, timeouts, then fuse_attr. */
    static final int ENTRY_OUT_SIZE = 40 + ATTR_SIZE;
    /** struct fuse_attr_out: timeout, then fuse_attr. */
    static final int ATTR_OUT_SIZE = 16 + ATTR_SIZE;

    static void putAttr(ByteBuffer b, int at, long ino, MapperFs.Attr a) {
        b.putLong(at, ino);
        b.putLong(at + 8, a.size());
        b.putLong(at + 16, a.blocks());
        b.putLong(at + 24, a.time()); // atime
        b.putLong(at + 32, a.time()); // mtime
        b.putLong(at + 40, a.time()); // ctime
        b.putLong(at + 48, 0); // atimensec, mtimensec
        b.putInt(at + 56, 0); // ctimensec
        b.putInt(at + 60, a.mode());
        b.putInt(at + 64, a.nlink());
        b.putInt(at + 68, (int) a.uid());
        b.putInt(at + 72, (int) a.gid());
        b.putInt(at + 76, 0); // rdev
        b.putInt(at + 80, 4096); // blksize
        b.putInt(at + 84, 0); // flags
    }

    /** fuse_entry_out with both timeouts 0: sizes change at resume, devices come and go. */
    static void putEntryOut(ByteBuffer b, int at, long nodeId, MapperFs.Attr a) {
        b.putLong(at, nodeId);
        b.putLong(at + 8, 0); // generation: node ids are never reused
        b.putLong(at + 16, 0); // entry_valid
        b.putLong(at + 24, 0); // attr_valid
        b.putLong(at + 32, 0); // their nsec
        putAttr(b, at + 40, nodeId, a);
    }

    static void putAttrOut(ByteBuffer b, int at, long nodeId, MapperFs.Attr a) {
        b.putLong(at, 0); // attr_valid
        b.putLong(at + 8, 0); // attr_valid_nsec, dummy
        putAttr(b, at + 16, nodeId, a);
    }

    // ---- directories ----

    /** struct fuse_dirent: ino, off (of the next entry), namelen, type, name; padded to 8 bytes. */
    static int direntSize(int nameLength) {
        return (24 + nameLength + 7) & ~7;
    }

    /**
     * Packs one dirent at {@code at} if it fits before {@code end}; returns where the next one
     * goes, or -1 if it did not fit.
     */
    static int putDirent(ByteBuffer b, int at, int end, long ino, long nextOffset, int type, byte[] name) {
        int size = direntSize(name.length);
        if (at + size > end) {
            return -1;
        }
        b.putLong(at, ino);
        b.putLong(at + 8, nextOffset);
        b.putInt(at + 16, name.length);
        b.putInt(at + 20, type);
        b.put(at + 24, name);
        for (int i = at + 24 + name.length; i < at + size; i++) {
            b.put(i, (byte) 0);
        }
        return at + size;
    }

    /** struct fuse_kstatfs (80 bytes). */
    static final int STATFS_OUT_SIZE = 80;

    static void putStatfs(ByteBuffer b, int at, long blocks) {
        for (int i = 0; i < STATFS_OUT_SIZE; i += 8) {
            b.putLong(at + i, 0);
        }
        b.putLong(at, blocks);
        b.putInt(at + 40, 4096); // bsize
        b.putInt(at + 44, 127); // namelen
        b.putInt(at + 48, 4096); // frsize
    }

    /** A NUL-terminated name at {@code at}, as the kernel sends it in LOOKUP. */
    static String name(ByteBuffer b, int at, int end) {
        int nul = at;
        while (nul < end && b.get(nul) != 0) {
            nul++;
        }
        byte[] bytes = new byte[nul - at];
        b.get(at, bytes);
        return new String(bytes, java.nio.charset.StandardCharsets.UTF_8);
    }
}
