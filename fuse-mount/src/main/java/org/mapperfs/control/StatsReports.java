package org.mapperfs.control;

import java.util.List;
import java.util.function.ToLongFunction;
import org.mapperfs.core.IoStats;
import org.mapperfs.core.IoStats.Counters;
import org.mapperfs.core.IoStats.Kind;
import org.mapperfs.core.MappedDevice;

/**
 * The device counters as text: the fields of dmstats' raw counters (the first eleven of its
 * thirteen, which are those of {@code /proc/diskstats}, times in milliseconds) under dmstats'
 * names, then discards, flushes, bytes and errors.
 */
public final class StatsReports {
    private StatsReports() {}

    /** One counter: its name and how to read it. */
    record Field(String name, ToLongFunction<Counters> value) {}

    static final List<Field> FIELDS = List.of(
            new Field("read_count", c -> c.ops(Kind.READ)),
            new Field("reads_merged_count", c -> 0),
            new Field("read_sector_count", c -> c.sectors(Kind.READ)),
            new Field("read_time", c -> IoStats.Counters.millis(c.nanos(Kind.READ))),
            new Field("write_count", c -> c.ops(Kind.WRITE)),
            new Field("writes_merged_count", c -> 0),
            new Field("write_sector_count", c -> c.sectors(Kind.WRITE)),
            new Field("write_time", c -> IoStats.Counters.millis(c.nanos(Kind.WRITE))),
            new Field("in_progress_count", Counters::inFlight),
            new Field("io_ticks", c -> IoStats.Counters.millis(c.busyNanos())),
            new Field("queue_ticks", c -> IoStats.Counters.millis(c.queueNanos())),
            new Field("discard_count", c -> c.ops(Kind.DISCARD)),
            new Field("discard_sector_count", c -> c.sectors(Kind.DISCARD)),
            new Field("discard_time", c -> IoStats.Counters.millis(c.nanos(Kind.DISCARD))),
            new Field("flush_count", c -> c.ops(Kind.FLUSH)),
            new Field("flush_time", c -> IoStats.Counters.millis(c.nanos(Kind.FLUSH))),
            new Field("read_bytes", c -> c.bytes(Kind.READ)),
            new Field("write_bytes", c -> c.bytes(Kind.WRITE)),
            new Field("error_count", Counters::errors));

    /** {@code .meta/NAME/stats}: one {@code field value} line per counter. */
    public static String meta(MappedDevice device) {
        Counters c = device.stats();
        StringBuilder sb = new StringBuilder();
        for (Field f : FIELDS) {
            sb.append(f.name()).append(' ').append(f.value().applyAsLong(c)).append('\n');
        }
        return sb.toString();
    }

    /** {@code stats}: a table, a device a row, the counters most read first. */
    static String table(List<MappedDevice> devices) {
        if (devices.isEmpty()) {
            return "No devices found\n";
        }
        String format = "%-16s %10s %12s %9s %10s %12s %9s %6s %9s %7s%n";
        StringBuilder sb = new StringBuilder(String.format(format, "Name", "Reads", "RdSectors", "RdMs", "Writes",
                "WrSectors", "WrMs", "InFl", "IoMs", "Errors"));
        for (MappedDevice d : devices) {
            Counters c = d.stats();
            sb.append(String.format(format, d.name(), c.ops(Kind.READ), c.sectors(Kind.READ),
                    Counters.millis(c.nanos(Kind.READ)), c.ops(Kind.WRITE), c.sectors(Kind.WRITE),
                    Counters.millis(c.nanos(Kind.WRITE)), c.inFlight(), Counters.millis(c.busyNanos()), c.errors()));
        }
        return sb.toString();
    }
}
