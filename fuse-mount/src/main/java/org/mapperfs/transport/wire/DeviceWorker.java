package org.mapperfs.transport.wire;

import com.kenai.jffi.MemoryIO;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import ru.serce.jnrfuse.ErrorCodes;

/**
 * A worker on /dev/fuse: read(2) takes a request into its buffer, write(2) gives the reply from
 * the same buffer, or splice(2) from a pipe ({@link SplicedReads}: large reads of one backing
 * file). The buffer sits on a transparent huge page where the kernel has them.
 */
final class DeviceWorker extends Worker {
    private static final Logger log = LoggerFactory.getLogger(DeviceWorker.class);

    private static final int PAGE = 4096;
    /**
     * Where a request lands in the buffer: a WRITE's data, behind the request header and
     * fuse_write_in (40 bytes each), then starts on a page, and so does a READ's data behind the
     * reply header at {@link #REPLY_AT}. When a READ's data sat right behind a reply header at the
     * buffer's start (+16), the pread into it ran at a fifth of the speed on this host's CPUs: a
     * copy into user memory 16 bytes off a 32-byte boundary, 2.4 GB/s against 11–12 at +0, +32,
     * +64 or +4096. Sequential 1 MiB reads through loop went from 2 080–2 645 to 4 910–5 393 MB/s.
     */
    static final int REQUEST_AT = PAGE - FuseWire.IN_HEADER - 40;
    /** Where a reply starts in the buffer: a READ's data then starts on a page. */
    static final int REPLY_AT = PAGE - FuseWire.OUT_HEADER;

    private final long allocated;
    private final long address;
    /** READ replies spliced from the backing files; null where not asked for or no pipe could be made. */
    private final SplicedReads spliced;

    DeviceWorker(WireSession session) {
        super(session);
        MemoryIO memory = MemoryIO.getInstance();
        this.allocated = memory.allocateMemory(session.bufferSize + WireSession.HUGE_PAGE + PAGE, false);
        this.address = session.hugePageAligned(allocated);
        this.in = memory.newDirectByteBuffer(address + REQUEST_AT, session.bufferSize).order(ByteOrder.nativeOrder());
        this.out = memory.newDirectByteBuffer(address + REPLY_AT, session.bufferSize).order(ByteOrder.nativeOrder());
        this.inData = in.duplicate().order(ByteOrder.nativeOrder());
        this.outData = out.duplicate().order(ByteOrder.nativeOrder());
        this.spliced = session.splice ? SplicedReads.open(session, out, address + REPLY_AT) : null;
    }

    @Override
    boolean spliceRead(long unique, long fh, long offset, int size) throws Exception {
        return spliced != null && spliced.reply(unique, fh, offset, size);
    }

    @Override
    void serve() {
        while (true) {
            long n = s.libc.read(s.fd, address + REQUEST_AT, s.bufferSize);
            if (n < 0) {
                int e = s.errno();
                if (e == ErrorCodes.EINTR() || e == ErrorCodes.EAGAIN() || e == ErrorCodes.ENOENT()) {
                    continue; // interrupted, or the request was withdrawn before we got it
                }
                if (e != ErrorCodes.ENODEV()) {
                    log.error("reading /dev/fuse failed: errno {}", e);
                }
                s.disconnected();
                return; // ENODEV: unmounted
            }
            handleRequest((int) n);
            if (replaced) {
                replaced = false;
                if (s.retire()) {
                    retired = true;
                    return;
                }
            }
        }
    }

    /** Writes the reply; a withdrawn request (ENOENT) needs none. */
    @Override
    boolean send(long unique, int errno, int payload) {
        long n = s.libc.write(s.fd, address + REPLY_AT, FuseWire.OUT_HEADER + payload);
        if (n < 0) {
            int e = s.errno();
            if (e != ErrorCodes.ENOENT()) {
                log.warn("writing the reply to request {} failed: errno {}", unique, e);
            }
            return false;
        }
        return true;
    }

    @Override
    void free() {
        if (spliced != null) {
            spliced.close();
        }
        MemoryIO.getInstance().freeMemory(allocated);
    }

    @Override
    void replace() {
        s.startWorker();
    }
}
