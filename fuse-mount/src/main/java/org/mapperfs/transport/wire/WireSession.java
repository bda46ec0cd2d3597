package org.mapperfs.transport.wire;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import jnr.ffi.LastError;
import jnr.ffi.LibraryLoader;
import jnr.ffi.Runtime;
import org.mapperfs.fs.MapperFs;
import org.mapperfs.libc.FuseDeviceCalls;
import org.mapperfs.libc.Posix;
import org.mapperfs.transport.Transport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import ru.serce.jnrfuse.ErrorCodes;

/**
 * The mount through the kernel's FUSE protocol on /dev/fuse, without libfuse: mapperfs mounts
 * the file system itself (it runs as root) and negotiates a current protocol version, so the
 * kernel may send asynchronous direct I/O (many requests in flight, FUSE_ASYNC_DIO) of up to
 * 1 MiB (FUSE_MAX_PAGES); 256 KiB by default ({@link #DEFAULT_REQUEST}).
 *
 * <p>{@value #WORKERS} worker threads each block in read(2) on the device; the kernel hands each
 * request to one of them. A worker owns one native buffer of the largest request plus headers:
 * the request is read into it, a READ's data is read from the backing files straight into it
 * behind the reply header, a WRITE's data goes straight from it to the backing files, and the
 * reply is written from it with one write(2). A READ of 64 KiB or more that lies in one backing
 * file never enters it: its reply is spliced from the file's page cache through the worker's pipe
 * ({@link SplicedReads}). Nothing is allocated per request for the data. A
 * worker about to wait indefinitely (at a suspended device's gate, in a wait command) starts
 * another first, so that the command that ends the wait always finds a worker; the extra one
 * goes when done.
 */
public final class WireSession implements Transport {
    private static final Logger log = LoggerFactory.getLogger(WireSession.class);
    /** The largest request the kernel can be asked for (FUSE_MAX_PAGES: 256 pages). */
    static final int MAX_REQUEST = 1 << 20;
    /**
     * The largest request by default. The kernel cuts a bigger read or write into requests of this
     * size, and sends those of an asynchronous direct I/O (the loop device's) side by side. Loop's
     * 1 MiB writes then reach the daemon as four requests in parallel, each small enough that the
     * bytes copied in from /dev/fuse are still in the CPU's cache when they are copied out into
     * the backing file. Measured against 1 MiB: sequential writes +19 % to +85 % in three
     * alternating rounds, with less daemon CPU per GB; reads level or better; 4 KiB I/O the same.
     * A synchronous 1 MiB read or write straight on a device file (dd bs=1M) pays one round trip
     * per piece instead.
     */
    public static final int DEFAULT_REQUEST = 256 << 10;
    static final int WORKERS = 16;
    /**
     * Workers at most: one more starts whenever a worker is about to wait indefinitely (at a
     * suspended device's gate, in a wait command), so that the control file always has one to
     * answer it, and goes again once it is done.
     */
    static final int MAX_WORKERS = 1024;
    /** Background requests (async direct I/O among them) the kernel keeps outstanding at most. */
    static final int MAX_BACKGROUND = 64;
    static final long HUGE_PAGE = 2L << 20;
    private static final int MADV_HUGEPAGE = 14;
    private static final int O_RDWR = 2;
    private static final int O_CLOEXEC = 0x80000;
    private static final long MS_NOSUID = 2;
    private static final long MS_NODEV = 4;
    private static final int MNT_DETACH = 2;
    /** prctl(2): the thread's allocations never wait for I/O (PF_MEMALLOC_NOIO) nor for writeback throttling. */
    private static final int PR_SET_IO_FLUSHER = 57;

    final MapperFs fs;
    final Nodes nodes;
    final FuseDeviceCalls libc;
    private final Runtime runtime;
    final CountDownLatch initialized = new CountDownLatch(1);
    volatile FuseWire.InitOut agreed;
    volatile boolean debug;
    /** /dev/fuse, once mounted. */
    volatile int fd = -1;
    /** The io_uring queues, where asked for and offered (else they stay unused). */
    final RingQueues rings;
    /** Guards {@code live}, {@code retiring} and {@code warnedFull}. */
    private final Object workers = new Object();
    private int live;
    /** Workers that have said they go but have not gone yet. */
    private int retiring;
    private boolean warnedFull;
    private final AtomicInteger started = new AtomicInteger();
    private final Runnable onDisconnect;
    private final AtomicBoolean disconnected = new AtomicBoolean();
    private final AtomicBoolean flusherReported = new AtomicBoolean();
    /** The workers that are running, for FUSE_INTERRUPT to find the one handling a request. */
    final Set<Worker> running = ConcurrentHashMap.newKeySet();
    final int maxRequest;
    /** Each worker's buffer: the largest request and its headers. */
    final int bufferSize;
    /**
     * Whether /dev/fuse workers splice large READ replies from the backing files ({@link
     * SplicedReads}); the daemon's Java option {@code -Dmapperfs.splice=false} turns it off, to
     * compare.
     */
    final boolean splice = !"false".equals(System.getProperty("mapperfs.splice"));

