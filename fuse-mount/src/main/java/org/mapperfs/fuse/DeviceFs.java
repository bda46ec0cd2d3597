package org.mapperfs.fuse;

import com.kenai.jffi.MemoryIO;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;
import jnr.ffi.Pointer;
import jnr.ffi.Struct;
import jnr.ffi.types.off_t;
import jnr.ffi.types.size_t;
import org.mapperfs.core.MappedDevice;
import org.mapperfs.core.Mapper;
import org.mapperfs.core.MapperException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import ru.serce.jnrfuse.ErrorCodes;
import ru.serce.jnrfuse.FuseFillDir;
import ru.serce.jnrfuse.FuseStubFS;
import ru.serce.jnrfuse.struct.FileStat;
import ru.serce.jnrfuse.struct.FuseFileInfo;
import ru.serce.jnrfuse.struct.Statvfs;

/**
 * The mount: {@code /control}, one regular file per device, and {@code /.meta/NAME/*}. Every
 * callback catches everything and answers with one errno from {@link Errno}.
 *
 * <p>Device I/O goes straight between the kernel's FUSE buffer (wrapped as a direct
 * {@link ByteBuffer}, no copy) and the backing files. Control and meta files, and by default
 * device files, are opened with FUSE direct_io: each write(2) of a command reaches us whole,
 * reads need no size, and the loop device's I/O does not go through a second page cache.
 */
final class DeviceFs extends FuseStubFS {
    private static final Logger log = LoggerFactory.getLogger(DeviceFs.class);
    private static final int O_ACCMODE = 3;
    private static final int FALLOC_FL_KEEP_SIZE = 0x01;
    private static final int FALLOC_FL_PUNCH_HOLE = 0x02;
    private static final int FALLOC_FL_ZERO_RANGE = 0x10;
    /** struct fuse_file_info (libfuse 2.9, LP64): the bitfield word with direct_io as bit 0. */
    private static final int FI_BITS_OFFSET = 20;
    private static final int FI_DIRECT_IO = 1;

    private final Mapper mapper;
    private final ControlCommands commands;
    private final Options options;
    private final HandleTable handles = new HandleTable();
    private final long mountTime = System.currentTimeMillis();
    private final CountDownLatch initialized = new CountDownLatch(1);

    /** What the mount shows: owner, mode of the files, and whether devices use direct_io. */
    record Options(long ownerUid, long ownerGid, int fileMode, boolean directIo) {}

    private record DeviceHandle(MappedDevice device) {}

    private record TextHandle(byte[] content) {}

    /** The reply of the last command written on this handle; guarded by itself. */
    private static final class ControlHandle {
        byte[] content;
        int cursor;
    }

    DeviceFs(Mapper mapper, ControlCommands commands, Options options) {
        this.mapper = mapper;
        this.commands = commands;
        this.options = options;
    }

    CountDownLatch initialized() {
        return initialized;
    }

    @Override
    public Pointer init(Pointer conn) {
        initialized.countDown();
        return null;
    }

    @Override
    public void destroy(Pointer initResult) {
        log.info("unmounted");
    }

    // ---- names ----

    /** The node a path names; null if none. */
    private Node node(String path) {
        if (path.equals("/")) {
            return Node.ROOT;
        }
        if (path.equals("/control")) {
            return Node.CONTROL;
        }
        if (path.equals("/.meta")) {
            return Node.META;
        }
        if (path.startsWith("/.meta/")) {
            String rest = path.substring("/.meta/".length());
            int slash = rest.indexOf('/');
            String name = slash < 0 ? rest : rest.substring(0, slash);
            if (mapper.find(name).isEmpty()) {
                return null;
            }
            if (slash < 0) {
                return Node.META_DEVICE;
            }
            return MetaFile.find(rest.substring(slash + 1)) != null ? Node.META_FILE : null;
        }
        if (path.indexOf('/', 1) < 0 && mapper.find(path.substring(1)).isPresent()) {
            return Node.DEVICE;
        }
        return null;
    }

    private enum Node { ROOT, CONTROL, META, META_DEVICE, META_FILE, DEVICE }

    /** The files of {@code .meta/NAME/}. */
    private enum MetaFile {
        TABLE, STATUS, INFO, STATS;

