package org.mapperfs.fs;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.mapperfs.control.ControlCommands;
import org.mapperfs.control.Reports;
import org.mapperfs.control.StatsReports;
import org.mapperfs.core.MappedDevice;
import org.mapperfs.core.Mapper;
import ru.serce.jnrfuse.ErrorCodes;

/**
 * The mount, whatever speaks FUSE for it: {@code /control}, one regular file per device, and
 * {@code /.meta/NAME/*}. Operations take and return Java values and throw: {@link FsError} for a
 * plain refusal, {@link org.mapperfs.core.MapperException} or an I/O error otherwise. A
 * transport catches everything at its boundary and answers with {@link Errno#fail}. Commands on
 * {@code /control} are run by its {@link ControlHandle}.
 *
 * <p>Control and meta files, and by default device files, are to be opened with FUSE direct_io
 * ({@link Opened#directIo()}): each write(2) of a command arrives whole, reads need no size,
 * and the loop device's I/O does not go through a second page cache.
 */
public final class MapperFs {
    private static final int O_ACCMODE = 3;
    /**
     * The size the control file shows. The kernel takes a file's inode lock for a direct write
     * that reaches past the file's size, even where writes may run in parallel: with size 0,
     * one command that waits (wait, a suspend draining I/O) would hold every other command
     * back. Reading the control file is not bounded by it.
     */
    static final long CONTROL_SIZE = 1L << 30;
    public static final int S_IFDIR = 0040000;
    public static final int S_IFREG = 0100000;
    static final int FALLOC_FL_KEEP_SIZE = 0x01;
    static final int FALLOC_FL_PUNCH_HOLE = 0x02;
    static final int FALLOC_FL_ZERO_RANGE = 0x10;

    private final Mapper mapper;
    private final ControlCommands commands;
    private final Options options;
    private final HandleTable handles = new HandleTable();
    private final long mountTime = System.currentTimeMillis();

    /** What the mount shows: owner, mode of the files, and whether devices use direct_io. */
    public record Options(long ownerUid, long ownerGid, int fileMode, boolean directIo) {}

    /** What a node is; {@code device} and {@code file} are null where they do not apply. */
    public enum Kind { ROOT, CONTROL, META, META_DEVICE, META_FILE, DEVICE }

    /**
     * One file or directory of the mount. Equal nodes are the same file: a device removed and
     * created again is another {@link MappedDevice}, so another node.
     */
    public record Node(Kind kind, MappedDevice device, MetaFile file) {
        public static final Node ROOT = new Node(Kind.ROOT, null, null);
        public static final Node CONTROL = new Node(Kind.CONTROL, null, null);
        public static final Node META = new Node(Kind.META, null, null);

        public boolean isDirectory() {
            return kind == Kind.ROOT || kind == Kind.META || kind == Kind.META_DEVICE;
        }
    }

    /** A directory entry. */
    public record Entry(String name, Node node) {}

    /** The attributes of a node; times in seconds. */
    public record Attr(int mode, int nlink, long size, long uid, long gid, long time) {
        public long blocks() {
            return (size + 511) / 512;
        }
    }

    /** An open file: its handle and whether the kernel is to bypass its page cache for it. */
    public record Opened(long fh, boolean directIo) {}

    /** The files of {@code .meta/NAME/}. */
    public enum MetaFile {
        TABLE, STATUS, INFO, STATS;

        public static MetaFile find(String name) {
            for (MetaFile f : values()) {
                if (f.fileName().equals(name)) {
                    return f;
                }
            }
            return null;
        }

        public String fileName() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    private record DeviceHandle(MappedDevice device) {}

    private record TextHandle(byte[] content) {}

    public MapperFs(Mapper mapper, ControlCommands commands, Options options) {
        this.mapper = mapper;
        this.commands = commands;
        this.options = options;
    }

    public Options options() {
        return options;
    }

    // ---- names ----

    /** The node an absolute path names; null if none. */
    public Node resolve(String path) {
        Node node = Node.ROOT;
        for (String name : path.split("/")) {
            if (!name.isEmpty()) {
                node = lookup(node, name);
                if (node == null) {
                    return null;
                }
            }
        }
        return node;
    }

    /** The child {@code name} of {@code dir}; null if none. */
    public Node lookup(Node dir, String name) {
        switch (dir.kind()) {
            case ROOT -> {
                if (name.equals("control")) {
                    return Node.CONTROL;
                }
                if (name.equals(".meta")) {
                    return Node.META;
                }
                return mapper.find(name).map(d -> new Node(Kind.DEVICE, d, null)).orElse(null);
            }
            case META -> {
                return mapper.find(name).map(d -> new Node(Kind.META_DEVICE, d, null)).orElse(null);
            }
            case META_DEVICE -> {
                MetaFile file = MetaFile.find(name);
                return file == null ? null : new Node(Kind.META_FILE, dir.device(), file);
            }
            default -> {
                return null;
            }
        }
    }