    /**
     * @param maxRequest the largest read or write the kernel sends: a multiple of 4 KiB, at most
     *     {@value #MAX_REQUEST}
     */
    public WireSession(MapperFs fs, int maxRequest) {
        this(fs, maxRequest, () -> {});
    }

    /**
     * @param onDisconnect run once when the connection is gone while workers may still wait in
     *     the daemon (at a suspended device's gate): it must end those waits
     */
    public WireSession(MapperFs fs, int maxRequest, Runnable onDisconnect) {
        this(fs, maxRequest, false, onDisconnect);
    }

    /**
     * @param uring carry requests over io_uring queues where the kernel offers them (FUSE over
     *     io_uring); /dev/fuse still carries INIT, FORGET and INTERRUPT
     */
    public WireSession(MapperFs fs, int maxRequest, boolean uring, Runnable onDisconnect) {
        if (!validRequest(maxRequest)) {
            throw new IllegalArgumentException("invalid largest request " + maxRequest
                    + ": a multiple of 4096 from 4096 to " + MAX_REQUEST);
        }
        this.fs = fs;
        this.onDisconnect = onDisconnect;
        this.maxRequest = maxRequest;
        this.bufferSize = bufferSize(maxRequest);
        this.nodes = new Nodes(fs);
        this.libc = LibraryLoader.create(FuseDeviceCalls.class).load("c");
        this.runtime = Runtime.getRuntime(libc);
        this.rings = new RingQueues(this, uring);
    }

    @Override
    public CountDownLatch initialized() {
        return initialized;
    }

    @Override
    public void serve(Path mountPoint, boolean allowOther, boolean debug) throws IOException, InterruptedException {
        this.debug = debug;
        boolean root = Posix.uid() == 0;
        rings.beforeMount(mountPoint);
        fd = root ? mountAsRoot(mountPoint, allowOther)
                : Fusermount.mount(mountPoint, "rw,nosuid,nodev,fsname=mapperfs,subtype=mapperfs,default_permissions,"
                        + "max_read=" + maxRequest + (allowOther ? ",allow_other" : ""));
        try {
            // A daemon stopped by a signal takes its mount with it, as libfuse's would.
            Thread hook = new Thread(() -> {
                if (root) {
                    libc.umount2(mountPoint.toString(), MNT_DETACH);
                } else {
                    Fusermount.unmountLazily(mountPoint);
                }
            }, "mapperfs-unmount");
            java.lang.Runtime.getRuntime().addShutdownHook(hook);
            for (int i = 0; i < WORKERS; i++) {
                startWorker();
            }
            awaitWorkersGone();
            try {
                java.lang.Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException e) {
                // already shutting down
            }
            log.info("unmounted");
        } finally {
            libc.close(fd);
            rings.afterUnmount();
        }
    }

    /** Opens /dev/fuse and mounts it (mount(2) needs root); returns the descriptor. */
    private int mountAsRoot(Path mountPoint, boolean allowOther) throws IOException {
        int dev = libc.open("/dev/fuse", O_RDWR | O_CLOEXEC);
        if (dev < 0) {
            int e = errno();
            throw new IOException("cannot open /dev/fuse: " + libc.strerror(e));
        }
        String options = "fd=" + dev + ",rootmode=40000,user_id=" + fs.options().ownerUid() + ",group_id="
                + fs.options().ownerGid() + ",default_permissions,max_read=" + maxRequest
                + (allowOther ? ",allow_other" : "");
        if (libc.mount("mapperfs", mountPoint.toString(), FS_TYPE, MS_NOSUID | MS_NODEV, options) != 0) {
            int e = errno();
            libc.close(dev);
            throw new IOException("mount of " + mountPoint + " failed: " + libc.strerror(e));
        }
        return dev;
    }