        static MetaFile find(String name) {
            for (MetaFile f : values()) {
                if (f.fileName().equals(name)) {
                    return f;
                }
            }
            return null;
        }

        String fileName() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    private String metaText(String path) throws MapperException {
        String rest = path.substring("/.meta/".length());
        int slash = rest.indexOf('/');
        MappedDevice device = mapper.device(rest.substring(0, slash));
        return switch (MetaFile.find(rest.substring(slash + 1))) {
            case TABLE -> device.liveTable().text();
            case STATUS -> device.liveTable().statusText();
            case INFO -> Reports.info(device);
            case STATS -> {
                MappedDevice.Stats s = device.stats();
                yield "reads " + s.reads() + "\nread_bytes " + s.readBytes() + "\nwrites " + s.writes()
                        + "\nwrite_bytes " + s.writeBytes() + "\nerrors " + s.errors() + "\n";
            }
        };
    }

    // ---- attributes and directories ----

    @Override
    public int getattr(String path, FileStat stat) {
        try {
            Node node = node(path);
            if (node == null) {
                return -ErrorCodes.ENOENT();
            }
            stat.st_uid.set(options.ownerUid());
            stat.st_gid.set(options.ownerGid());
            stat.st_mtim.tv_sec.set(mountTime / 1000);
            stat.st_ctim.tv_sec.set(mountTime / 1000);
            stat.st_atim.tv_sec.set(mountTime / 1000);
            switch (node) {
                case ROOT, META, META_DEVICE -> {
                    stat.st_mode.set(FileStat.S_IFDIR | 0755);
                    stat.st_nlink.set(2);
                }
                case CONTROL -> {
                    stat.st_mode.set(FileStat.S_IFREG | options.fileMode());
                    stat.st_nlink.set(1);
                }
                case META_FILE -> {
                    stat.st_mode.set(FileStat.S_IFREG | (options.fileMode() & 0444));
                    stat.st_nlink.set(1);
                    stat.st_size.set(metaText(path).getBytes(StandardCharsets.UTF_8).length);
                }
                case DEVICE -> {
                    long size = mapper.device(path.substring(1)).size();
                    stat.st_mode.set(FileStat.S_IFREG | options.fileMode());
                    stat.st_nlink.set(1);
                    stat.st_size.set(size);
                    stat.st_blksize.set(4096);
                    stat.st_blocks.set(size / 512);
                }
            }
            return 0;
        } catch (Throwable t) {
            return Errno.fail("getattr", path, t);
        }
    }

    @Override
    public int readdir(String path, Pointer buf, FuseFillDir filler, @off_t long offset, FuseFileInfo fi) {
        try {
            Node node = node(path);
            if (node == null) {
                return -ErrorCodes.ENOENT();
            }
            filler.apply(buf, ".", null, 0);
            filler.apply(buf, "..", null, 0);
            switch (node) {
                case ROOT -> {
                    filler.apply(buf, "control", null, 0);
                    filler.apply(buf, ".meta", null, 0);
                    for (MappedDevice d : mapper.list()) {
                        filler.apply(buf, d.name(), null, 0);
                    }
                }
                case META -> {
                    for (MappedDevice d : mapper.list()) {
                        filler.apply(buf, d.name(), null, 0);
                    }
                }
                case META_DEVICE -> {
                    for (MetaFile f : MetaFile.values()) {
                        filler.apply(buf, f.fileName(), null, 0);
                    }
                }
                default -> {
                    return -ErrorCodes.ENOTDIR();
                }
            }
            return 0;
        } catch (Throwable t) {
            return Errno.fail("readdir", path, t);
        }
    }

    @Override
    public int statfs(String path, Statvfs stbuf) {
        long blocks = 0;
        for (MappedDevice d : mapper.list()) {
            blocks += d.size() / 4096;
        }
        stbuf.f_bsize.set(4096);
        stbuf.f_frsize.set(4096);
        stbuf.f_blocks.set(blocks);
        stbuf.f_namemax.set(127);
        return 0;
    }

    // ---- open and close ----

