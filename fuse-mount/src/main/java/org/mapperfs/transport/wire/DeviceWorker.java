package org.mapperfs.transport.wire;

import com.kenai.jffi.MemoryIO;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import ru.serce.jnrfuse.ErrorCodes;

/**
 * A worker on /dev/fuse: read(2) takes a request into its buffer, write(2) gives the reply from
 * the same buffer. The buffer sits on a transparent huge page where the kernel has them.
 */
final class DeviceWorker extends Worker {
    private static final Logger log = LoggerFactory.getLogger(DeviceWorker.class);

    private final long allocated;
    private final long address;

    DeviceWorker(WireSession session) {
        super(session);
        this.allocated = MemoryIO.getInstance().allocateMemory(session.bufferSize + WireSession.HUGE_PAGE, false);
        this.address = session.hugePageAligned(allocated);
        ByteBuffer buffer = MemoryIO.getInstance().newDirectByteBuffer(address, session.bufferSize)
                .order(ByteOrder.nativeOrder());
        this.in = buffer;
        this.out = buffer;
        this.inData = buffer.duplicate().order(ByteOrder.nativeOrder());
        this.outData = inData;
    }

    @Override
    void serve() {
        while (true) {
            long n = s.libc.read(s.fd, address, s.bufferSize);
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
        long n = s.libc.write(s.fd, address, FuseWire.OUT_HEADER + payload);
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
        MemoryIO.getInstance().freeMemory(allocated);
    }

    @Override
    void replace() {
        s.startWorker();
    }
}
