package org.mapperfs.core;

import com.google.common.base.Preconditions;
import com.google.common.collect.ImmutableList;
import com.google.common.collect.ImmutableSet;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * An immutable, ordered list of contiguous segments starting at sector 0. Finds the segment
 * of an offset by binary search and splits requests that cross segment boundaries, so
 * targets see only segment-relative, in-range requests.
 *
 * <p>I/O methods are thread-safe and take byte offsets; a request outside {@code [0, size())}
 * fails with an {@link IOException} before any target sees it. A {@link MappedDevice} puts its
 * suspend gate in front of its table; a table used on its own has none. Closing the table
 * closes its targets and releases the devices they were given.
 */
public final class Table implements AutoCloseable {
    private final ImmutableList<Segment> segments;
    /** Byte offset where each segment starts, for the binary search. */
    private final long[] starts;
    private final Target[] targets;
    private final long size;
    private final ImmutableSet<BlockDevice> devices;
    /** What {@link #flush()} flushes after the targets: {@link Target#flushedByTable()}, each once. */
    private final ImmutableSet<BlockDevice> flushed;
    private final Runnable release;

    /**
     * A table of already built segments. {@link #build} is the usual way to make one.
     *
     * @param segments the segments in order, the first at sector 0, each starting where the
     *     one before ends
     * @param release run by {@link #close()} after the targets are closed, to release the
     *     devices they were given
     * @throws IllegalArgumentException if there are no segments, or they leave a gap or overlap
     */
    public Table(List<Segment> segments, Runnable release) {
        Preconditions.checkArgument(!segments.isEmpty(), "a table has at least one segment");
        this.segments = ImmutableList.copyOf(segments);
        this.starts = new long[segments.size()];
        this.targets = new Target[segments.size()];
        long next = 0;
        for (int i = 0; i < segments.size(); i++) {
            Segment s = segments.get(i);
            Preconditions.checkArgument(s.startSector() == next, "segment %s does not start at %s", i, next);
            starts[i] = Sectors.toBytes(s.startSector());
            targets[i] = s.target();
            next = s.startSector() + s.lengthSectors();
        }
        this.size = Sectors.toBytes(next);
        Set<BlockDevice> all = new LinkedHashSet<>();
        Set<BlockDevice> flushed = new LinkedHashSet<>();
        for (Segment s : segments) {
            all.addAll(s.target().devices());
            flushed.addAll(s.target().flushedByTable());
        }
        this.devices = ImmutableSet.copyOf(all);
        this.flushed = ImmutableSet.copyOf(flushed);
        this.release = release;
    }

    /**
     * Parses {@code text} and builds every target. On any error, everything the partial build
     * acquired is released before the exception is thrown.
     *
     * @param text the table in dmsetup's text form: {@code <start> <length> <type> <args...>}
     *     a line, in 512-byte sectors
     * @param registry the factories, by target type
     * @param resolver turns a {@code <dev>} argument into a device
     * @param release run when the table is closed, or at once if the build fails, to release
     *     what {@code resolver} handed out
     * @return the table, with its targets built but not resumed
     * @throws TableException if a line is malformed, names an unknown type, or its target's
     *     factory refuses it
     */
    public static Table build(String text, TargetRegistry registry, DeviceResolver resolver, Runnable release)
            throws TableException {
        return build(text, registry, resolver, release, DeviceEvents.none());
    }