    @Override
    public int open(String path, FuseFileInfo fi) {
        try {
            Node node = node(path);
            if (node == null) {
                return -ErrorCodes.ENOENT();
            }
            boolean writing = (fi.flags.get() & O_ACCMODE) != 0;
            Object handle;
            switch (node) {
                case CONTROL -> {
                    if (writing && getContext().uid.get() != options.ownerUid()) {
                        return -ErrorCodes.EACCES();
                    }
                    handle = new ControlHandle();
                    setDirectIo(fi);
                }
                case META_FILE -> {
                    if (writing) {
                        return -ErrorCodes.EACCES();
                    }
                    handle = new TextHandle(metaText(path).getBytes(StandardCharsets.UTF_8));
                    setDirectIo(fi);
                }
                case DEVICE -> {
                    MappedDevice device = mapper.device(path.substring(1));
                    device.opened();
                    handle = new DeviceHandle(device);
                    if (options.directIo()) {
                        setDirectIo(fi);
                    }
                }
                default -> {
                    return -ErrorCodes.EISDIR();
                }
            }
            fi.fh.set(handles.add(handle));
            return 0;
        } catch (Throwable t) {
            return Errno.fail("open", path, t);
        }
    }

    /**
     * jnr-fuse maps fuse_file_info's bitfield wrongly (direct_io lands on {@code writepage}), so
     * the bit is set in the struct's memory directly.
     */
    private static void setDirectIo(FuseFileInfo fi) {
        Pointer memory = Struct.getMemory(fi);
        memory.putInt(FI_BITS_OFFSET, memory.getInt(FI_BITS_OFFSET) | FI_DIRECT_IO);
    }

    @Override
    public int release(String path, FuseFileInfo fi) {
        try {
            Object handle = handles.remove(fi.fh.get());
            if (handle instanceof DeviceHandle d) {
                d.device().closed();
            }
            return 0;
        } catch (Throwable t) {
            return Errno.fail("release", path, t);
        }
    }

    @Override
    public int flush(String path, FuseFileInfo fi) {
        return 0; // close(2) is no durability barrier; fsync is
    }

    // ---- data ----

    @Override
    public int read(String path, Pointer buf, @size_t long size, @off_t long offset, FuseFileInfo fi) {
        try {
            Object handle = handles.get(fi.fh.get());
            if (handle instanceof DeviceHandle d) {
                MappedDevice device = d.device();
                long end = device.size();
                if (offset >= end) {
                    return 0;
                }
                int n = (int) Math.min(size, end - offset);
                device.read(MemoryIO.getInstance().newDirectByteBuffer(buf.address(), n), offset);
                return n;
            }
            if (handle instanceof ControlHandle c) {
                return readControl(c, buf, size);
            }
            if (handle instanceof TextHandle t) {
                return copyOut(t.content(), offset, buf, size);
            }
            return -ErrorCodes.EBADF();
        } catch (Throwable t) {
            return Errno.fail("read", path, t);
        }
    }

    /**
     * A control handle reads back, from where the last read stopped, the reply of the last
     * command written on it, or the listing of every device if none was written.
     */
    private int readControl(ControlHandle c, Pointer buf, long size) {
        synchronized (c) {
            if (c.content == null) {
                c.content = Reports.listing(mapper).getBytes(StandardCharsets.UTF_8);
                c.cursor = 0;
            }
            int n = copyOut(c.content, c.cursor, buf, size);
            c.cursor += n;
            return n;
        }
    }

    private static int copyOut(byte[] content, long offset, Pointer buf, long size) {
        if (offset >= content.length) {
            return 0;
        }
        int n = (int) Math.min(size, content.length - offset);
        buf.put(0, content, (int) offset, n);
        return n;
    }

    @Override
    public int write(String path, Pointer buf, @size_t long size, @off_t long offset, FuseFileInfo fi) {
        try {
            Object handle = handles.get(fi.fh.get());
            if (handle instanceof DeviceHandle d) {
                MappedDevice device = d.device();
                long end = device.size();
                if (offset >= end) {
                    return -ErrorCodes.ENOSPC();
                }
                int n = (int) Math.min(size, end - offset);
                device.write(MemoryIO.getInstance().newDirectByteBuffer(buf.address(), n), offset);
                return n;
            }
            if (handle instanceof ControlHandle c) {
                return writeControl(c, path, buf, size);
            }
            return -ErrorCodes.EBADF();
        } catch (Throwable t) {
            return Errno.fail("write", path, t);
        }
    }

