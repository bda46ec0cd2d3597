package org.mapperfs.transport;

import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;
import org.mapperfs.fs.MapperFs;

/** What speaks FUSE to the kernel for a {@link MapperFs}: libfuse 2 or the wire protocol itself. */
public interface Transport {
    /** The file system type a mapperfs mount shows in /proc/self/mountinfo (libfuse's "fuse." + subtype). */
    String FS_TYPE = "fuse.mapperfs";

    /** Mounts and serves; returns once the file system is unmounted. */
    void serve(Path mountPoint, boolean allowOther, boolean debug) throws Exception;

    /** Counted down once the kernel's INIT has been answered: the mount is usable. */
    CountDownLatch initialized();
}
