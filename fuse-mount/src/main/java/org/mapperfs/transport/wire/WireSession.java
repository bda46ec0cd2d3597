package org.mapperfs.transport.wire;

import com.kenai.jffi.MemoryIO;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import jnr.ffi.LastError;
import jnr.ffi.LibraryLoader;
import jnr.ffi.Runtime;
import org.mapperfs.core.Interrupts;
import org.mapperfs.core.LongWaits;
import org.mapperfs.fs.Errno;
import org.mapperfs.fs.FsError;
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
 * reply is written from it with one write(2). Nothing is allocated per request for the data. A
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
    /** EIO, as a literal: the last resort of a request whose error path itself failed loads no class. */
    private static final int EIO = 5;
    private static final long MS_NOSUID = 2;
    private static final long MS_NODEV = 4;
    private static final int MNT_DETACH = 2;
    /** prctl(2): the thread's allocations never wait for I/O (PF_MEMALLOC_NOIO) nor for writeback throttling. */
    private static final int PR_SET_IO_FLUSHER = 57;

    private final MapperFs fs;
    private final Nodes nodes;
    private final FuseDeviceCalls libc;
    private final Runtime runtime;
    private final CountDownLatch initialized = new CountDownLatch(1);
    private volatile FuseWire.InitOut agreed;
    private volatile boolean debug;
    private int fd = -1;
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
    private final Set<Worker> running = ConcurrentHashMap.newKeySet();
    private final int maxRequest;
    /** Each worker's buffer: the largest request and its headers. */
    private final int bufferSize;

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
    }

    @Override
    public CountDownLatch initialized() {
        return initialized;
    }

    @Override
    public void serve(Path mountPoint, boolean allowOther, boolean debug) throws IOException, InterruptedException {
        this.debug = debug;
        boolean root = Posix.uid() == 0;
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
    private long hugePageAligned(long allocated) {
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
    private void startWorker() {
        synchronized (workers) {
            if (live >= MAX_WORKERS) {
                if (!warnedFull) {
                    warnedFull = true;
                    log.warn("{} FUSE workers are waiting (suspended devices, wait commands); requests queue until"
                            + " one is free", MAX_WORKERS);
                }
                return;
            }
            live++;
        }
        new Thread(new Worker(), "mapperfs-fuse-" + started.incrementAndGet()).start();
    }

    /**
     * Whether a worker above the {@value #WORKERS} that serve all the time should go, now that
     * it is done; if so it counts as going, so that no other worker goes in its place.
     */
    private boolean retire() {
        synchronized (workers) {
            if (live - retiring > WORKERS) {
                retiring++;
                return true;
            }
            return false;
        }
    }

    private void workerGone(boolean retired) {
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

    private int errno() {
        return LastError.getLastError(runtime);
    }

    /**
     * Marks the calling worker as an I/O flusher, as the kernel's loop and nbd workers are: the
     * loop device's writeback goes through this daemon, and a worker that waited for memory the
     * kernel can only free by finishing that writeback would deadlock. Needs CAP_SYS_RESOURCE;
     * said once in the log either way.
     */
    private void ioFlusher() {
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
    private void disconnected() {
        if (disconnected.compareAndSet(false, true)) {
            onDisconnect.run();
        }
    }

    /**
     * FUSE_INTERRUPT for request {@code unique}: the worker handling it is told, and a control
     * command waiting there (a suspend draining I/O) ends with EINTR; a request that waits for
     * nothing simply gets its answer. False if no worker is handling it (yet).
     */
    private boolean interrupt(long unique) {
        for (Worker w : running) {
            if (w.serving == unique) {
                w.interrupted = unique;
                return true;
            }
        }
        return false;
    }

    /** One thread reading requests and writing replies, with its own buffer. */
    private final class Worker implements Runnable {
        private final long allocated = MemoryIO.getInstance().allocateMemory(bufferSize + HUGE_PAGE, false);
        private final long address = hugePageAligned(allocated);
        private final ByteBuffer buffer = MemoryIO.getInstance().newDirectByteBuffer(address, bufferSize)
                .order(ByteOrder.nativeOrder());
        /** The same memory, positioned at a READ's or WRITE's data. */
        private final ByteBuffer data = buffer.duplicate().order(ByteOrder.nativeOrder());

        /** Whether this worker started another while handling the current request. */
        private boolean replaced;
        private boolean retired;
        /** The request being handled (its unique), 0 between requests. */
        private volatile long serving;
        /**
         * The last request of this worker's that the kernel interrupted (FUSE_INTERRUPT: its
         * caller got a signal). A unique, not a flag, so that an interrupt meant for a request
         * that has just ended never touches the next one.
         */
        private volatile long interrupted;

        @Override
        public void run() {
            ioFlusher();
            LongWaits.onThisThread(this::replaceWhileWaiting);
            Interrupts.onThisThread(() -> serving != 0 && interrupted == serving);
            running.add(this);
            try {
                while (true) {
                    long n = libc.read(fd, address, bufferSize);
                    if (n < 0) {
                        int e = errno();
                        if (e == ErrorCodes.EINTR() || e == ErrorCodes.EAGAIN() || e == ErrorCodes.ENOENT()) {
                            continue; // interrupted, or the request was withdrawn before we got it
                        }
                        if (e != ErrorCodes.ENODEV()) {
                            log.error("reading /dev/fuse failed: errno {}", e);
                        }
                        disconnected();
                        return; // ENODEV: unmounted
                    }
                    serving = FuseWire.unique(buffer);
                    try {
                        handle((int) n);
                    } finally {
                        serving = 0;
                    }
                    if (replaced) {
                        replaced = false;
                        if (retire()) {
                            retired = true;
                            return;
                        }
                    }
                }
            } finally {
                running.remove(this);
                MemoryIO.getInstance().freeMemory(allocated);
                workerGone(retired);
            }
        }

        private void replaceWhileWaiting() {
            if (!replaced) {
                replaced = true;
                startWorker();
            }
        }

        private void handle(int length) {
            int opcode = FuseWire.opcode(buffer);
            long unique = FuseWire.unique(buffer);
            long nodeId = FuseWire.nodeId(buffer);
            if (debug) {
                log.info("request {} opcode {} node {} length {}", unique, opcode, nodeId, length);
            }
            int payload = 0;
            int errno = 0;
            try {
                switch (opcode) {
                    case FuseWire.INIT -> {
                        init(unique);
                        return;
                    }
                    case FuseWire.FORGET -> {
                        nodes.forget(nodeId, buffer.getLong(FuseWire.IN_HEADER)); // fuse_forget_in.nlookup
                        return;
                    }
                    case FuseWire.INTERRUPT -> {
                        if (interrupt(buffer.getLong(FuseWire.IN_HEADER))) { // fuse_interrupt_in.unique
                            return;
                        }
                        // Not being handled yet (another worker has just read it): the kernel
                        // sends the interrupt again on EAGAIN.
                        errno = ErrorCodes.EAGAIN();
                    }
                    case FuseWire.BATCH_FORGET -> {
                        int count = buffer.getInt(FuseWire.IN_HEADER);
                        for (int i = 0; i < count; i++) {
                            // fuse_forget_one: nodeid, nlookup
                            nodes.forget(buffer.getLong(FuseWire.IN_HEADER + 8 + 16 * i),
                                    buffer.getLong(FuseWire.IN_HEADER + 16 + 16 * i));
                        }
                        return;
                    }
                    case FuseWire.LOOKUP -> payload = lookup(nodeId, length);
                    case FuseWire.GETATTR -> payload = attrOut(nodeId, nodes.node(nodeId));
                    case FuseWire.SETATTR -> payload = setattr(nodeId);
                    case FuseWire.OPEN -> payload = open(nodeId);
                    case FuseWire.READ -> payload = read();
                    case FuseWire.WRITE -> payload = write();
                    case FuseWire.RELEASE -> fs.release(buffer.getLong(FuseWire.IN_HEADER));
                    case FuseWire.FSYNC -> fs.fsync(buffer.getLong(FuseWire.IN_HEADER));
                    case FuseWire.FALLOCATE -> fs.fallocate(buffer.getLong(FuseWire.IN_HEADER),
                            buffer.getInt(FuseWire.IN_HEADER + 24), buffer.getLong(FuseWire.IN_HEADER + 8),
                            buffer.getLong(FuseWire.IN_HEADER + 16));
                    case FuseWire.OPENDIR -> payload = opendir(nodeId);
                    case FuseWire.READDIR -> payload = readdir(nodeId);
                    case FuseWire.STATFS -> {
                        FuseWire.putStatfs(buffer, FuseWire.OUT_HEADER, fs.totalBlocks());
                        payload = FuseWire.STATFS_OUT_SIZE;
                    }
                    // close(2) is no durability barrier (fsync is); access is checked by the
                    // kernel (default_permissions); directories hold nothing to release or sync.
                    case FuseWire.FLUSH, FuseWire.ACCESS, FuseWire.RELEASEDIR, FuseWire.FSYNCDIR -> { }
                    case FuseWire.DESTROY -> log.info("destroy");
                    default -> errno = ErrorCodes.ENOSYS();
                }
            } catch (Throwable t) {
                payload = 0;
                try {
                    errno = -Errno.fail(FuseWire.opcodeName(opcode), describe(nodeId), t);
                } catch (Throwable again) {
                    // Even the error path failed (no memory; a class that cannot be loaded): the
                    // request still gets its answer, or the process that made it waits forever.
                    errno = EIO;
                }
            }
            reply(unique, errno, payload);
        }

        /** A node for the log: its device's name where it has one (only on the error path). */
        private String describe(long nodeId) {
            try {
                MapperFs.Node node = nodes.node(nodeId);
                return node.device() != null ? "device " + node.device().name() : "node " + nodeId;
            } catch (RuntimeException e) {
                return "node " + nodeId;
            }
        }

        /** Writes the reply that is in the buffer; a withdrawn request (ENOENT) needs none. */
        private boolean reply(long unique, int errno, int payload) {
            FuseWire.putOutHeader(buffer, unique, errno, payload);
            long n = libc.write(fd, address, FuseWire.OUT_HEADER + payload);
            if (n < 0) {
                int e = errno();
                if (e != ErrorCodes.ENOENT()) {
                    log.warn("writing the reply to request {} failed: errno {}", unique, e);
                }
                return false;
            }
            return true;
        }

        private void init(long unique) {
            FuseWire.InitIn in = FuseWire.InitIn.decode(buffer, FuseWire.IN_HEADER);
            FuseWire.InitOut out;
            try {
                out = FuseWire.negotiate(in, maxRequest, MAX_BACKGROUND);
            } catch (IllegalArgumentException e) {
                log.error("{}", e.getMessage());
                reply(unique, ErrorCodes.EPROTO(), 0);
                return;
            }
            out.encode(buffer, FuseWire.OUT_HEADER);
            if (in.major() == FuseWire.KERNEL_VERSION) {
                agreed = out; // before the reply: the kernel may send OPEN to another worker at once
            }
            boolean sent = reply(unique, 0, out.size());
            if (sent && in.major() == FuseWire.KERNEL_VERSION) {
                log.info("FUSE protocol {}.{} (kernel {}.{}), flags {}, max_write {}, max_pages {}, {} workers",
                        out.major(), out.minor(), in.major(), in.minor(), Long.toHexString(out.flags()),
                        out.maxWrite(), out.maxPages(), WORKERS);
                initialized.countDown();
            }
        }

        private int lookup(long parentId, int length) {
            MapperFs.Node parent = nodes.node(parentId);
            String name = FuseWire.name(buffer, FuseWire.IN_HEADER, length);
            MapperFs.Node child = fs.lookup(parent, name);
            if (child == null) {
                throw new FsError(ErrorCodes.ENOENT());
            }
            MapperFs.Attr attr = fs.attr(child);
            FuseWire.putEntryOut(buffer, FuseWire.OUT_HEADER, nodes.lookedUp(child), attr);
            return FuseWire.ENTRY_OUT_SIZE;
        }

        private int attrOut(long nodeId, MapperFs.Node node) {
            FuseWire.putAttrOut(buffer, FuseWire.OUT_HEADER, nodeId, fs.attr(node));
            return FuseWire.ATTR_OUT_SIZE;
        }

        /** Only a size change means anything here (truncate); modes, owners and times are fixed. */
        private int setattr(long nodeId) {
            MapperFs.Node node = nodes.node(nodeId);
            int valid = buffer.getInt(FuseWire.IN_HEADER);
            if ((valid & FuseWire.FATTR_SIZE) != 0) {
                fs.truncate(node, buffer.getLong(FuseWire.IN_HEADER + 16));
            }
            return attrOut(nodeId, node);
        }

        private int open(long nodeId) {
            MapperFs.Node node = nodes.node(nodeId);
            long uid = FuseWire.uid(buffer);
            MapperFs.Opened opened = fs.open(node, buffer.getInt(FuseWire.IN_HEADER), uid);
            int flags = 0;
            if (opened.directIo()) {
                flags |= FuseWire.FOPEN_DIRECT_IO;
                boolean parallel = node.kind() == MapperFs.Kind.DEVICE // positional I/O needs no inode lock
                        || node.kind() == MapperFs.Kind.CONTROL; // each handle has its own command and reply
                if (parallel && agreed.minor() >= 38) {
                    flags |= FuseWire.FOPEN_PARALLEL_DIRECT_WRITES;
                }
            }
            buffer.putLong(FuseWire.OUT_HEADER, opened.fh());
            buffer.putInt(FuseWire.OUT_HEADER + 8, flags);
            buffer.putInt(FuseWire.OUT_HEADER + 12, 0);
            return 16;
        }

        /** fuse_read_in: fh, offset, size, ... The data goes right behind the reply header. */
        private int read() throws Exception {
            long fh = buffer.getLong(FuseWire.IN_HEADER);
            long offset = buffer.getLong(FuseWire.IN_HEADER + 8);
            int size = Math.min(buffer.getInt(FuseWire.IN_HEADER + 16), bufferSize - FuseWire.OUT_HEADER);
            data.clear().position(FuseWire.OUT_HEADER).limit(FuseWire.OUT_HEADER + size);
            return fs.read(fh, data, offset);
        }

        /** fuse_write_in (40 bytes: fh, offset, size, ...), then the data; the reply is fuse_write_out. */
        private int write() throws Exception {
            long fh = buffer.getLong(FuseWire.IN_HEADER);
            long offset = buffer.getLong(FuseWire.IN_HEADER + 8);
            int size = buffer.getInt(FuseWire.IN_HEADER + 16);
            int at = FuseWire.IN_HEADER + 40;
            data.clear().position(at).limit(at + size);
            int n = fs.write(fh, data, offset, FuseWire.uid(buffer), FuseWire.pid(buffer));
            buffer.putInt(FuseWire.OUT_HEADER, n);
            buffer.putInt(FuseWire.OUT_HEADER + 4, 0);
            return 8;
        }

        private int opendir(long nodeId) {
            if (!nodes.node(nodeId).isDirectory()) {
                throw new FsError(ErrorCodes.ENOTDIR());
            }
            buffer.putLong(FuseWire.OUT_HEADER, 0);
            buffer.putLong(FuseWire.OUT_HEADER + 8, 0);
            return 16;
        }

        /** The offset of a READDIR is the index of the entry to start at ("." is 0, ".." is 1). */
        private int readdir(long nodeId) {
            MapperFs.Node dir = nodes.node(nodeId);
            long offset = buffer.getLong(FuseWire.IN_HEADER + 8);
            int size = Math.min(buffer.getInt(FuseWire.IN_HEADER + 16), bufferSize - FuseWire.OUT_HEADER);
            nodes.sweep(); // what earlier listings registered and is gone now
            List<MapperFs.Entry> entries = fs.list(dir);
            int end = FuseWire.OUT_HEADER + size;
            int at = FuseWire.OUT_HEADER;
            for (long i = offset; i < entries.size() + 2L; i++) {
                int next;
                if (i < 2) {
                    long ino = i == 0 ? nodeId : nodes.parentId(dir);
                    next = FuseWire.putDirent(buffer, at, end, ino, i + 1, FuseWire.DT_DIR, i == 0 ? DOT : DOTDOT);
                } else {
                    MapperFs.Entry e = entries.get((int) (i - 2));
                    next = FuseWire.putDirent(buffer, at, end, nodes.idOf(e.node()), i + 1,
                            e.node().isDirectory() ? FuseWire.DT_DIR : FuseWire.DT_REG,
                            e.name().getBytes(java.nio.charset.StandardCharsets.UTF_8));
                }
                if (next < 0) {
                    break;
                }
                at = next;
            }
            return at - FuseWire.OUT_HEADER;
        }
    }

    private static final byte[] DOT = {'.'};
    private static final byte[] DOTDOT = {'.', '.'};
}