    /**
     * As {@link #build(String, TargetRegistry, DeviceResolver, Runnable)}, with the device's
     * events.
     *
     * @param text the table in dmsetup's text form
     * @param registry the factories, by target type
     * @param resolver turns a {@code <dev>} argument into a device
     * @param release run when the table is closed, or at once if the build fails
     * @param events given to each factory as {@link TargetArgs#events()}
     * @return the table, with its targets built but not resumed
     * @throws TableException if a line is malformed, names an unknown type, or its target's
     *     factory refuses it
     */
    public static Table build(String text, TargetRegistry registry, DeviceResolver resolver, Runnable release,
            DeviceEvents events) throws TableException {
        List<TableLine> lines = TableParser.parse(text);
        List<Segment> segments = new ArrayList<>(lines.size());
        try {
            for (TableLine line : lines) {
                TargetFactory factory = registry.factory(line.type()).orElseThrow(() -> new TableException(
                        "line " + line.line() + ": unknown target type '" + line.type() + "' (known: "
                                + String.join(", ", registry.types()) + ")"));
                TargetArgs args = new TargetArgs(line.line(), line.type(), line.length(), line.args(), resolver,
                        events);
                segments.add(new Segment(line.start(), line.length(), factory.create(args)));
            }
        } catch (TableException | RuntimeException e) {
            segments.forEach(s -> s.target().close());
            release.run();
            throw e;
        }
        return new Table(segments, release);
    }

    /**
     * The table's size: the end of its last segment.
     *
     * @return the size in bytes
     */
    public long size() {
        return size;
    }

    /**
     * The table's size in sectors.
     *
     * @return the size in 512-byte sectors
     */
    public long sectors() {
        return Sectors.fromBytes(size);
    }

    /**
     * The segments, in order of their start.
     *
     * @return the segments
     */
    public ImmutableList<Segment> segments() {
        return segments;
    }

    /**
     * The segment holding byte {@code offset}.
     *
     * @param offset a byte offset in {@code [0, size())}
     * @return the segment's index in {@link #segments()}; for an offset past the end, the last
     *     segment's
     */
    public int segmentIndex(long offset) {
        int i = Arrays.binarySearch(starts, offset);
        return i >= 0 ? i : -i - 2;
    }

    /**
     * The segment holding a sector.
     *
     * @param sector a sector in {@code [0, sectors())}
     * @return the segment
     * @throws IllegalArgumentException if the sector is outside the table
     */
    public Segment segmentAtSector(long sector) {
        Preconditions.checkArgument(sector >= 0 && sector < sectors(), "sector %s outside the table", sector);
        return segments.get(segmentIndex(Sectors.toBytes(sector)));
    }

    /**
     * Reads {@code dst.remaining()} bytes at {@code offset}, from each segment in turn; leaves
     * the position of {@code dst} at its limit.
     *
     * @param dst the buffer to fill from its position to its limit
     * @param offset byte offset in the table
     * @throws IOException if the range is outside the table or a target failed
     */
    public void read(ByteBuffer dst, long offset) throws IOException {
        transfer(dst, offset, false);
    }

    /**
     * Hands the {@code length} bytes at {@code offset} to {@code sink} as one range of an open
     * file, or piece by piece, where they lie inside one segment whose target can (see {@link
     * BlockDevice#readRange}); false, having done nothing, where not.
     *
     * @param offset byte offset in the table
     * @param length bytes to read
     * @param sink what takes the file range
     * @return whether {@code sink} took the bytes
     * @throws IOException if the range is outside the table, or the sink failed
     */
    public boolean readRange(long offset, int length, FileRangeSink sink) throws IOException {
        checkRange(offset, length);
        int i = segmentIndex(offset);
        long segmentEnd = i + 1 < starts.length ? starts[i + 1] : size;
        return offset + length <= segmentEnd && targets[i].readRange(offset - starts[i], length, sink);
    }

    /**
     * Writes {@code src.remaining()} bytes at {@code offset}, to each segment in turn; leaves the
     * position of {@code src} at its limit.
     *
     * @param src the bytes from its position to its limit
     * @param offset byte offset in the table
     * @throws IOException if the range is outside the table or a target failed
     */
    public void write(ByteBuffer src, long offset) throws IOException {
        transfer(src, offset, true);
    }

    private void transfer(ByteBuffer buffer, long offset, boolean write) throws IOException {
        checkRange(offset, buffer.remaining());
        int end = buffer.limit();
        long position = offset;
        int i = segmentIndex(offset);
        try {
            while (buffer.position() < end) {
                long segmentEnd = i + 1 < starts.length ? starts[i + 1] : size;
                int n = (int) Math.min(end - buffer.position(), segmentEnd - position);
                buffer.limit(buffer.position() + n);
                if (write) {
                    targets[i].write(buffer, position - starts[i]);
                } else {
                    targets[i].read(buffer, position - starts[i]);
                }
                position += n;
                i++;
            }
        } finally {
            buffer.limit(end);
        }
    }

