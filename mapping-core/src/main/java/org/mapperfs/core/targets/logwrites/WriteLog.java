package org.mapperfs.core.targets.logwrites;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import org.mapperfs.core.BlockDevice;

/**
 * The log of dm-log-writes, in the kernel's format (drivers/md/dm-log-writes.c; fstests'
 * replay-log reads it). Sector 0: the super block {le64 magic, le64 version 1, le64 entries,
 * le32 sector size}. Then one entry after another: a header sector {le64 sector, le64 sectors,
 * le64 flags, le64 data length} (a mark's text follows the header in that sector), then the
 * entry's data sectors. Guarded by {@code this}: entries are appended one at a time.
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

    private final BlockDevice log;
    private final ByteBuffer header = ByteBuffer.allocate(SECTOR).order(ByteOrder.LITTLE_ENDIAN);
    private long entries;
    /** The next free sector of the log. */
    private long next = 1;
    private boolean full;
    private boolean failed;

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

    /** Appends a write of {@code data} (whole sectors) at {@code sector}. False if the log is full. */
    synchronized boolean write(long sector, ByteBuffer data) throws IOException {
        int sectors = data.remaining() / SECTOR;
        if (!room(1 + sectors)) {
            return false;
        }
        append(sector, sectors, 0, null, data);
        return true;
    }

    synchronized boolean discard(long sector, long sectors) throws IOException {
        if (!room(1)) {
            return false;
        }
        append(sector, sectors, DISCARD, null, null);
        return true;
    }

    /** A flush entry; the super block follows it, so that every flush is a replay point. */
    synchronized boolean flush() throws IOException {
        if (!room(1)) {
            return false;
        }
        append(0, 0, FLUSH, null, null);
        return true;
    }

    synchronized boolean mark(String text) throws IOException {
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        if (bytes.length > SECTOR - ENTRY_HEADER) {
            throw new IOException("mark '" + text + "' is longer than " + (SECTOR - ENTRY_HEADER) + " bytes");
        }
        if (!room(1)) {
            return false;
        }
        append(0, 0, MARK, bytes, null);
        return true;
    }

    /** An entry, with its data if it has any; a flush or mark is followed by the super block. */
    private void append(long sector, long sectors, long flags, byte[] text, ByteBuffer data) throws IOException {
        boolean written = false;
        try {
            entry(sector, sectors, flags, text);
            if (data != null) {
                log.write(data, next * SECTOR);
                next += sectors;
            }
            if ((flags & (FLUSH | MARK)) != 0) {
                writeSuper();
            }
            written = true;
        } finally {
            failed |= !written;
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

    private void entry(long sector, long sectors, long flags, byte[] text) throws IOException {
        header.clear();
        header.putLong(sector).putLong(sectors).putLong(flags).putLong(text == null ? 0 : text.length);
        if (text != null) {
            header.put(text);
        }
        while (header.hasRemaining()) {
            header.put((byte) 0);
        }
        header.flip();
        log.write(header, next * SECTOR);
        next++;
        entries++;
    }

    private void writeSuper() throws IOException {
        header.clear();
        header.putLong(MAGIC).putLong(VERSION).putLong(entries).putInt(SECTOR);
        while (header.hasRemaining()) {
            header.put((byte) 0);
        }
        header.flip();
        log.write(header, 0);
    }
}
