package org.mapperfs.transport.libfuse;

import com.kenai.jffi.MemoryIO;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;
import jnr.ffi.Pointer;
import jnr.ffi.Struct;
import jnr.ffi.types.off_t;
import jnr.ffi.types.size_t;
import org.mapperfs.fs.Errno;
import org.mapperfs.fs.FsError;
import org.mapperfs.fs.MapperFs;
import org.mapperfs.transport.Transport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import ru.serce.jnrfuse.ErrorCodes;
import ru.serce.jnrfuse.FuseFillDir;
import ru.serce.jnrfuse.FuseStubFS;
import ru.serce.jnrfuse.struct.FileStat;
import ru.serce.jnrfuse.struct.FuseFileInfo;
import ru.serce.jnrfuse.struct.Statvfs;

/**
 * The mount through libfuse 2 (jnr-fuse): each callback resolves its path, calls
 * {@link MapperFs} and answers with one errno from {@link Errno}.
 *
 * <p>Device I/O goes straight between libfuse's buffer (wrapped as a direct {@link ByteBuffer},
 * no copy) and the backing files.
 */
public final class DeviceFs extends FuseStubFS implements Transport {
    private static final Logger log = LoggerFactory.getLogger(DeviceFs.class);
    /** struct fuse_file_info (libfuse 2.9, LP64): the bitfield word with direct_io as bit 0. */
    private static final int FI_BITS_OFFSET = 20;
    private static final int FI_DIRECT_IO = 1;

    private final MapperFs fs;
    private final CountDownLatch initialized = new CountDownLatch(1);

    public DeviceFs(MapperFs fs) {
        this.fs = fs;
    }

    @Override
    public CountDownLatch initialized() {
        return initialized;
    }

    @Override
    public void serve(Path mountPoint, boolean allowOther, boolean debug) {
        mount(mountPoint, true, debug, mountOptions(allowOther));
    }

    static String[] mountOptions(boolean allowOther) {
        String o = "big_writes,max_write=131072,max_read=131072,default_permissions,fsname=mapperfs,subtype=mapperfs,"
                // Sizes change at resume and devices come and go: never answer from a stale cache.
                + "attr_timeout=0,entry_timeout=0,negative_timeout=0";
        return new String[] {"-o", allowOther ? o + ",allow_other" : o};
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

    private MapperFs.Node node(String path) {
        MapperFs.Node node = fs.resolve(path);
        if (node == null) {
            throw new FsError(ErrorCodes.ENOENT());
        }
        return node;
    }

    @Override
    public int getattr(String path, FileStat stat) {
        try {
            MapperFs.Attr a = fs.attr(node(path));
            stat.st_mode.set(a.mode());
            stat.st_nlink.set(a.nlink());
            stat.st_size.set(a.size());
            stat.st_uid.set(a.uid());
            stat.st_gid.set(a.gid());
            stat.st_mtim.tv_sec.set(a.time());
            stat.st_ctim.tv_sec.set(a.time());
            stat.st_atim.tv_sec.set(a.time());
            stat.st_blksize.set(4096);
            stat.st_blocks.set(a.blocks());
            return 0;
        } catch (Throwable t) {
            return Errno.fail("getattr", path, t);
        }
    }

    @Override
    public int readdir(String path, Pointer buf, FuseFillDir filler, @off_t long offset, FuseFileInfo fi) {
        try {
            MapperFs.Node dir = node(path);
            var entries = fs.list(dir);
            filler.apply(buf, ".", null, 0);
            filler.apply(buf, "..", null, 0);
            for (MapperFs.Entry e : entries) {
                filler.apply(buf, e.name(), null, 0);
            }
            return 0;
        } catch (Throwable t) {
            return Errno.fail("readdir", path, t);
        }
    }

    @Override
    public int statfs(String path, Statvfs stbuf) {
        stbuf.f_bsize.set(4096);
        stbuf.f_frsize.set(4096);
        stbuf.f_blocks.set(fs.totalBlocks());
        stbuf.f_namemax.set(127);
        return 0;
    }

    @Override
    public int open(String path, FuseFileInfo fi) {
        try {
            MapperFs.Opened opened = fs.open(node(path), fi.flags.get(), getContext().uid.get());
            if (opened.directIo()) {
                setDirectIo(fi);
            }
            fi.fh.set(opened.fh());
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
            fs.release(fi.fh.get());
            return 0;
        } catch (Throwable t) {
            return Errno.fail("release", path, t);
        }
    }

    @Override
    public int flush(String path, FuseFileInfo fi) {
        return 0; // close(2) is no durability barrier; fsync is
    }

    @Override
    public int read(String path, Pointer buf, @size_t long size, @off_t long offset, FuseFileInfo fi) {
        try {
            return fs.read(fi.fh.get(), MemoryIO.getInstance().newDirectByteBuffer(buf.address(), (int) size), offset);
        } catch (Throwable t) {
            return Errno.fail("read", path, t);
        }
    }

    @Override
    public int write(String path, Pointer buf, @size_t long size, @off_t long offset, FuseFileInfo fi) {
        try {
            return fs.write(fi.fh.get(), MemoryIO.getInstance().newDirectByteBuffer(buf.address(), (int) size),
                    offset, getContext().uid.get(), getContext().pid.get());
        } catch (Throwable t) {
            return Errno.fail("write", path, t);
        }
    }

    @Override
    public int fsync(String path, int isdatasync, FuseFileInfo fi) {
        try {
            fs.fsync(fi.fh.get());
            return 0;
        } catch (Throwable t) {
            return Errno.fail("fsync", path, t);
        }
    }

    @Override
    public int fallocate(String path, int mode, @off_t long off, @off_t long length, FuseFileInfo fi) {
        try {
            fs.fallocate(fi.fh.get(), mode, off, length);
            return 0;
        } catch (Throwable t) {
            return Errno.fail("fallocate", path, t);
        }
    }

    @Override
    public int truncate(String path, @off_t long size) {
        try {
            fs.truncate(fs.resolve(path), size);
            return 0;
        } catch (Throwable t) {
            return Errno.fail("truncate", path, t);
        }
    }

    @Override
    public int ftruncate(String path, @off_t long size, FuseFileInfo fi) {
        return truncate(path, size);
    }
}
