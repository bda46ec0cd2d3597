package org.mapperfs.cli.dmsetup;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Function;

/**
 * {@code dmsetup info -c}: dm's report with its field names and headings. Aligned columns by
 * default; {@code --noheadings} without {@code --separator} gives dm's old unaligned form with
 * ':' between fields; {@code --separator S} sets the separator and drops alignment; {@code
 * --nameprefixes} prints {@code DM_FIELD='value'}; {@code -o +FIELD} adds to the defaults.
 */
final class InfoColumns {
    static final String DEFAULT_FIELDS = "name,major,minor,attr,open,segments,events,uuid";

    /** What one device shows. */
    record Row(String name, int major, int minor, String blkdevname, boolean suspended, boolean inactive,
            boolean readOnly, int open, int targets, long events, String uuid, long readAhead) {}

    private record Field(String name, String heading, boolean number, Function<Row, String> value) {}

    private static final List<Field> FIELDS = List.of(
            new Field("name", "Name", false, Row::name),
            new Field("major", "Maj", true, r -> String.valueOf(r.major())),
            new Field("minor", "Min", true, r -> String.valueOf(r.minor())),
            new Field("attr", "Stat", false, InfoColumns::attr),
            new Field("open", "Open", true, r -> String.valueOf(r.open())),
            new Field("segments", "Targ", true, r -> String.valueOf(r.targets())),
            new Field("events", "Event", true, r -> String.valueOf(r.events())),
            new Field("uuid", "UUID", false, Row::uuid),
            new Field("blkdevname", "BlkDevName", false, Row::blkdevname),
            new Field("devno", "DevNo", false, r -> r.major() + ":" + r.minor()),
            new Field("tables_loaded", "Tables", false,
                    r -> r.inactive() ? "Live & Inactive" : "Live"),
            new Field("suspended", "Suspended", false, r -> r.suspended() ? "Suspended" : "Active"),
            new Field("readonly", "Read-only", false, r -> r.readOnly() ? "Read-only" : "Writeable"),
            new Field("read_ahead", "RAhead", true, r -> String.valueOf(r.readAhead())));

    private final Getopt.Parsed options;

    InfoColumns(Getopt.Parsed options) {
        this.options = options;
    }

    /** dm's attr: live table, inactive table, suspended, read-only. */
    static String attr(Row r) {
        return "L" + (r.inactive() ? "I" : "-") + (r.suspended() ? "s" : "-") + (r.readOnly() ? "r" : "w");
    }

    List<String> fieldNames() throws DmFailure {
        String spec = options.has("options") ? options.value("options") : DEFAULT_FIELDS;
        if (spec.startsWith("+")) {
            spec = DEFAULT_FIELDS + "," + spec.substring(1);
        }
        List<String> names = new ArrayList<>();
        for (String name : spec.split(",")) {
            String n = name.strip();
            if (n.equals("all")) {
                FIELDS.forEach(f -> names.add(f.name()));
                continue;
            }
            if (FIELDS.stream().noneMatch(f -> f.name().equals(n))) {
                throw new DmFailure("Unrecognised field: " + n);
            }
            names.add(n);
        }
        return names;
    }

    void print(List<Row> rows, PrintWriter out) throws DmFailure {
        List<Field> fields = new ArrayList<>();
        for (String name : fieldNames()) {
            fields.add(FIELDS.stream().filter(f -> f.name().equals(name)).findFirst().orElseThrow());
        }
        boolean headings = !options.has("noheadings");
        boolean prefixes = options.has("nameprefixes");
        String separator = options.has("separator") ? options.value("separator") : headings || prefixes ? " " : ":";
        boolean aligned = !options.has("separator") && headings && !prefixes;
        int[] widths = new int[fields.size()];
        for (int i = 0; i < fields.size(); i++) {
            widths[i] = aligned ? fields.get(i).heading().length() : 0;
            for (Row r : rows) {
                widths[i] = aligned ? Math.max(widths[i], fields.get(i).value().apply(r).length()) : 0;
            }
        }
        if (headings && !prefixes) {
            String[] cells = new String[fields.size()];
            for (int i = 0; i < cells.length; i++) {
                cells[i] = pad(fields.get(i).heading(), widths[i], false, i == cells.length - 1);
            }
            out.println(String.join(separator, cells));
        }
        for (Row r : rows) {
            String[] cells = new String[fields.size()];
            for (int i = 0; i < cells.length; i++) {
                Field f = fields.get(i);
                String v = f.value().apply(r);
                cells[i] = prefixes ? "DM_" + f.name().toUpperCase() + "='" + v + "'"
                        : pad(v, widths[i], f.number(), i == cells.length - 1);
            }
            out.println(String.join(separator, cells));
        }
    }

    private static String pad(String v, int width, boolean right, boolean last) {
        if (v.length() >= width || (last && !right)) {
            return v;
        }
        char[] fill = new char[width - v.length()];
        Arrays.fill(fill, ' ');
        return right ? new String(fill) + v : v + new String(fill);
    }
}
