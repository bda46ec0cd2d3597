package org.mapperfs.core.targets.logwrites;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import org.mapperfs.core.BlockDevice;
import org.mapperfs.core.Interrupts;

/**
 * The log of dm-log-writes, in the kernel's format (drivers/md/dm-log-writes.c; fstests'
 * replay-log reads it). Sector 0: the super block {le64 magic, le64 version 1, le64 entries,
 * le32 sector size}. Then one entry after another: a header sector {le64 sector, le64 sectors,
 * le64 flags, le64 data length} (a mark's text follows the header in that sector), then the
 * entry's data sectors.
 *
 * <p>A write or a discard takes its place in the log under {@code this} (its sectors and its
 * number, in the order the writes completed) and writes its header and data outside it, so the
 * entries of concurrent writes go to the log side by side. A flush or a mark is a barrier: it
 * holds new entries back, waits for the ones in flight, then writes itself and the super block,
 * whose count of entries so only ever covers entries whose sectors are all written.
 *
 * <p>A log write that fails stops the log, as a full log does: the super block keeps the count
 * of the last flush or mark before it, so the log still replays up to there.
 */
final class WriteLog {
    static final long MAGIC = 0x6a736677736872L;
    static final long VERSION = 1;
    static final int SECTOR = 512;
    static final long FLUSH = 1;
    static final long FUA = 2;
    static final long DISCARD = 4;
    static final long MARK = 8;
    static final long METADATA = 16;
    static final int ENTRY_HEADER = 32;
    /** Each thread's entry header (one for every log): entries are written outside the lock. */
    private static final ThreadLocal<ByteBuffer> HEADERS =
            ThreadLocal.withInitial(() -> ByteBuffer.allocateDirect(SECTOR).order(ByteOrder.LITTLE_ENDIAN));

    private final BlockDevice log;
    /** The super block, written under the lock. */
    private final ByteBuffer superBlock = ByteBuffer.allocateDirect(SECTOR).order(ByteOrder.LITTLE_ENDIAN);
    private long entries;
    /** The next free sector of the log. */
    private long next = 1;
    private boolean full;
    private boolean failed;
    /** Entries placed whose sectors are still being written. */
    private int inFlight;
    /** A flush or mark waits for the entries in flight; new entries wait for it. */
    private boolean barrier;

    WriteLog(BlockDevice log) {
        this.log = log;
    }

    synchronized long entries() {
        return entries;
    }

    synchronized long nextSector() {
        return next;
    }

    /** Why the log has stopped taking entries ("is full", "failed a write"), or null if it has not. */
    synchronized String stopped() {
        return full ? "is full" : failed ? "failed a write" : null;
    }

    /** Starts an empty log: a super block with no entries. */
    synchronized void start() throws IOException {
        entries = 0;
        next = 1;
        writeSuper();
    }

    /** Appends a write of {@code data} (whole sectors) at {@code sector}. False if the log has stopped. */
    boolean write(long sector, ByteBuffer data) throws IOException {
        return append(sector, data.remaining() / SECTOR, 0, data);
    }

    boolean discard(long sector, long sectors) throws IOException {
        return append(sector, sectors, DISCARD, null);
    }

    /** An entry, with {@code data} behind its header if it has any, written outside the lock. */
    private boolean append(long sector, long sectors, long flags, ByteBuffer data) throws IOException {
        long at = place(data == null ? 1 : 1 + sectors);
        if (at < 0) {
            return false;
        }
        boolean written = false;
        try {
            log.write(header(sector, sectors, flags, null), at * SECTOR);
            if (data != null) {
                log.write(data, (at + 1) * SECTOR);
            }
            written = true;
        } finally {
            landed(written);
        }
        return true;
    }

    /** A flush entry after every entry placed before it, then the super block: every flush is a replay point. */
    boolean flush() throws IOException {
        return barrierEntry(FLUSH, null);
    }

    boolean mark(String text) throws IOException {
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        if (bytes.length > SECTOR - ENTRY_HEADER) {
            throw new IOException("mark '" + text + "' is longer than " + (SECTOR - ENTRY_HEADER) + " bytes");
        }
        return barrierEntry(MARK, bytes);
    }

    /** Places an entry of {@code sectors}: its first sector, or -1 if the log has stopped. */
    private synchronized long place(long sectors) throws IOException {
        while (barrier) {
            Interrupts.await(this, "the log-writes log");
        }
        if (!room(sectors)) {
            return -1;
        }
        long at = next;
        next += sectors;
        entries++;
        inFlight++;
        return at;
    }

    private synchronized void landed(boolean written) {
        failed |= !written;
        if (--inFlight == 0) {
            notifyAll();
        }
    }

    /** A flush or mark entry, once every entry placed before it is written; then the super block. */
    private synchronized boolean barrierEntry(long flags, byte[] text) throws IOException {
        while (barrier) {
            Interrupts.await(this, "the log-writes log");
        }
        barrier = true;
        try {
            while (inFlight > 0) {
                Interrupts.await(this, "the log-writes log");
            }
            if (!room(1)) {
                return false;
            }
            long at = next++;
            entries++;
            boolean written = false;
            try {
                log.write(header(0, 0, flags, text), at * SECTOR);
                writeSuper();
                written = true;
            } finally {
                failed |= !written;
            }
            return true;
        } finally {
            barrier = false;
            notifyAll();
        }
    }

    private boolean room(long sectors) {
        if (full || failed) {
            return false;
        }
        if ((next + sectors) * SECTOR > log.size()) {
            full = true;
            return false;
        }
        return true;
    }

    private ByteBuffer header(long sector, long sectors, long flags, byte[] text) {
        ByteBuffer header = HEADERS.get();
        header.clear();
        header.putLong(sector).putLong(sectors).putLong(flags).putLong(text == null ? 0 : text.length);
        if (text != null) {
            header.put(text);
        }
        while (header.hasRemaining()) {
            header.put((byte) 0);
        }
        return header.flip();
    }

    private void writeSuper() throws IOException {
        superBlock.clear();
        superBlock.putLong(MAGIC).putLong(VERSION).putLong(entries).putInt(SECTOR);
        while (superBlock.hasRemaining()) {
            superBlock.put((byte) 0);
        }
        log.write(superBlock.flip(), 0);
    }
}
