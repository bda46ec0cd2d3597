package org.mapperfs.libc;

import java.io.IOException;
import java.nio.file.Path;
import jnr.ffi.LastError;
import jnr.ffi.LibraryLoader;
import jnr.ffi.Runtime;
import org.mapperfs.core.HolePuncher;

/** Punches holes with libc's fallocate(2), through jnr-ffi (already there for jnr-fuse). */
public final class LibcHoles implements HolePuncher {
    private static final int O_WRONLY = 1;
    private static final int O_CLOEXEC = 0x80000;
    private static final int FALLOC_FL_KEEP_SIZE = 0x01;
    private static final int FALLOC_FL_PUNCH_HOLE = 0x02;
    private static final int EOPNOTSUPP = 95;

    /** The libc calls used here. */
    public interface LibC {
        int open(String path, int flags);

        int close(int fd);

        int fallocate(int fd, int mode, long offset, long length);
    }

    private final LibC libc;
    private final Runtime runtime;

    public LibcHoles() {
        this.libc = LibraryLoader.create(LibC.class).load("c");
        this.runtime = Runtime.getRuntime(libc);
    }

    @Override
    public boolean punchHole(Path file, long offset, long length) throws IOException {
        int fd = libc.open(file.toString(), O_WRONLY | O_CLOEXEC);
        if (fd < 0) {
            throw new IOException(file + ": open for discard failed, errno " + LastError.getLastError(runtime));
        }
        try {
            if (libc.fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, offset, length) == 0) {
                return true;
            }
            int errno = LastError.getLastError(runtime);
            if (errno == EOPNOTSUPP) {
                return false;
            }
            throw new IOException(file + ": punching a hole at " + offset + " failed, errno " + errno);
        } finally {
            libc.close(fd);
        }
    }
}