    private int writeControl(ControlHandle c, String path, Pointer buf, long size) {
        if (getContext().uid.get() != options.ownerUid()) {
            reply(c, "permission denied: only the mount's owner may send commands\n");
            return -ErrorCodes.EACCES();
        }
        byte[] bytes = new byte[(int) size];
        buf.get(0, bytes, 0, bytes.length);
        String command = new String(bytes, StandardCharsets.UTF_8);
        Path cwd = writerDirectory(getContext().pid.get());
        try {
            String reply = commands.execute(command, cwd);
            reply(c, reply);
            if (ControlCommands.changesState(command)) {
                log.info("control: {}", firstWords(command));
            }
            return (int) size;
        } catch (MapperException e) {
            reply(c, e.getMessage() + "\n");
            log.info("control: {} refused: {}", firstWords(command), e.getMessage());
            return -Errno.of(e);
        } catch (Throwable t) {
            reply(c, "internal error: " + t + "\n");
            return Errno.fail("control", path, t);
        }
    }

    private static void reply(ControlHandle c, String text) {
        synchronized (c) {
            c.content = text.getBytes(StandardCharsets.UTF_8);
            c.cursor = 0;
        }
    }

    private static String firstWords(String command) {
        String line = command.lines().findFirst().orElse("").strip();
        return line.length() > 120 ? line.substring(0, 120) + "..." : line;
    }

    /** The writing process's working directory, against which relative paths resolve. */
    private static Path writerDirectory(long pid) {
        try {
            return Files.readSymbolicLink(Path.of("/proc/" + pid + "/cwd"));
        } catch (Exception e) {
            return Path.of("/");
        }
    }

    @Override
    public int fsync(String path, int isdatasync, FuseFileInfo fi) {
        try {
            if (handles.get(fi.fh.get()) instanceof DeviceHandle d) {
                d.device().flush();
            }
            return 0;
        } catch (Throwable t) {
            return Errno.fail("fsync", path, t);
        }
    }

    /**
     * The loop driver turns discard into PUNCH_HOLE|KEEP_SIZE and write-zeroes into
     * ZERO_RANGE|KEEP_SIZE (or PUNCH_HOLE): both must leave the range reading as zeros, which
     * every target's discard guarantees. Never ENOSYS: the kernel would remember it forever.
     */
    @Override
    public int fallocate(String path, int mode, @off_t long off, @off_t long length, FuseFileInfo fi) {
        try {
            if (!(handles.get(fi.fh.get()) instanceof DeviceHandle d)) {
                return -ErrorCodes.EOPNOTSUPP();
            }
            if ((mode & ~(FALLOC_FL_KEEP_SIZE | FALLOC_FL_PUNCH_HOLE | FALLOC_FL_ZERO_RANGE)) != 0) {
                return -ErrorCodes.EOPNOTSUPP();
            }
            MappedDevice device = d.device();
            long end = Math.min(device.size(), off + length);
            if ((mode & (FALLOC_FL_PUNCH_HOLE | FALLOC_FL_ZERO_RANGE)) != 0) {
                if (off < end) {
                    device.discard(off, end - off);
                }
                return 0;
            }
            // Plain allocation: a device's whole size is always there; growing it is not.
            return off + length <= device.size() ? 0 : -ErrorCodes.EFBIG();
        } catch (Throwable t) {
            return Errno.fail("fallocate", path, t);
        }
    }

    @Override
    public int truncate(String path, @off_t long size) {
        try {
            Node node = node(path);
            if (node == Node.CONTROL) {
                return 0; // `echo cmd > control` truncates first
            }
            if (node == Node.DEVICE) {
                return size == mapper.device(path.substring(1)).size() ? 0 : -ErrorCodes.EINVAL();
            }
            return node == null ? -ErrorCodes.ENOENT() : -ErrorCodes.EACCES();
        } catch (Throwable t) {
            return Errno.fail("truncate", path, t);
        }
    }

    @Override
    public int ftruncate(String path, @off_t long size, FuseFileInfo fi) {
        return truncate(path, size);
    }
}
