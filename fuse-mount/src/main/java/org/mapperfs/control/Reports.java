package org.mapperfs.control;

import java.util.List;
import org.mapperfs.core.BlockDevice;
import org.mapperfs.core.IoStats;
import org.mapperfs.core.MappedDevice;
import org.mapperfs.core.Mapper;
import org.mapperfs.core.Table;
import org.mapperfs.core.nbd.NbdDevice;

/** The text of dmsetup's reports: table, status, info, ls, deps; and the control file's listing. */
public final class Reports {
    private Reports() {}

    static String state(MappedDevice device) {
        return device.isSuspended() ? "SUSPENDED" : "ACTIVE";
    }

    /**
     * One device's table lines; with {@code prefix}, each line starts with {@code name: }. Keys
     * show as zeros unless {@code keys}, as in dmsetup.
     */
    static String table(Table table, String prefix, boolean keys) {
        return prefixed(keys ? table.text() : table.maskedText(), prefix);
    }

    static String status(MappedDevice device, String prefix) {
        return prefixed(device.liveTable().statusText(), prefix);
    }

    private static String prefixed(String lines, String prefix) {
        if (prefix == null) {
            return lines;
        }
        StringBuilder sb = new StringBuilder();
        for (String line : lines.split("\n")) {
            sb.append(prefix).append(": ").append(line).append('\n');
        }
        return sb.toString();
    }

    /** dmsetup info's block, with mapperfs's size line in place of major and minor. */
    public static String info(MappedDevice device) {
        boolean inactive = device.inactiveTable().isPresent();
        Table live = device.liveTable();
        IoStats.Counters stats = device.stats();
        return "Name:              " + device.name() + "\n"
                + "State:             " + state(device) + "\n"
                + "Tables present:    " + (inactive ? "LIVE & INACTIVE" : "LIVE") + "\n"
                + "Open count:        " + device.openCount() + "\n"
                + "Event number:      " + device.eventNumber() + "\n"
                + "Number of targets: " + live.segments().size() + "\n"
                + (device.uuid().isEmpty() ? "" : "UUID:              " + device.uuid() + "\n")
                + "Size:              " + live.sectors() + " sectors (" + live.size() + " bytes)\n"
                + "I/O:               " + stats.reads() + " reads (" + stats.readBytes() + " bytes), "
                + stats.writes() + " writes (" + stats.writeBytes() + " bytes), " + stats.errors() + " errors\n"
                + remotes(live);
    }

    /** A line per NBD export under the live table: its connection's state, and whether flushes reach it. */
    private static String remotes(Table live) {
        StringBuilder sb = new StringBuilder();
        for (BlockDevice d : live.devices()) {
            if (d instanceof NbdDevice nbd) {
                sb.append("Remote:            ").append(nbd.name()).append(' ').append(nbd.state())
                        .append(nbd.readOnly() ? ", read-only" : "")
                        .append(nbd.flushes() ? "" : ", no flush: writes are not known to be durable").append('\n');
            }
        }
        return sb.toString();
    }

    static String ls(List<MappedDevice> devices) {
        if (devices.isEmpty()) {
            return "No devices found\n";
        }
        StringBuilder sb = new StringBuilder();
        for (MappedDevice d : devices) {
            sb.append(d.name()).append('\t').append(state(d)).append('\t').append(d.liveTable().sectors())
                    .append(" sectors\n");
        }
        return sb.toString();
    }

    /** dmsetup deps: the devices a device's live table uses; with {@code prefix}, after {@code name: }. */
    static String deps(MappedDevice device, String prefix) {
        List<String> names = device.liveTable().devices().stream().map(BlockDevice::name).toList();
        StringBuilder sb = new StringBuilder(prefix == null ? "" : prefix + ": ").append(names.size())
                .append(" dependencies\t:");
        for (String name : names) {
            sb.append(" (").append(name).append(')');
        }
        return sb.append('\n').toString();
    }

    /** `ls --tree`: each device with the devices it stands on, indented. */
    static String tree(Mapper mapper) {
        StringBuilder sb = new StringBuilder();
        List<MappedDevice> devices = mapper.list();
        for (MappedDevice d : devices) {
            // Top: no live table stands on it (a user through an inactive table shows nothing yet).
            if (devices.stream().noneMatch(u -> u.liveTable().devices().contains(d))) {
                tree(sb, d, "");
            }
        }
        return sb.length() == 0 ? "No devices found\n" : sb.toString();
    }

    private static void tree(StringBuilder sb, BlockDevice device, String indent) {
        sb.append(indent).append(indent.isEmpty() ? "" : "└─").append(device.name()).append('\n');
        if (device instanceof MappedDevice m) {
            for (BlockDevice lower : m.liveTable().devices()) {
                tree(sb, lower, indent.isEmpty() ? " " : indent + "  ");
            }
        }
    }

    /** What reading the control file shows: every device, its state and its table. */
    public static String listing(Mapper mapper) {
        List<MappedDevice> devices = mapper.list();
        if (devices.isEmpty()) {
            return "# no devices\n";
        }
        StringBuilder sb = new StringBuilder();
        for (MappedDevice d : devices) {
            sb.append(d.name()).append(' ').append(state(d)).append(' ').append(d.liveTable().sectors())
                    .append(" sectors\n");
            for (String line : d.liveTable().maskedText().split("\n")) {
                sb.append("  ").append(line).append('\n');
            }
        }
        return sb.toString();
    }
}
