package org.mapperfs.core.targets.logwrites;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * A dm-log-writes log read back (the kernel's format, see {@link WriteLog}) and replayed onto a
 * device or file, as fstests' replay-log does: entry by entry, to an entry, a mark or a flush.
 */
public final class LogReplay implements AutoCloseable {
    /** One entry: where it is in the log (sector), what it did. */
    public record Entry(long index, long logSector, long sector, long sectors, long flags, String mark) {
        public boolean isFlush() {
            return (flags & WriteLog.FLUSH) != 0;
        }

        public boolean isMark() {
            return (flags & WriteLog.MARK) != 0;
        }

        public boolean isDiscard() {
            return (flags & WriteLog.DISCARD) != 0;
        }
    }

    private final FileChannel log;
    private final List<Entry> entries;
    private final int sectorSize;

    private LogReplay(FileChannel log, List<Entry> entries, int sectorSize) {
        this.log = log;
        this.entries = entries;
        this.sectorSize = sectorSize;
    }

    /** Reads the super block and every entry header of {@code path}. */
    public static LogReplay open(Path path) throws IOException {
        FileChannel ch = FileChannel.open(path, StandardOpenOption.READ);
        try {
            ByteBuffer sb = read(ch, 0, WriteLog.SECTOR);
            if (sb.getLong(0) != WriteLog.MAGIC) {
                throw new IOException(path + " is not a log-writes log (no magic in its super block)");
            }
            if (sb.getLong(8) != WriteLog.VERSION) {
                throw new IOException(path + ": log version " + sb.getLong(8) + " (1 is supported)");
            }
            long count = sb.getLong(16);
            int sectorSize = sb.getInt(24);
            if (sectorSize < 512 || Integer.bitCount(sectorSize) != 1) {
                throw new IOException(path + ": bad sector size " + sectorSize);
            }
            List<Entry> entries = new ArrayList<>();
            long at = 1;
            for (long i = 0; i < count; i++) {
                ByteBuffer h = read(ch, at * sectorSize, sectorSize);
                long sector = h.getLong(0);
                long sectors = h.getLong(8);
                long flags = h.getLong(16);
                long dataLength = h.getLong(24);
                String mark = null;
                if ((flags & WriteLog.MARK) != 0) {
                    byte[] text = new byte[(int) Math.min(dataLength, sectorSize - WriteLog.ENTRY_HEADER)];
                    h.get(WriteLog.ENTRY_HEADER, text);
                    mark = new String(text, StandardCharsets.UTF_8);
                }
                entries.add(new Entry(i, at, sector, sectors, flags, mark));
                at += 1 + ((flags & (WriteLog.DISCARD | WriteLog.MARK | WriteLog.FLUSH)) != 0 ? 0 : sectors);
            }
            return new LogReplay(ch, Collections.unmodifiableList(entries), sectorSize);
        } catch (IOException | RuntimeException e) {
            ch.close();
            throw e;
        }
    }

    private static ByteBuffer read(FileChannel ch, long at, int length) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(length).order(ByteOrder.LITTLE_ENDIAN);
        while (b.hasRemaining()) {
            if (ch.read(b, at + b.position()) < 0) {
                throw new IOException("the log ends at byte " + (at + b.position()) + " inside an entry");
            }
        }
        return b.flip();
    }

    public List<Entry> entries() {
        return entries;
    }

    /** The index of the mark named {@code name}, or -1. */
    public long markIndex(String name) {
        for (Entry e : entries) {
            if (e.isMark() && name.equals(e.mark())) {
                return e.index();
            }
        }
        return -1;
    }

    /** The first flush entry at or after {@code from}, or -1. */
    public long nextFlush(long from) {
        for (long i = Math.max(0, from); i < entries.size(); i++) {
            if (entries.get((int) i).isFlush()) {
                return i;
            }
        }
        return -1;
    }

    /** Replays entries {@code from} (inclusive) to {@code to} (exclusive) onto {@code target}. */
    public void replay(FileChannel target, long from, long to) throws IOException {
        ByteBuffer zeros = ByteBuffer.allocate(64 * 1024);
        for (long i = from; i < Math.min(to, entries.size()); i++) {
            Entry e = entries.get((int) i);
            long bytes = e.sectors() * sectorSize;
            long dst = e.sector() * sectorSize;
            if (e.isDiscard()) {
                for (long done = 0; done < bytes; ) {
                    int n = (int) Math.min(zeros.capacity(), bytes - done);
                    writeFully(target, zeros.clear().limit(n), dst + done);
                    done += n;
                }
            } else if (!e.isMark() && !e.isFlush() && bytes > 0) {
                long src = (e.logSector() + 1) * sectorSize;
                for (long done = 0; done < bytes; ) {
                    int n = (int) Math.min(1 << 20, bytes - done);
                    ByteBuffer data = read(log, src + done, n);
                    writeFully(target, data, dst + done);
                    done += n;
                }
            } else if (e.isFlush()) {
                target.force(false);
            }
        }
        target.force(false);
    }

    private static void writeFully(FileChannel ch, ByteBuffer b, long at) throws IOException {
        while (b.hasRemaining()) {
            ch.write(b, at + b.position());
        }
    }

    @Override
    public void close() throws IOException {
        log.close();
    }
}