    /**
     * Discards a range, each segment's part by its target.
     *
     * @param offset byte offset in the table
     * @param length length in bytes
     * @throws IOException if the range is outside the table or a target failed
     */
    public void discard(long offset, long length) throws IOException {
        checkRange(offset, length);
        long position = offset;
        long end = offset + length;
        for (int i = segmentIndex(offset); position < end; i++) {
            long segmentEnd = i + 1 < starts.length ? starts[i + 1] : size;
            long n = Math.min(end, segmentEnd) - position;
            targets[i].discard(position - starts[i], n);
            position += n;
        }
    }

    /**
     * Makes every acknowledged write durable: each target writes out what it holds, then every
     * device under the table is flushed once, even where several segments share one (a target
     * may flush some of its own; see {@link Target#flushedByTable()}).
     *
     * @throws IOException the first failure, with later ones suppressed; every target and
     *     device is still tried
     */
    public void flush() throws IOException {
        IOException first = null;
        for (Target target : targets) {
            try {
                target.flush();
            } catch (IOException e) {
                first = addFailure(first, e);
            }
        }
        for (BlockDevice device : flushed) {
            try {
                device.flush();
            } catch (IOException e) {
                first = addFailure(first, e);
            }
        }
        if (first != null) {
            throw first;
        }
    }

    private static IOException addFailure(IOException first, IOException e) {
        if (first == null) {
            return e;
        }
        first.addSuppressed(e);
        return first;
    }

    /**
     * Tells every target that the device is being suspended (see {@link Target#presuspend()});
     * false as soon as one gave up, and then the caller resumes the table.
     */
    boolean presuspend() {
        for (Target target : targets) {
            if (!target.presuspend()) {
                return false;
            }
        }
        return true;
    }

    /** Tells every target that the table is live and I/O flows (see {@link Target#resume()}). */
    void resume() {
        for (Target target : targets) {
            target.resume();
        }
    }

    /**
     * Every device under this table's targets, each once, in table order.
     *
     * @return the union of the targets' {@link Target#devices()}
     */
    public ImmutableSet<BlockDevice> devices() {
        return devices;
    }

    private void checkRange(long offset, long length) throws IOException {
        if (offset < 0 || length < 0 || offset > size - length) {
            throw new IOException("request of " + length + " bytes at offset " + offset
                    + " is outside the device's " + size + " bytes");
        }
    }

    /**
     * The table in dmsetup's text form; parses back to an equal table.
     *
     * @return one {@link Segment#line()} a line, each ending in a newline
     */
    public String text() {
        StringBuilder sb = new StringBuilder();
        for (Segment s : segments) {
            sb.append(s.line()).append('\n');
        }
        return sb.toString();
    }

    /**
     * As {@link #text()}, with secrets hidden: what reports print unless keys are asked for.
     *
     * @return one {@link Segment#maskedLine()} a line, each ending in a newline
     */
    public String maskedText() {
        StringBuilder sb = new StringBuilder();
        for (Segment s : segments) {
            sb.append(s.maskedLine()).append('\n');
        }
        return sb.toString();
    }

    /**
     * The status in dmsetup's form, as {@code dmsetup status} prints it.
     *
     * @return one {@link Segment#statusLine()} a line, each ending in a newline
     */
    public String statusText() {
        StringBuilder sb = new StringBuilder();
        for (Segment s : segments) {
            sb.append(s.statusLine()).append('\n');
        }
        return sb.toString();
    }

    /**
     * Closes every target ({@link Target#close()}), then releases the devices they were given.
     * Call it once, when no I/O is in flight.
     */
    @Override
    public void close() {
        for (Segment s : segments) {
            s.target().close();
        }
        release.run();
    }
}
