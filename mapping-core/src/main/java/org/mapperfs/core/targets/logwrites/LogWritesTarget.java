package org.mapperfs.core.targets.logwrites;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.Map;
import org.mapperfs.core.BlockDevice;
import org.mapperfs.core.Fields;
import org.mapperfs.core.MapperException;
import org.mapperfs.core.Sectors;
import org.mapperfs.core.TableException;
import org.mapperfs.core.Target;
import org.mapperfs.core.TargetArgs;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code log-writes <dev> <log_dev>}: dm-log-writes. Every write goes to {@code dev} and, once it
 * has completed, into the log on {@code log_dev} ({@link WriteLog}, the kernel's format); a flush
 * is logged after the writes that completed before it, so replaying the log to a flush entry
 * gives a state the device could have been in after a crash. Discards are logged too;
 * {@code dmsetup message NAME 0 mark TEXT} adds a mark. Status: {@code <#logged entries>
 * <highest allocated sector>}. The log starts anew when the table is created; at close it ends
 * with the mark {@code dm-log-writes-end}, as the kernel's does. A full log, or one a write to
 * which failed, stops logging (the device goes on) and says so once.
 *
 * <p>The loop driver offers no FUA: a file system's FUA writes reach mapperfs as a write and a
 * flush, so the log has flush entries where the kernel's would have FUA ones.
 */
public final class LogWritesTarget implements Target {
    static final String SYNTAX = "log-writes <dev> <log_dev>";
    static final String END_MARK = "dm-log-writes-end";
    private static final Logger log = LoggerFactory.getLogger(LogWritesTarget.class);

    private final BlockDevice device;
    private final BlockDevice logDevice;
    private final WriteLog writeLog;
    private boolean warned;

    private LogWritesTarget(BlockDevice device, BlockDevice logDevice) {
        this.device = device;
        this.logDevice = logDevice;
        this.writeLog = new WriteLog(logDevice);
    }

    public static Target create(TargetArgs args) throws TableException {
        args.expectRemaining(2, SYNTAX);
        BlockDevice device = args.nextDevice("dev");
        BlockDevice logDevice = args.nextDevice("log_dev");
        args.requireRange(device, 0, args.lengthSectors());
        if (Sectors.fromBytes(logDevice.size()) < 2) {
            throw args.error("log_dev " + logDevice.name() + " is too small for a log");
        }
        LogWritesTarget target = new LogWritesTarget(device, logDevice);
        try {
            target.writeLog.start();
        } catch (IOException e) {
            throw args.error("cannot start the log on " + logDevice.name() + ": " + e.getMessage());
        }
        return target;
    }

    @Override
    public String type() {
        return "log-writes";
    }

    @Override
    public String params() {
        return device.name() + " " + logDevice.name();
    }

    @Override
    public String status() {
        return writeLog.entries() + " " + writeLog.nextSector();
    }

    @Override
    public Map<String, Object> statusFields() {
        return Fields.of("logged_entries", writeLog.entries(), "highest_allocated_sector", writeLog.nextSector());
    }

    @Override
    public void read(ByteBuffer dst, long offset) throws IOException {
        device.read(dst, offset);
    }

    @Override
    public void write(ByteBuffer src, long offset) throws IOException {
        // Refused before the device sees it: the log could not hold a write it took.
        if (offset % WriteLog.SECTOR != 0 || src.remaining() % WriteLog.SECTOR != 0) {
            throw new IOException("log-writes: a write of " + src.remaining() + " bytes at " + offset
                    + " is not in whole sectors");
        }
        int start = src.position();
        device.write(src, offset);
        int end = src.position();
        src.position(start); // the same bytes again, into the log
        logged(writeLog.write(offset / WriteLog.SECTOR, src));
        src.position(end);
    }

    /** Flushes the device, then logs the flush after every write that completed before it. */
    @Override
    public void flush() throws IOException {
        device.flush();
        logDevice.flush();
        logged(writeLog.flush());
        logDevice.flush();
    }

    /** {@link #flush()} flushes both devices itself: the flush entry must follow durable data. */
    @Override
    public List<BlockDevice> flushedByTable() {
        return List.of();
    }

    @Override
    public void discard(long offset, long length) throws IOException {
        device.discard(offset, length);
        logged(writeLog.discard(offset / WriteLog.SECTOR, length / WriteLog.SECTOR));
    }

    private void logged(boolean ok) {
        String why = ok ? null : writeLog.stopped();
        if (why != null) {
            synchronized (this) {
                if (!warned) {
                    log.warn("log-writes {}: the log on {} {}; writes are no longer logged", device.name(),
                            logDevice.name(), why);
                    warned = true;
                }
            }
        }
    }

    @Override
    public String message(List<String> args) throws MapperException {
        if (args.size() < 2 || !args.get(0).equals("mark")) {
            throw new MapperException(MapperException.Reason.INVALID, "log-writes: expected 'mark <description>'");
        }
        try {
            logged(writeLog.mark(String.join(" ", args.subList(1, args.size()))));
            logDevice.flush();
        } catch (IOException e) {
            throw new MapperException(MapperException.Reason.IO, "log-writes: mark: " + e.getMessage(), e);
        }
        return "";
    }

    @Override
    public void close() {
        try {
            writeLog.mark(END_MARK);
            logDevice.flush();
        } catch (IOException e) {
            log.warn("log-writes {}: could not write the end mark: {}", device.name(), e.toString());
        }
    }

    @Override
    public List<BlockDevice> devices() {
        return List.of(device, logDevice);
    }
}
