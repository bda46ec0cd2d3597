package org.mapperfs.control;

import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.model.registry.MultiCollector;
import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import io.prometheus.metrics.model.snapshots.CounterSnapshot.CounterDataPointSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot.GaugeDataPointSnapshot;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.function.ToDoubleFunction;
import org.mapperfs.core.IoStats.Counters;
import org.mapperfs.core.IoStats.Kind;
import org.mapperfs.core.MappedDevice;
import org.mapperfs.core.Mapper;

/**
 * The device counters in the Prometheus text format, named as node_exporter names a disk's
 * ({@code node_disk_*}) with the prefix {@code mapperfs_disk_} and the label {@code device}
 * (node_exporter leaves loop devices out, so the devices need series of their own). Also a
 * collector, for the daemon's optional HTTP endpoint.
 */
public final class PrometheusReport implements MultiCollector {
    private static final double NANOS = 1e9;

    private record Series(String name, String help, boolean counter, ToDoubleFunction<Counters> value) {}

    private static final List<Series> SERIES = List.of(
            counter("reads_completed", "The number of reads completed successfully.", c -> c.ops(Kind.READ)),
            counter("reads_merged", "The number of reads merged (mapperfs merges none).", c -> 0),
            counter("read_bytes", "The number of bytes read successfully.", c -> c.bytes(Kind.READ)),
            counter("read_time_seconds", "The total number of seconds spent by all reads.",
                    c -> c.nanos(Kind.READ) / NANOS),
            counter("writes_completed", "The number of writes completed successfully.", c -> c.ops(Kind.WRITE)),
            counter("writes_merged", "The number of writes merged (mapperfs merges none).", c -> 0),
            counter("written_bytes", "The number of bytes written successfully.", c -> c.bytes(Kind.WRITE)),
            counter("write_time_seconds", "The total number of seconds spent by all writes.",
                    c -> c.nanos(Kind.WRITE) / NANOS),
            new Series("io_now", "The number of I/Os currently in progress.", false, Counters::inFlight),
            counter("io_time_seconds", "Total seconds spent doing I/Os.", c -> c.busyNanos() / NANOS),
            counter("io_time_weighted_seconds", "The weighted number of seconds spent doing I/Os.",
                    c -> c.queueNanos() / NANOS),
            counter("discards_completed", "The number of discards completed successfully.",
                    c -> c.ops(Kind.DISCARD)),
            counter("discarded_sectors", "The number of sectors discarded successfully.",
                    c -> c.sectors(Kind.DISCARD)),
            counter("discard_time_seconds", "The total number of seconds spent by all discards.",
                    c -> c.nanos(Kind.DISCARD) / NANOS),
            counter("flush_requests", "The number of flush requests completed successfully.",
                    c -> c.ops(Kind.FLUSH)),
            counter("flush_requests_time_seconds", "The total number of seconds spent by all flush requests.",
                    c -> c.nanos(Kind.FLUSH) / NANOS),
            counter("errors", "The number of requests that failed with an I/O error.", Counters::errors));

    private static Series counter(String name, String help, ToDoubleFunction<Counters> value) {
        return new Series(name, help, true, value);
    }

    private final Mapper mapper;

    public PrometheusReport(Mapper mapper) {
        this.mapper = mapper;
    }

    @Override
    public MetricSnapshots collect() {
        List<MappedDevice> devices = mapper.list();
        List<Counters> counters = new ArrayList<>();
        for (MappedDevice d : devices) {
            counters.add(d.stats());
        }
        List<MetricSnapshot> snapshots = new ArrayList<>();
        for (Series s : SERIES) {
            String name = "mapperfs_disk_" + s.name();
            if (s.counter()) {
                CounterSnapshot.Builder b = CounterSnapshot.builder().name(name).help(s.help());
                for (int i = 0; i < devices.size(); i++) {
                    b.dataPoint(CounterDataPointSnapshot.builder().labels(Labels.of("device", devices.get(i).name()))
                            .value(s.value().applyAsDouble(counters.get(i))).build());
                }
                snapshots.add(b.build());
            } else {
                GaugeSnapshot.Builder b = GaugeSnapshot.builder().name(name).help(s.help());
                for (int i = 0; i < devices.size(); i++) {
                    b.dataPoint(GaugeDataPointSnapshot.builder().labels(Labels.of("device", devices.get(i).name()))
                            .value(s.value().applyAsDouble(counters.get(i))).build());
                }
                snapshots.add(b.build());
            }
        }
        GaugeSnapshot.Builder size = GaugeSnapshot.builder().name("mapperfs_device_size_bytes")
                .help("The size of the device in bytes.");
        GaugeSnapshot.Builder suspended = GaugeSnapshot.builder().name("mapperfs_device_suspended")
                .help("1 if the device is suspended, else 0.");
        for (MappedDevice d : devices) {
            Labels labels = Labels.of("device", d.name());
            size.dataPoint(GaugeDataPointSnapshot.builder().labels(labels).value(d.liveTable().size()).build());
            suspended.dataPoint(GaugeDataPointSnapshot.builder().labels(labels).value(d.isSuspended() ? 1 : 0)
                    .build());
        }
        snapshots.add(size.build());
        snapshots.add(suspended.build());
        return new MetricSnapshots(snapshots);
    }

    /** The whole exposition, as a textfile for node_exporter's textfile collector or a scrape. */
    public String text() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            PrometheusTextFormatWriter.create().write(out, collect(),
                    io.prometheus.metrics.config.EscapingScheme.ALLOW_UTF8);
        } catch (IOException e) {
            throw new UncheckedIOException(e); // a byte array does not fail
        }
        return out.toString(StandardCharsets.UTF_8);
    }
}
