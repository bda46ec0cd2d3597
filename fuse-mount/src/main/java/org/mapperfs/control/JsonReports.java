package org.mapperfs.control;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Map;
import org.mapperfs.core.BlockDevice;
import org.mapperfs.core.IoStats;
import org.mapperfs.core.MappedDevice;
import org.mapperfs.core.Segment;
import org.mapperfs.core.Table;
import org.mapperfs.core.TargetRegistry;
import org.mapperfs.core.nbd.NbdDevice;

/**
 * The reports as JSON, one object per command: {@code {"devices": [...]}} (or {@code "targets"}),
 * numbers as numbers, null where dmsetup prints nothing or {@code -}. The schema of each is in
 * the README ("JSON reports"); fields are only ever added to it. Written with Jackson's streaming
 * generator: the reports are built field by field from live objects, so no object tree or
 * binding is needed, and the generator does the escaping and number formatting.
 */
final class JsonReports {
    private static final JsonFactory FACTORY = new JsonFactory();

    private final Host host;

    JsonReports(Host host) {
        this.host = host;
    }

    private interface Body {
        void write(JsonGenerator g) throws IOException;
    }

    private interface Item {
        void write(JsonGenerator g, MappedDevice d) throws IOException;
    }

    private static String document(Body body) {
        StringWriter out = new StringWriter();
        try (JsonGenerator g = FACTORY.createGenerator(out)) {
            g.writeStartObject();
            body.write(g);
            g.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e); // a StringWriter does not fail
        }
        return out + "\n";
    }

    /** {@code {"devices": [ {name, uuid, ...item}, ... ]}}. */
    private static String devices(List<MappedDevice> devices, Item item) {
        return document(g -> {
            g.writeArrayFieldStart("devices");
            for (MappedDevice d : devices) {
                g.writeStartObject();
                g.writeStringField("name", d.name());
                g.writeStringField("uuid", d.uuid().isEmpty() ? null : d.uuid());
                item.write(g, d);
                g.writeEndObject();
            }
            g.writeEndArray();
        });
    }

    String ls(List<MappedDevice> devices) {
        return devices(devices, (g, d) -> {
            g.writeStringField("state", Reports.state(d));
            g.writeNumberField("sectors", d.liveTable().sectors());
        });
    }

    String info(List<MappedDevice> devices) {
        return devices(devices, (g, d) -> {
            Table live = d.liveTable();
            g.writeStringField("state", Reports.state(d));
            g.writeArrayFieldStart("tables_present");
            g.writeString("LIVE");
            if (d.inactiveTable().isPresent()) {
                g.writeString("INACTIVE");
            }
            g.writeEndArray();
            g.writeNumberField("open_count", d.openCount());
            g.writeNumberField("event_number", d.eventNumber());
            g.writeNumberField("target_count", live.segments().size());
            g.writeNumberField("sectors", live.sectors());
            g.writeNumberField("size_bytes", live.size());
            g.writeArrayFieldStart("loop_devices");
            for (String loop : host.loopsAttachedTo(host.mountPoint().resolve(d.name()))) {
                g.writeString(loop);
            }
            g.writeEndArray();
            g.writeArrayFieldStart("remotes");
            for (BlockDevice lower : live.devices()) {
                if (lower instanceof NbdDevice nbd) {
                    g.writeStartObject();
                    g.writeStringField("uri", nbd.name());
                    g.writeStringField("state", nbd.state());
                    g.writeBooleanField("read_only", nbd.readOnly());
                    g.writeBooleanField("flushes", nbd.flushes());
                    g.writeEndObject();
                }
            }
            g.writeEndArray();
        });
    }

    /** Both tables, the inactive one null when there is none; keys as zeros unless {@code keys}. */
    String table(List<MappedDevice> devices, boolean keys) {
        return devices(devices, (g, d) -> {
            g.writeFieldName("live");
            segments(g, d.liveTable(), keys);
            g.writeFieldName("inactive");
            Table inactive = d.inactiveTable().orElse(null);
            if (inactive == null) {
                g.writeNull();
            } else {
                segments(g, inactive, keys);
            }
        });
    }

    private static void segments(JsonGenerator g, Table table, boolean keys) throws IOException {
        g.writeStartArray();
        for (Segment s : table.segments()) {
            segmentStart(g, s);
            g.writeStringField("params", keys ? s.target().params() : s.target().maskedParams());
            g.writeEndObject();
        }
        g.writeEndArray();
    }

    private static void segmentStart(JsonGenerator g, Segment s) throws IOException {
        g.writeStartObject();
        g.writeNumberField("start", s.startSector());
        g.writeNumberField("length", s.lengthSectors());
        g.writeStringField("target", s.target().type());
    }

    /** Each segment's dm status line ({@code status}, null where dm prints none) and its named fields. */
    String status(List<MappedDevice> devices) {
        return devices(devices, (g, d) -> {
            g.writeArrayFieldStart("segments");
            for (Segment s : d.liveTable().segments()) {
                segmentStart(g, s);
                String raw = s.target().status();
                g.writeStringField("status", raw.isEmpty() ? null : raw);
                g.writeFieldName("fields");
                value(g, s.target().statusFields());
                g.writeEndObject();
            }
            g.writeEndArray();
        });
    }

    String deps(List<MappedDevice> devices) {
        return devices(devices, (g, d) -> {
            g.writeArrayFieldStart("dependencies");
            for (BlockDevice lower : d.liveTable().devices()) {
                g.writeStartObject();
                g.writeStringField("name", lower.name());
                g.writeStringField("kind", lower instanceof MappedDevice ? "device" : "file");
                g.writeEndObject();
            }
            g.writeEndArray();
        });
    }

    static String targets(TargetRegistry registry) {
        return document(g -> {
            g.writeArrayFieldStart("targets");
            for (String type : registry.types()) {
                g.writeStartObject();
                g.writeStringField("name", type);
                g.writeArrayFieldStart("version");
                for (String part : TargetRegistry.kernelVersion(type).orElse("1.0.0").split("\\.")) {
                    g.writeNumber(Integer.parseInt(part));
                }
                g.writeEndArray();
                g.writeEndObject();
            }
            g.writeEndArray();
        });
    }

    /** The counters of {@link StatsReports#FIELDS}, by the same names. */
    String stats(List<MappedDevice> devices) {
        return devices(devices, (g, d) -> {
            IoStats.Counters c = d.stats();
            for (StatsReports.Field f : StatsReports.FIELDS) {
                g.writeNumberField(f.name(), f.value().applyAsLong(c));
            }
        });
    }

    /** A status field's value: numbers, strings, booleans, null, lists and maps of these. */
    private static void value(JsonGenerator g, Object v) throws IOException {
        if (v == null) {
            g.writeNull();
        } else if (v instanceof Map<?, ?> map) {
            g.writeStartObject();
            for (Map.Entry<?, ?> e : map.entrySet()) {
                g.writeFieldName(String.valueOf(e.getKey()));
                value(g, e.getValue());
            }
            g.writeEndObject();
        } else if (v instanceof List<?> list) {
            g.writeStartArray();
            for (Object item : list) {
                value(g, item);
            }
            g.writeEndArray();
        } else if (v instanceof Boolean b) {
            g.writeBoolean(b);
        } else if (v instanceof Integer || v instanceof Long) {
            g.writeNumber(((Number) v).longValue());
        } else if (v instanceof Number n) {
            g.writeNumber(n.doubleValue());
        } else {
            g.writeString(v.toString());
        }
    }
}
