package org.mapperfs.transport.wire;

import java.nio.ByteBuffer;
import java.util.List;
import org.mapperfs.core.Interrupts;
import org.mapperfs.core.LongWaits;
import org.mapperfs.fs.Errno;
import org.mapperfs.fs.FsError;
import org.mapperfs.fs.MapperFs;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import ru.serce.jnrfuse.ErrorCodes;

/**
 * One thread taking requests and giving replies, on its own memory: a request's bytes in {@code
 * in} as /dev/fuse gives them (header, then arguments), its reply built in {@code out} (header,
 * then body). How requests come and replies go is the subclass's: read(2) and write(2) on
 * /dev/fuse ({@link DeviceWorker}), or an io_uring queue entry ({@link RingWorker}).
 */
abstract class Worker implements Runnable {
    private static final Logger log = LoggerFactory.getLogger(Worker.class);
    /** EIO, as a literal: the last resort of a request whose error path itself failed loads no class. */
    private static final int EIO = 5;
    private static final byte[] DOT = {'.'};
    private static final byte[] DOTDOT = {'.', '.'};

    final WireSession s;
    /** The request being handled: its header at 0, its arguments from {@code FuseWire.IN_HEADER}. */
    ByteBuffer in;
    /** The reply: its header at 0, its body from {@code FuseWire.OUT_HEADER}; its capacity bounds the body. */
    ByteBuffer out;
    /** {@code in} and {@code out} again, to position at a WRITE's or a READ's data. */
    ByteBuffer inData;
    ByteBuffer outData;

    /** Whether this worker started another while handling the current request. */
    boolean replaced;
    /** The request being handled (its unique), 0 between requests. */
    volatile long serving;
    /**
     * The last request of this worker's that the kernel interrupted (FUSE_INTERRUPT: its caller
     * got a signal). A unique, not a flag, so that an interrupt meant for a request that has just
     * ended never touches the next one.
     */
    volatile long interrupted;

    Worker(WireSession session) {
        this.s = session;
    }

    /** Serves requests until the connection is gone, or this worker retires. */
    abstract void serve();

    /** Sends the reply in {@code out}, its header written; false if it could not be sent. */
    abstract boolean send(long unique, int errno, int payload);

    /**
     * Replies to a READ by splicing its data from the backing file, where the worker does and
     * the read allows; false, having done nothing, where not.
     */
    boolean spliceRead(long unique, long fh, long offset, int size) throws Exception {
        return false;
    }

    /** Frees the worker's memory once it serves no more. */
    abstract void free();

    /** Starts another worker to serve while this one waits indefinitely. */
    abstract void replace();

    /** Whether this worker went because there were more than enough (see {@link WireSession#retire}). */
    boolean retired;

    @Override
    public final void run() {
        s.ioFlusher();
        LongWaits.onThisThread(this::replaceWhileWaiting);
        Interrupts.onThisThread(() -> serving != 0 && interrupted == serving);
        s.running.add(this);
        try {
            serve();
        } finally {
            s.running.remove(this);
            free();
            s.workerGone(retired);
        }
    }

    private void replaceWhileWaiting() {
        if (!replaced) {
            replaced = true;
            replace();
        }
    }

    /** Handles the request of {@code length} bytes in {@code in}. */
    final void handleRequest(int length) {
        serving = FuseWire.unique(in);
        try {
            handle(length);
        } finally {
            serving = 0;
        }
    }