    /** Whether the node still names something: its device has not been removed (or replaced). */
    public boolean exists(Node node) {
        return node.device() == null || mapper.find(node.device().name()).orElse(null) == node.device();
    }

    /** The entries of a directory, without "." and "..". */
    public List<Entry> list(Node dir) {
        List<Entry> entries = new ArrayList<>();
        switch (dir.kind()) {
            case ROOT -> {
                entries.add(new Entry("control", Node.CONTROL));
                entries.add(new Entry(".meta", Node.META));
                for (MappedDevice d : mapper.list()) {
                    entries.add(new Entry(d.name(), new Node(Kind.DEVICE, d, null)));
                }
            }
            case META -> {
                for (MappedDevice d : mapper.list()) {
                    entries.add(new Entry(d.name(), new Node(Kind.META_DEVICE, d, null)));
                }
            }
            case META_DEVICE -> {
                for (MetaFile f : MetaFile.values()) {
                    entries.add(new Entry(f.fileName(), new Node(Kind.META_FILE, dir.device(), f)));
                }
            }
            default -> throw new FsError(ErrorCodes.ENOTDIR());
        }
        return entries;
    }

    private String metaText(Node node) {
        MappedDevice device = node.device();
        return switch (node.file()) {
            case TABLE -> device.liveTable().maskedText();
            case STATUS -> device.liveTable().statusText();
            case INFO -> Reports.info(device);
            case STATS -> StatsReports.meta(device);
        };
    }

    // ---- attributes ----

    public Attr attr(Node node) {
        if (!exists(node)) {
            throw new FsError(ErrorCodes.ENOENT());
        }
        long time = mountTime / 1000;
        return switch (node.kind()) {
            case ROOT, META, META_DEVICE -> new Attr(S_IFDIR | 0755, 2, 0, options.ownerUid(), options.ownerGid(), time);
            case CONTROL -> new Attr(S_IFREG | options.fileMode(), 1, CONTROL_SIZE, options.ownerUid(),
                    options.ownerGid(), time);
            case META_FILE -> new Attr(S_IFREG | (options.fileMode() & 0444), 1,
                    metaText(node).getBytes(StandardCharsets.UTF_8).length, options.ownerUid(), options.ownerGid(),
                    time);
            case DEVICE -> new Attr(S_IFREG | options.fileMode(), 1, node.device().size(), options.ownerUid(),
                    options.ownerGid(), time);
        };
    }

    /** Sum of the devices' sizes, in 4 KiB blocks. */
    public long totalBlocks() {
        long blocks = 0;
        for (MappedDevice d : mapper.list()) {
            blocks += d.size() / 4096;
        }
        return blocks;
    }

    /**
     * truncate(2): the control file takes it ({@code echo cmd > control}); a device's size is its
     * table's. Truncating a device to 0 is what the kernel sends for an open with O_TRUNC
     * ({@code cat img > dev}, {@code dd} without {@code conv=notrunc}) and is ignored, as a block
     * device ignores O_TRUNC; the reply then carries the device's size, which the kernel keeps.
     * Any other size is refused.
     */
    public void truncate(Node node, long size) {
        if (node == null || !exists(node)) {
            throw new FsError(ErrorCodes.ENOENT());
        }
        switch (node.kind()) {
            case CONTROL -> { }
            case DEVICE -> {
                if (size != 0 && size != node.device().size()) {
                    throw new FsError(ErrorCodes.EINVAL());
                }
            }
            default -> throw new FsError(ErrorCodes.EACCES());
        }
    }

    // ---- open and close ----

    /** open(2) with {@code flags} by {@code uid}. */
    public Opened open(Node node, int flags, long uid) {
        if (!exists(node)) {
            throw new FsError(ErrorCodes.ENOENT());
        }
        boolean writing = (flags & O_ACCMODE) != 0;
        return switch (node.kind()) {
            case CONTROL -> {
                if (writing && uid != options.ownerUid()) {
                    throw new FsError(ErrorCodes.EACCES());
                }
                yield new Opened(handles.add(new ControlHandle(mapper, commands, options.ownerUid())), true);
            }
            case META_FILE -> {
                if (writing) {
                    throw new FsError(ErrorCodes.EACCES());
                }
                yield new Opened(handles.add(new TextHandle(metaText(node).getBytes(StandardCharsets.UTF_8))), true);
            }
            case DEVICE -> {
                if (!node.device().opened()) {
                    throw new FsError(ErrorCodes.ENOENT()); // removed since the lookup
                }
                yield new Opened(handles.add(new DeviceHandle(node.device())), options.directIo());
            }
            default -> throw new FsError(ErrorCodes.EISDIR());
        };
    }

