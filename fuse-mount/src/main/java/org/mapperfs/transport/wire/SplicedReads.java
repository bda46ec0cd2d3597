package org.mapperfs.transport.wire;

import com.kenai.jffi.MemoryIO;
import java.io.IOException;
import java.nio.ByteBuffer;
import org.mapperfs.core.FileRangeSink;
import org.mapperfs.libc.FastSyscall;
import org.mapperfs.libc.Splice;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import ru.serce.jnrfuse.ErrorCodes;

/**
 * A worker's READ replies spliced from the backing file: the reply header is written into a
 * pipe, the data spliced from the file into the pipe (the page cache's pages, referenced, not
 * copied), and the whole reply spliced from the pipe into /dev/fuse, where the kernel copies it
 * into the reader's pages. The daemon's own copy of the data (pread into its buffer) is gone.
 *
 * <p>Only for reads of {@value #SMALLEST} bytes and more that lie in one range of one backing
 * file ({@link org.mapperfs.core.BlockDevice#readRange}: a linear segment, a mirror leg, a run of
 * snapshot chunks, thin blocks that follow one another), or in as many ranges as the pipe holds
 * ({@link #maxPieces}: striped chunks, thin blocks or snapshot runs apart); every other read goes
 * the usual way.
 * Smaller reads lost: a third system call costs more than the copy of a few pages saves (4 KiB
 * random reads at QD16: 8–15 % fewer IOPS). The whole reply is sent while
 * the device's read is in progress, so a suspend that returns has no spliced read left to send.
 */
final class SplicedReads implements FileRangeSink {
    private static final Logger log = LoggerFactory.getLogger(SplicedReads.class);
    /** The smallest read spliced. */
    static final int SMALLEST = 64 << 10;
    private static final int O_NONBLOCK = 0x800;
    private static final int O_CLOEXEC = 0x80000;
    private static final int F_SETPIPE_SZ = 1031;
    private static final int PAGE = 4096;

    private final WireSession s;
    private final int readFd;
    private final int writeFd;
    /** The largest read that fits the pipe with its header, one page to spare for an unaligned start. */
    private final int largest;
    /** Native: the file position splice(2) reads from and advances. */
    private final long position;
    /** The worker's reply buffer: the header goes in at 0, and a failed reply is drained into it. */
    private final ByteBuffer out;
    private final long outAddress;
    /** The pipe's capacity in pages: a page per pipe buffer. */
    private final int slots;
    private long unique;
    /** Of the read being passed on in pieces: the bytes put into the pipe so far. */
    private int taken;

    private SplicedReads(WireSession s, int readFd, int writeFd, int size, ByteBuffer out, long outAddress) {
        this.s = s;
        this.readFd = readFd;
        this.writeFd = writeFd;
        this.largest = size - 2 * PAGE;
        this.slots = size / PAGE;
        this.out = out;
        this.outAddress = outAddress;
        this.position = MemoryIO.getInstance().allocateMemory(8, false);
    }

    /**
     * A pipe of its own for a worker whose reply buffer is {@code out} at {@code outAddress}, as
     * large as the largest request and its header (the kernel's limit for pipes, 1 MiB by
     * default, may keep it smaller: larger reads then go the usual way); null if none can be made.
     */
    static SplicedReads open(WireSession s, ByteBuffer out, long outAddress) {
        int[] fds = new int[2];
        if (s.libc.pipe2(fds, O_NONBLOCK | O_CLOEXEC) != 0) {
            log.warn("no pipe for spliced reads (errno {}): reads are copied", s.errno());
            return null;
        }
        int size = -1;
        for (int want = Integer.highestOneBit(s.maxRequest + 2 * PAGE - 1) << 1; size < 0 && want > SMALLEST;
                want /= 2) {
            size = s.libc.fcntl(fds[1], F_SETPIPE_SZ, want);
        }
        if (size < SMALLEST + 2 * PAGE) {
            log.warn("no pipe of {} bytes for spliced reads (errno {}): reads are copied", SMALLEST + 2 * PAGE,
                    s.errno());
            s.libc.close(fds[0]);
            s.libc.close(fds[1]);
            return null;
        }
        return new SplicedReads(s, fds[0], fds[1], size, out, outAddress);
    }

