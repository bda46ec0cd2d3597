package org.mapperfs.transport.wire;

import com.kenai.jffi.MemoryIO;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A worker on one entry of an io_uring queue (FUSE over io_uring): the kernel puts a request in
 * the entry's memory and completes the worker's pending command; the worker answers in the same
 * memory and, in one io_uring_enter(2), commits the answer and waits for the next request.
 *
 * <p>The entry's memory: the kernel's 288-byte header at 0 (the request's fuse_in_header at 0, its
 * first argument at 128; then flags, commit id and payload size at 256, 264 and 272), the iovecs
 * that name both parts at 1024, and the payload (the other arguments: names, a WRITE's data) at
 * 4096. A request is laid out as /dev/fuse gives it by copying its header and first argument (at
 * most 168 bytes) to just before the payload, so {@code in} reads it unchanged; the answer is
 * built with its body at the payload ({@code out} starts 16 bytes before), and only its header is
 * copied to the kernel's header. READ data and WRITE data are never copied in the daemon.
 */
final class RingWorker extends Worker {
    private static final Logger log = LoggerFactory.getLogger(RingWorker.class);
    static final int PAYLOAD_AT = 4096;
    private static final int HEADER_BYTES = 288;
    private static final int IOV_AT = 1024;
    private static final int OP_IN_AT = 128;
    private static final int OP_IN_MAX = 128;
    private static final int COMMIT_ID_AT = 264;
    private static final int PAYLOAD_SIZE_AT = 272;
    private static final byte OP_URING_CMD = 46;
    private static final int CMD_REGISTER = 1;
    private static final int CMD_COMMIT_AND_FETCH = 2;
    private static final int EINTR = 4;
    private static final int EAGAIN = 11;
    private static final int ENOTCONN = 107;
    private static final int ECONNABORTED = 103;
    private static final int ECANCELED = 125;
    private static final int EIO = 5;

    private final int qid;
    private final int payloadBytes;
    private final IoUring ring;
    private final long allocated;
    private final long base;
    private final ByteBuffer entry;
    /** The request view for each size of first argument, made once. */
    private final ByteBuffer[] inViews = new ByteBuffer[OP_IN_MAX + 1];
    private final ByteBuffer[] inDataViews = new ByteBuffer[OP_IN_MAX + 1];
    private boolean answered;
    /** What to do once this worker's entry is registered, or null. */
    private Runnable onRegistered;

    RingWorker(WireSession session, int qid, int payloadBytes, IoUring ring, Runnable onRegistered) {
        super(session);
        this.qid = qid;
        this.onRegistered = onRegistered;
        this.payloadBytes = payloadBytes;
        this.ring = ring;
        MemoryIO m = MemoryIO.getInstance();
        int bytes = PAYLOAD_AT + payloadBytes;
        this.allocated = m.allocateMemory(bytes + 4096, true);
        this.base = WireSession.alignUp(allocated, 4096);
        this.entry = m.newDirectByteBuffer(base, bytes).order(ByteOrder.nativeOrder());
        m.putLong(base + IOV_AT, base);
        m.putLong(base + IOV_AT + 8, HEADER_BYTES);
        m.putLong(base + IOV_AT + 16, base + PAYLOAD_AT);
        m.putLong(base + IOV_AT + 24, payloadBytes);
        this.out = m.newDirectByteBuffer(base + PAYLOAD_AT - FuseWire.OUT_HEADER, FuseWire.OUT_HEADER + payloadBytes)
                .order(ByteOrder.nativeOrder());
        this.outData = out.duplicate().order(ByteOrder.nativeOrder());
    }

    /** Fills and submits this entry's command, and waits for its completion (the next request). */
    private int command(int op, long commitId) throws IOException {
        MemoryIO m = MemoryIO.getInstance();
        long sqe = ring.nextEntry();
        m.putByte(sqe, OP_URING_CMD);
        m.putInt(sqe + 4, s.fd);
        m.putInt(sqe + 8, op); // cmd_op
        if (op == CMD_REGISTER) {
            m.putLong(sqe + 16, base + IOV_AT); // the two iovecs
            m.putInt(sqe + 24, 2);
        }
        m.putLong(sqe + 32, qid); // user_data
        m.putLong(sqe + 56, commitId); // fuse_uring_cmd_req: flags @48, commit_id @56, qid @64
        m.putShort(sqe + 64, (short) qid);
        if (op == CMD_REGISTER && onRegistered != null) {
            Runnable then = onRegistered;
            onRegistered = null;
            return ring.submitAndWait(then);
        }
        return ring.submitAndWait();
    }

    @Override
    void serve() {
        try {
            int res = command(CMD_REGISTER, 0);
            while (res == -EAGAIN || res == -EINTR) {
                res = command(CMD_REGISTER, 0);
            }
            while (res == 0) {
                long commitId = entry.getLong(COMMIT_ID_AT);
                take();
                if (replaced) { // the entry it may have added stays: an entry leaves only with its thread
                    replaced = false;
                    s.rings.waited(qid);
                }
                res = command(CMD_COMMIT_AND_FETCH, commitId);
            }
            if (res != -ENOTCONN && res != -ECONNABORTED && res != -ECANCELED) {
                log.error("FUSE io_uring queue {}: the entry ended with errno {}", qid, -res);
                s.rings.failed(qid);
            }
        } catch (IOException e) {
            log.error("FUSE io_uring queue {}: {}", qid, e.getMessage());
            s.rings.failed(qid);
        }
    }

    /** Serves the request in the entry and leaves its answer there. */
    private void take() {
        int length = entry.getInt(0);
        int payloadSize = entry.getInt(PAYLOAD_SIZE_AT);
        int opSize = length - FuseWire.IN_HEADER - payloadSize;
        long unique = entry.getLong(8);
        answered = false;
        if (opSize < 0 || opSize > OP_IN_MAX || payloadSize < 0 || payloadSize > payloadBytes) {
            log.error("FUSE io_uring queue {}: a request of {} bytes with {} in the payload makes no sense", qid,
                    length, payloadSize);
            reply(unique, EIO, 0);
            return;
        }
        int at = PAYLOAD_AT - FuseWire.IN_HEADER - opSize;
        for (int i = 0; i < FuseWire.IN_HEADER; i += 8) {
            entry.putLong(at + i, entry.getLong(i));
        }
        for (int i = 0; i < opSize; i++) {
            entry.put(at + FuseWire.IN_HEADER + i, entry.get(OP_IN_AT + i));
        }
        if (inViews[opSize] == null) {
            inViews[opSize] = entry.duplicate().position(at).slice().order(ByteOrder.nativeOrder());
            inDataViews[opSize] = inViews[opSize].duplicate().order(ByteOrder.nativeOrder());
        }
        in = inViews[opSize];
        inData = inDataViews[opSize];
        handleRequest(length);
        if (!answered) {
            reply(unique, EIO, 0); // every request on the ring gets an answer, or its entry is stuck
        }
    }

    /** Copies the answer's header to the kernel's header; the body is already in the payload. */
    @Override
    boolean send(long unique, int errno, int payload) {
        int body = errno == 0 ? Math.min(payload, payloadBytes) : 0;
        entry.putLong(0, out.getLong(0));
        entry.putLong(8, out.getLong(8));
        entry.putInt(PAYLOAD_SIZE_AT, body);
        entry.putInt(PAYLOAD_SIZE_AT + 4, 0);
        answered = true;
        return true;
    }

    @Override
    void free() {
        ring.close();
        MemoryIO.getInstance().freeMemory(allocated);
    }

    @Override
    void replace() {
        s.rings.waiting(qid);
    }
}
