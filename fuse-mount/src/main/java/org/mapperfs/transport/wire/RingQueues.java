package org.mapperfs.transport.wire;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import jnr.ffi.LibraryLoader;
import jnr.ffi.Runtime;
import org.mapperfs.libc.UringCalls;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * FUSE over io_uring for a wire session: one queue per possible CPU (the kernel's count), each
 * served by several {@link RingWorker}s, one entry and one small ring each. The kernel offers it
 * at INIT where the fuse module's enable_uring parameter is on; the daemon switches it on before
 * mounting if it is off, and back off as soon as the kernel has the INIT reply. Everything that
 * can fail is made before the INIT reply takes it up; the entries register once the kernel has
 * that reply. /dev/fuse still carries INIT, FORGET, INTERRUPT and whatever came before the
 * queues were ready.
 *
 * <p>Requests that wait indefinitely (at a suspended device's gate) hold their entries. The
 * kernel puts a request on the queue of the CPU its caller runs on; if no entry of that queue is
 * free, the request waits in the queue until an entry of it commits an answer: a newly
 * registered entry does not take it. So a queue keeps {@value #PER_QUEUE} entries besides those
 * whose requests wait (a waiting request adds one when fewer are left), and each entry added so
 * is followed, once registered, by a statfs(2) made on that queue's CPU: the entry that answers
 * it then takes whatever request came while the queue was full, such as the command that would
 * resume the device.
 */
final class RingQueues {
    private static final Logger log = LoggerFactory.getLogger(RingQueues.class);
    static final long OVER_IO_URING = 1L << 41;
    static final Path ENABLE = Path.of("/sys/module/fuse/parameters/enable_uring");
    private static final Path POSSIBLE_CPUS = Path.of("/sys/devices/system/cpu/possible");
    /** Entries each queue starts with, and keeps free of requests that wait indefinitely. */
    static final int PER_QUEUE = 8;

    private final WireSession s;
    private final boolean wanted;
    private final List<RingWorker> prepared = new ArrayList<>();
    /** Per queue: its entries, and those of them whose requests wait indefinitely. */
    private int[] entries = new int[0];
    private int[] waiting = new int[0];
    private Path mountPoint;
    private UringCalls calls;
    private Runtime runtime;
    private volatile int payloadBytes;
    private boolean switchedOn;

    RingQueues(WireSession session, boolean wanted) {
        this.s = session;
        this.wanted = wanted;
    }

    /** Before the mount: the module parameter on, if it is not (remembered, to switch it back). */
    void beforeMount(Path mountPoint) {
        this.mountPoint = mountPoint;
        if (!wanted) {
            return;
        }
        try {
            if (Files.readString(ENABLE).trim().equals("N")) {
                Files.writeString(ENABLE, "Y");
                switchedOn = true;
                log.info("fuse module: enable_uring switched on for this daemon");
            }
        } catch (IOException | RuntimeException e) {
            log.warn("FUSE over io_uring is not available ({}: {}); requests go through /dev/fuse", ENABLE,
                    e.toString());
        }
    }

    /**
     * Once the kernel has the INIT reply: the module parameter back off if this daemon switched
     * it on. The kernel checks it when it offers io_uring at INIT and when it reads the reply;
     * a connection that took io_uring up keeps it (its entries still register), so the
     * parameter is on for the few milliseconds of the mount only, and a daemon killed later
     * leaves it as it was.
     */
    void afterInit() {
        switchBack();
    }

    /** After the unmount: the module parameter back off if this daemon switched it on and INIT never came. */
    void afterUnmount() {
        switchBack();
    }

    private synchronized void switchBack() {
        if (switchedOn) {
            switchedOn = false;
            try {
                Files.writeString(ENABLE, "N");
                log.info("fuse module: enable_uring switched back off");
            } catch (IOException e) {
                log.warn("could not switch enable_uring back off: {}", e.toString());
            }
        }
    }

    /**
     * At INIT: if asked for and offered, makes every queue's entries and rings and returns the
     * agreement with io_uring taken up; else (or if any of it fails) the agreement as it is.
     */
    FuseWire.InitOut offer(FuseWire.InitIn in, FuseWire.InitOut agreed) {
        if (!wanted) {
            return agreed;
        }
        if ((in.flags() & FuseWire.INIT_EXT) == 0 || (in.flags() & OVER_IO_URING) == 0) {
            log.warn("the kernel does not offer FUSE over io_uring (enable_uring off, or too old); requests go"
                    + " through /dev/fuse");
            return agreed;
        }
        try {
            calls = LibraryLoader.create(UringCalls.class).load("c");
            runtime = Runtime.getRuntime(calls);
            int queues = possibleCpus();
            counts(queues);
            int pages = agreed.maxPages() > 0 ? agreed.maxPages() : 32;
            payloadBytes = Math.max(8192, Math.max(agreed.maxWrite(), pages * 4096));
            for (int q = 0; q < queues; q++) {
                for (int i = 0; i < PER_QUEUE; i++) {
                    prepared.add(worker(q, null));
                }
            }
            log.info("FUSE over io_uring: {} queues of {} entries, {} KiB payload each", queues, PER_QUEUE,
                    payloadBytes >> 10);
        } catch (IOException | RuntimeException | LinkageError e) {
            log.warn("FUSE over io_uring could not be set up ({}); requests go through /dev/fuse", e.toString());
            for (RingWorker w : prepared) {
                w.free();
            }
            prepared.clear();
            return agreed;
        }
        return agreed.withFlags(FuseWire.INIT_EXT | OVER_IO_URING);
    }

    private RingWorker worker(int qid, Runnable onRegistered) throws IOException {
        return new RingWorker(s, qid, payloadBytes, new IoUring(calls, runtime, 2), onRegistered);
    }

    /** Once the INIT reply is in: every prepared entry's worker starts and registers it. */
    void start() {
        for (RingWorker w : prepared) {
            if (!s.startWorker(w)) {
                w.free();
            }
        }
        prepared.clear();
    }

    /** Counts {@value #PER_QUEUE} entries on each of {@code queues} queues, none waiting. */
    synchronized void counts(int queues) {
        entries = new int[queues];
        waiting = new int[queues];
        Arrays.fill(entries, PER_QUEUE);
    }

    /**
     * A request on queue {@code qid} is about to wait indefinitely: counts it, and if fewer than
     * {@value #PER_QUEUE} of the queue's entries are left for other requests, counts one more
     * entry and returns true (the caller must then add it).
     */
    synchronized boolean waits(int qid) {
        waiting[qid]++;
        if (entries[qid] - waiting[qid] >= PER_QUEUE) {
            return false;
        }
        entries[qid]++;
        return true;
    }

    /** A request on queue {@code qid} that waited is done. */
    synchronized void waited(int qid) {
        waiting[qid]--;
    }

    /** An entry counted on queue {@code qid} could not be added, or is gone. */
    synchronized void lost(int qid) {
        entries[qid]--;
    }

    /**
     * An entry of queue {@code qid} ended while the mount was up (its ring failed). If no entry
     * is left for requests that do not wait, the queue's new requests would wait for good: the
     * connection is aborted, so that they fail instead.
     */
    void failed(int qid) {
        boolean none;
        synchronized (this) {
            lost(qid);
            none = entries[qid] - waiting[qid] <= 0;
        }
        if (none) {
            String why = ConnectionAbort.abort(mountPoint);
            log.error("FUSE io_uring queue {}: no entry left to serve it; {}", qid, why == null
                    ? "the FUSE connection is aborted, so that requests fail (ENOTCONN) instead of waiting"
                    : "the connection could not be aborted (" + why + "): its requests wait until it is");
        }
    }

    /** The entries counted on queue {@code qid}. */
    synchronized int entries(int qid) {
        return entries[qid];
    }

    /** A worker on queue {@code qid} is about to wait indefinitely: one more entry if it is needed. */
    void waiting(int qid) {
        if (!waits(qid)) {
            return;
        }
        try {
            RingWorker w = worker(qid, () -> kick(qid));
            if (s.startWorker(w)) {
                return;
            }
            w.free();
        } catch (IOException e) {
            log.warn("FUSE io_uring queue {}: no extra entry ({})", qid, e.getMessage());
        }
        lost(qid);
    }

    /**
     * Once an added entry of queue {@code qid} is registered: a statfs(2) on the mount from a
     * thread bound to that queue's CPU, so that some entry of the queue answers a request and
     * takes the next one waiting in the queue. From a thread of its own: the statfs may itself
     * wait in the queue for a while.
     */
    private void kick(int qid) {
        Thread t = new Thread(() -> {
            String why = QueueKick.statfsOnCpu(calls, qid, mountPoint);
            if (why != null) {
                log.warn("FUSE io_uring queue {}: {}; a request that came while the queue was full may wait until"
                        + " one of its entries is answered", qid, why);
            }
        }, "mapperfs-ring-kick-" + qid);
        t.setDaemon(true);
        t.start();
    }

    /** The kernel's number of possible CPUs (/sys/devices/system/cpu/possible, such as "0-3,8-11"). */
    static int possibleCpus() throws IOException {
        return cpuCount(Files.readString(POSSIBLE_CPUS));
    }

    /** The CPUs a kernel CPU list names ("0-3,8-11" is 8). */
    static int cpuCount(String list) {
        int count = 0;
        for (String range : list.trim().split(",")) {
            String[] ends = range.split("-");
            int from = Integer.parseInt(ends[0]);
            int to = ends.length > 1 ? Integer.parseInt(ends[1]) : from;
            count += to - from + 1;
        }
        return count;
    }
}