    /**
     * Replies to READ request {@code unique} by splicing, where the read is large enough and the
     * device maps its range onto one backing file; false, having done nothing, where not, and the
     * caller replies the usual way.
     *
     * @throws Exception if the read failed; the pipe is empty again, and the caller replies with
     *     the error
     */
    boolean reply(long unique, long fh, long offset, int size) throws Exception {
        if (size < SMALLEST || size > largest) {
            return false;
        }
        this.unique = unique;
        this.taken = 0;
        boolean replied;
        try {
            replied = s.fs.readRange(fh, offset, size, this) > 0;
        } catch (Exception e) {
            abandon();
            throw e;
        }
        if (taken > 0) { // pieces of a read that was not passed on
            abandon();
            if (replied) {
                throw new IOException("a read handed over in pieces came short of its length");
            }
        }
        return replied;
    }

    @Override
    public void take(int fd, long from, int length) throws IOException {
        takePiece(fd, from, length, length);
    }

    /**
     * As many as fit the pipe with the read's pages and its header, where each piece may start
     * and end inside a page (a pipe buffer holds one page, or part of one).
     */
    @Override
    public int maxPieces(int total) {
        return Math.max(1, (slots - 1 - (total + PAGE - 1) / PAGE) / 2);
    }

    /**
     * Puts the reply header (before the first piece) and the file's bytes into the pipe, and,
     * once the last piece is in, the pipe into /dev/fuse.
     */
    @Override
    public void takePiece(int fd, long from, int length, int total) throws IOException {
        if (taken + length > total) {
            abandon();
            throw new IOException("pieces of " + (taken + length) + " bytes for a read of " + total);
        }
        if (taken == 0) {
            FuseWire.putOutHeader(out, unique, 0, total);
            if (s.libc.write(writeFd, outAddress, FuseWire.OUT_HEADER) != FuseWire.OUT_HEADER) {
                int e = s.errno();
                drain();
                throw new IOException("writing a reply header into a pipe failed: errno " + e);
            }
        }
        spliceIn(fd, from, length);
        taken += length;
        if (taken == total) {
            taken = 0;
            spliceOut(total);
        }
    }

    /** Splices {@code length} bytes of the file at {@code from} into the pipe. */
    private void spliceIn(int fd, long from, int length) throws IOException {
        MemoryIO.getInstance().putLong(position, from);
        long left = length;
        while (left > 0) {
            long n = Splice.splice(fd, position, writeFd, 0, left, Splice.SPLICE_F_MOVE);
            if (n < 0 && FastSyscall.errno() == ErrorCodes.EINTR()) {
                continue;
            }
            if (n <= 0) {
                int e = n < 0 ? FastSyscall.errno() : 0;
                abandon();
                long at = from + length - left;
                throw new FileRangeSink.SourceFailed(n == 0
                        ? "unexpected end of file at offset " + at + " (was the file truncated?)"
                        : "splice of " + left + " bytes at offset " + at + " failed: errno " + e);
            }
            left -= n;
        }
    }

    /** Splices the reply, its header and {@code length} bytes, from the pipe into /dev/fuse. */
    private void spliceOut(int length) throws IOException {
        long sent;
        do {
            sent = Splice.splice(readFd, 0, s.fd, 0, FuseWire.OUT_HEADER + length, 0);
        } while (sent < 0 && FastSyscall.errno() == ErrorCodes.EINTR());
        if (sent < 0) {
            int e = FastSyscall.errno();
            drain();
            if (e != ErrorCodes.ENOENT()) { // ENOENT: the request was withdrawn, and needs no reply
                // Where the kernel took the reply and failed it, the error reply finds no request
                // (ENOENT); where it refused the reply, the error reply ends the request.
                throw new IOException("splicing the reply into /dev/fuse failed: errno " + e);
            }
        }
    }

    /** Drops what the pipe holds of a read: the sink can take a read from its start again. */
    private void abandon() {
        taken = 0;
        drain();
    }

    /** Empties the pipe (it does not block) into the reply buffer. */
    private void drain() {
        while (s.libc.read(readFd, outAddress, out.capacity()) > 0) {
            // discarded
        }
    }

    void close() {
        s.libc.close(readFd);
        s.libc.close(writeFd);
        MemoryIO.getInstance().freeMemory(position);
    }
}