    /**
     * The start of the 2 MiB-aligned block inside an allocation of the buffer's size + 2 MiB,
     * asked to be backed by one transparent huge page. The kernel pins the buffer page by page
     * for every request it copies in or out; on a huge page each pin stops one page-table level
     * higher. Measured (1 MiB requests then): sequential writes +4 %, reads +6 % (medians of 6).
     * Where transparent huge pages are off, the advice is ignored and nothing else changes.
     */
    long hugePageAligned(long allocated) {
        long aligned = alignUp(allocated, HUGE_PAGE);
        libc.madvise(aligned, HUGE_PAGE, MADV_HUGEPAGE);
        return aligned;
    }

    /** Whether the kernel can be asked for requests of up to {@code bytes}: 4 KiB steps up to 1 MiB. */
    public static boolean validRequest(int bytes) {
        return bytes >= 4096 && bytes <= MAX_REQUEST && bytes % 4096 == 0;
    }

    /** A worker's buffer for requests of up to {@code maxRequest} bytes of data, headers included. */
    static int bufferSize(int maxRequest) {
        return maxRequest + 4096;
    }

    /** The first multiple of {@code alignment} (a power of two) at or after {@code address}. */
    static long alignUp(long address, long alignment) {
        return (address + alignment - 1) & -alignment;
    }

    /** Starts one more worker, unless {@value #MAX_WORKERS} run already. */
    void startWorker() {
        startWorker(null);
    }

    /**
     * Starts {@code worker} (a new device worker if null), unless {@value #MAX_WORKERS} run already;
     * whether it started.
     */
    boolean startWorker(Worker worker) {
        synchronized (workers) {
            if (live >= MAX_WORKERS) {
                if (!warnedFull) {
                    warnedFull = true;
                    log.warn("{} FUSE workers are waiting (suspended devices, wait commands); requests queue until"
                            + " one is free", MAX_WORKERS);
                }
                return false;
            }
            live++;
        }
        Worker w = worker != null ? worker : new DeviceWorker(this);
        new Thread(w, (worker instanceof RingWorker ? "mapperfs-ring-" : "mapperfs-fuse-")
                + started.incrementAndGet()).start();
        return true;
    }

    /**
     * Whether a worker above the {@value #WORKERS} that serve all the time should go, now that
     * it is done; if so it counts as going, so that no other worker goes in its place.
     */
    boolean retire() {
        synchronized (workers) {
            if (live - retiring > WORKERS) {
                retiring++;
                return true;
            }
            return false;
        }
    }

    void workerGone(boolean retired) {
        synchronized (workers) {
            live--;
            if (retired) {
                retiring--;
            }
            workers.notifyAll();
        }
    }

    private void awaitWorkersGone() throws InterruptedException {
        synchronized (workers) {
            while (live > 0) {
                workers.wait();
            }
        }
    }

    int errno() {
        return LastError.getLastError(runtime);
    }

    /**
     * Marks the calling worker as an I/O flusher, as the kernel's loop and nbd workers are: the
     * loop device's writeback goes through this daemon, and a worker that waited for memory the
     * kernel can only free by finishing that writeback would deadlock. Needs CAP_SYS_RESOURCE;
     * said once in the log either way.
     */
    void ioFlusher() {
        int result = libc.prctl(PR_SET_IO_FLUSHER, 1, 0, 0, 0);
        int e = result == 0 ? 0 : errno();
        if (flusherReported.compareAndSet(false, true)) {
            if (result == 0) {
                log.info("FUSE workers are I/O flushers (PR_SET_IO_FLUSHER)");
            } else {
                log.warn("PR_SET_IO_FLUSHER refused ({}; it needs CAP_SYS_RESOURCE): under memory pressure,"
                        + " writeback through the loop device may stall", libc.strerror(e));
            }
        }
    }

    /**
     * The connection is gone (unmounted, or aborted through fusectl): no request that still
     * waits in the daemon can be answered, nor a command sent that would end its wait. The
     * first worker to see it has the daemon end such waits, so that every worker returns.
     */
    void disconnected() {
        if (disconnected.compareAndSet(false, true)) {
            onDisconnect.run();
        }
    }

    /**
     * FUSE_INTERRUPT for request {@code unique}: the worker handling it is told, and a control
     * command waiting there (a suspend draining I/O) ends with EINTR; a request that waits for
     * nothing simply gets its answer. False if no worker is handling it (yet).
     */
    boolean interrupt(long unique) {
        for (Worker w : running) {
            if (w.serving == unique) {
                w.interrupted = unique;
                return true;
            }
        }
        return false;
    }

}