    private void handle(int length) {
        int opcode = FuseWire.opcode(in);
        long unique = FuseWire.unique(in);
        long nodeId = FuseWire.nodeId(in);
        if (s.debug) {
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
                    s.nodes.forget(nodeId, in.getLong(FuseWire.IN_HEADER)); // fuse_forget_in.nlookup
                    return;
                }
                case FuseWire.INTERRUPT -> {
                    if (s.interrupt(in.getLong(FuseWire.IN_HEADER))) { // fuse_interrupt_in.unique
                        return;
                    }
                    // Not being handled yet (another worker has just read it): the kernel
                    // sends the interrupt again on EAGAIN.
                    errno = ErrorCodes.EAGAIN();
                }
                case FuseWire.BATCH_FORGET -> {
                    int count = in.getInt(FuseWire.IN_HEADER);
                    for (int i = 0; i < count; i++) {
                        // fuse_forget_one: nodeid, nlookup
                        s.nodes.forget(in.getLong(FuseWire.IN_HEADER + 8 + 16 * i),
                                in.getLong(FuseWire.IN_HEADER + 16 + 16 * i));
                    }
                    return;
                }
                case FuseWire.LOOKUP -> payload = lookup(nodeId, length);
                case FuseWire.GETATTR -> payload = attrOut(nodeId, s.nodes.node(nodeId));
                case FuseWire.SETATTR -> payload = setattr(nodeId);
                case FuseWire.OPEN -> payload = open(nodeId);
                case FuseWire.READ -> {
                    // fuse_read_in: fh, offset, size, ...
                    long fh = in.getLong(FuseWire.IN_HEADER);
                    long offset = in.getLong(FuseWire.IN_HEADER + 8);
                    int size = in.getInt(FuseWire.IN_HEADER + 16);
                    if (spliceRead(unique, fh, offset, size)) {
                        return; // replied
                    }
                    payload = read(fh, offset, size);
                }
                case FuseWire.WRITE -> payload = write();
                case FuseWire.RELEASE -> s.fs.release(in.getLong(FuseWire.IN_HEADER));
                case FuseWire.FSYNC -> s.fs.fsync(in.getLong(FuseWire.IN_HEADER));
                case FuseWire.FALLOCATE -> s.fs.fallocate(in.getLong(FuseWire.IN_HEADER),
                        in.getInt(FuseWire.IN_HEADER + 24), in.getLong(FuseWire.IN_HEADER + 8),
                        in.getLong(FuseWire.IN_HEADER + 16));
                case FuseWire.OPENDIR -> payload = opendir(nodeId);
                case FuseWire.READDIR -> payload = readdir(nodeId);
                case FuseWire.STATFS -> {
                    FuseWire.putStatfs(out, FuseWire.OUT_HEADER, s.fs.totalBlocks());
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
            MapperFs.Node node = s.nodes.node(nodeId);
            return node.device() != null ? "device " + node.device().name() : "node " + nodeId;
        } catch (RuntimeException e) {
            return "node " + nodeId;
        }
    }

    /** Sends the reply whose body is in {@code out} behind the header; false if it could not be. */
    final boolean reply(long unique, int errno, int payload) {
        FuseWire.putOutHeader(out, unique, errno, payload);
        return send(unique, errno, payload);
    }

    private void init(long unique) {
        FuseWire.InitIn offer = FuseWire.InitIn.decode(in, FuseWire.IN_HEADER);
        FuseWire.InitOut agreed;
        try {
            agreed = s.rings.offer(offer, FuseWire.negotiate(offer, s.maxRequest, WireSession.MAX_BACKGROUND));
        } catch (IllegalArgumentException e) {
            log.error("{}", e.getMessage());
            reply(unique, ErrorCodes.EPROTO(), 0);
            return;
        }
        agreed.encode(out, FuseWire.OUT_HEADER);
        boolean current = offer.major() == FuseWire.KERNEL_VERSION;
        if (current) {
            s.agreed = agreed; // before the reply: the kernel may send OPEN to another worker at once
        }
        boolean sent = reply(unique, 0, agreed.size());
        s.rings.afterInit(); // the kernel has read the reply: the module parameter may go back
        if (sent && current) {
            log.info("FUSE protocol {}.{} (kernel {}.{}), flags {}, max_write {}, max_pages {}, {} workers",
                    agreed.major(), agreed.minor(), offer.major(), offer.minor(), Long.toHexString(agreed.flags()),
                    agreed.maxWrite(), agreed.maxPages(), WireSession.WORKERS);
            s.rings.start(); // io_uring queues register only once the kernel has the reply
            s.initialized.countDown();
        }
    }

    private int lookup(long parentId, int length) {
        MapperFs.Node parent = s.nodes.node(parentId);
        String name = FuseWire.name(in, FuseWire.IN_HEADER, length);
        MapperFs.Node child = s.fs.lookup(parent, name);
        if (child == null) {
            throw new FsError(ErrorCodes.ENOENT());
        }
        MapperFs.Attr attr = s.fs.attr(child);
        FuseWire.putEntryOut(out, FuseWire.OUT_HEADER, s.nodes.lookedUp(child), attr);
        return FuseWire.ENTRY_OUT_SIZE;
    }