    public void release(long fh) {
        if (handles.remove(fh) instanceof DeviceHandle d) {
            d.device().closed();
        }
    }

    // ---- data ----

    /**
     * Reads into {@code dst} (from its position, at most its remaining bytes) what the file holds
     * at {@code offset}; returns the number of bytes, 0 at the end.
     */
    public int read(long fh, ByteBuffer dst, long offset) throws Exception {
        Object handle = handles.get(fh);
        if (handle instanceof DeviceHandle d) {
            MappedDevice device = d.device();
            int n = inside(device, offset, dst.remaining());
            if (n == 0) {
                return 0; // at or past the end
            }
            dst.limit(dst.position() + n);
            device.read(dst, offset);
            return n;
        }
        if (handle instanceof ControlHandle c) {
            return c.read(dst);
        }
        if (handle instanceof TextHandle t) {
            return ControlHandle.copyOut(t.content(), offset, dst);
        }
        throw new FsError(ErrorCodes.EBADF());
    }

    /**
     * Hands a device file's read of {@code size} bytes at {@code offset} to {@code sink} as one
     * range of a backing file, where the device maps it onto one (see {@link
     * org.mapperfs.core.BlockDevice#readRange}); returns the bytes taken (fewer than {@code size}
     * at the device's end), 0 past the end, or -1 if not handed over (another kind of file, or
     * a range that does not lie in one backing file): then {@link #read} it.
     */
    public int readRange(long fh, long offset, int size, org.mapperfs.core.FileRangeSink sink) throws Exception {
        if (!(handles.get(fh) instanceof DeviceHandle d)) {
            return -1;
        }
        MappedDevice device = d.device();
        int n = inside(device, offset, size);
        return n == 0 || device.readRange(offset, n, sink) ? n : -1;
    }

    /** How many of {@code size} bytes at {@code offset} lie inside the device: 0 at or past its end. */
    private static int inside(MappedDevice device, long offset, int size) {
        return (int) Math.max(0, Math.min(size, device.size() - offset));
    }

    /**
     * Writes the remaining bytes of {@code src} at {@code offset}, for process {@code pid} of
     * {@code uid}; returns the number of bytes taken.
     */
    public int write(long fh, ByteBuffer src, long offset, long uid, long pid) throws Exception {
        Object handle = handles.get(fh);
        if (handle instanceof DeviceHandle d) {
            MappedDevice device = d.device();
            long end = device.size();
            if (offset >= end) {
                throw new FsError(ErrorCodes.ENOSPC());
            }
            int n = (int) Math.min(src.remaining(), end - offset);
            src.limit(src.position() + n);
            device.write(src, offset);
            return n;
        }
        if (handle instanceof ControlHandle c) {
            return c.write(src, uid, pid);
        }
        throw new FsError(ErrorCodes.EBADF());
    }

    /** fsync(2): reaches force() of every backing file under a device; nothing to do elsewhere. */
    public void fsync(long fh) throws Exception {
        if (handles.get(fh) instanceof DeviceHandle d) {
            d.device().flush();
        }
    }

    /**
     * The loop driver turns discard into PUNCH_HOLE|KEEP_SIZE and write-zeroes into
     * ZERO_RANGE|KEEP_SIZE (or PUNCH_HOLE): both must leave the range reading as zeros, which
     * every target's discard guarantees. A transport must never answer ENOSYS: the kernel would
     * remember it forever.
     */
    public void fallocate(long fh, int mode, long off, long length) throws Exception {
        if (!(handles.get(fh) instanceof DeviceHandle d)) {
            throw new FsError(ErrorCodes.EOPNOTSUPP());
        }
        if ((mode & ~(FALLOC_FL_KEEP_SIZE | FALLOC_FL_PUNCH_HOLE | FALLOC_FL_ZERO_RANGE)) != 0) {
            throw new FsError(ErrorCodes.EOPNOTSUPP());
        }
        MappedDevice device = d.device();
        if ((mode & FALLOC_FL_KEEP_SIZE) == 0 && off + length > device.size()) {
            // Without KEEP_SIZE the caller asks the file to grow (the kernel would take the new
            // size on success); a device's size is its table's.
            throw new FsError(ErrorCodes.EFBIG());
        }
        long end = Math.min(device.size(), off + length);
        if ((mode & (FALLOC_FL_PUNCH_HOLE | FALLOC_FL_ZERO_RANGE)) != 0) {
            if (off < end) {
                device.discard(off, end - off);
            }
            return;
        }
        // Plain allocation inside the device: its whole size is always there.
    }
}