    private int attrOut(long nodeId, MapperFs.Node node) {
        FuseWire.putAttrOut(out, FuseWire.OUT_HEADER, nodeId, s.fs.attr(node));
        return FuseWire.ATTR_OUT_SIZE;
    }

    /** Only a size change means anything here (truncate); modes, owners and times are fixed. */
    private int setattr(long nodeId) {
        MapperFs.Node node = s.nodes.node(nodeId);
        int valid = in.getInt(FuseWire.IN_HEADER);
        if ((valid & FuseWire.FATTR_SIZE) != 0) {
            s.fs.truncate(node, in.getLong(FuseWire.IN_HEADER + 16));
        }
        return attrOut(nodeId, node);
    }

    private int open(long nodeId) {
        MapperFs.Node node = s.nodes.node(nodeId);
        long uid = FuseWire.uid(in);
        MapperFs.Opened opened = s.fs.open(node, in.getInt(FuseWire.IN_HEADER), uid);
        int flags = 0;
        if (opened.directIo()) {
            flags |= FuseWire.FOPEN_DIRECT_IO;
            boolean parallel = node.kind() == MapperFs.Kind.DEVICE // positional I/O needs no inode lock
                    || node.kind() == MapperFs.Kind.CONTROL; // each handle has its own command and reply
            if (parallel && s.agreed.minor() >= 38) {
                flags |= FuseWire.FOPEN_PARALLEL_DIRECT_WRITES;
            }
        }
        out.putLong(FuseWire.OUT_HEADER, opened.fh());
        out.putInt(FuseWire.OUT_HEADER + 8, flags);
        out.putInt(FuseWire.OUT_HEADER + 12, 0);
        return 16;
    }

    /** Reads at most {@code size} bytes of {@code fh} at {@code offset} right behind the reply header. */
    private int read(long fh, long offset, int size) throws Exception {
        int n = Math.min(size, out.capacity() - FuseWire.OUT_HEADER);
        outData.clear().position(FuseWire.OUT_HEADER).limit(FuseWire.OUT_HEADER + n);
        return s.fs.read(fh, outData, offset);
    }

    /** fuse_write_in (40 bytes: fh, offset, size, ...), then the data; the reply is fuse_write_out. */
    private int write() throws Exception {
        long fh = in.getLong(FuseWire.IN_HEADER);
        long offset = in.getLong(FuseWire.IN_HEADER + 8);
        int size = in.getInt(FuseWire.IN_HEADER + 16);
        int at = FuseWire.IN_HEADER + 40;
        inData.clear().position(at).limit(at + size);
        int n = s.fs.write(fh, inData, offset, FuseWire.uid(in), FuseWire.pid(in));
        out.putInt(FuseWire.OUT_HEADER, n);
        out.putInt(FuseWire.OUT_HEADER + 4, 0);
        return 8;
    }

    private int opendir(long nodeId) {
        if (!s.nodes.node(nodeId).isDirectory()) {
            throw new FsError(ErrorCodes.ENOTDIR());
        }
        out.putLong(FuseWire.OUT_HEADER, 0);
        out.putLong(FuseWire.OUT_HEADER + 8, 0);
        return 16;
    }

    /** The offset of a READDIR is the index of the entry to start at ("." is 0, ".." is 1). */
    private int readdir(long nodeId) {
        MapperFs.Node dir = s.nodes.node(nodeId);
        long offset = in.getLong(FuseWire.IN_HEADER + 8);
        int size = Math.min(in.getInt(FuseWire.IN_HEADER + 16), out.capacity() - FuseWire.OUT_HEADER);
        s.nodes.sweep(); // what earlier listings registered and is gone now
        List<MapperFs.Entry> entries = s.fs.list(dir);
        int end = FuseWire.OUT_HEADER + size;
        int at = FuseWire.OUT_HEADER;
        for (long i = offset; i < entries.size() + 2L; i++) {
            int next;
            if (i < 2) {
                long ino = i == 0 ? nodeId : s.nodes.parentId(dir);
                next = FuseWire.putDirent(out, at, end, ino, i + 1, FuseWire.DT_DIR, i == 0 ? DOT : DOTDOT);
            } else {
                MapperFs.Entry e = entries.get((int) (i - 2));
                next = FuseWire.putDirent(out, at, end, s.nodes.idOf(e.node()), i + 1,
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
