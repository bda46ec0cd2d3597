package org.mapperfs.core;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Which mapped devices use which: a device uses the devices its live or inactive table names.
 * {@link Mapper} asks for a device's users (a device in use is not removed, and closes after
 * them); {@link TableBuilder} asks whether a device reaches another (a table that would make a
 * cycle is refused).
 *
 * <p>Separate from the registry's verbs and from table building so that both answer from one
 * reading of the tables. {@code devices} is the mapper's own map, read here, never changed;
 * callers hold the mapper's lock, so no device is created, loaded or removed while it looks.
 */
final class DeviceGraph {
    private final Map<String, MappedDevice> devices;

    DeviceGraph(Map<String, MappedDevice> devices) {
        this.devices = devices;
    }

    /** The names of the devices whose live or inactive table uses {@code device}. */
    List<String> users(MappedDevice device) {
        List<String> users = new ArrayList<>();
        for (MappedDevice other : devices.values()) {
            if (other != device && usesDirectly(other, device)) {
                users.add(other.name());
            }
        }
        return users;
    }

    private static boolean usesDirectly(MappedDevice upper, MappedDevice lower) {
        if (upper.liveTable().devices().contains(lower)) {
            return true;
        }
        return upper.inactiveTable().map(t -> t.devices().contains(lower)).orElse(false);
    }

    /** True if {@code from} reaches {@code target} through live or inactive tables. */
    static boolean reaches(MappedDevice from, String target) {
        if (from.name().equals(target)) {
            return true;
        }
        List<Table> tables = new ArrayList<>(2);
        tables.add(from.liveTable());
        from.inactiveTable().ifPresent(tables::add);
        for (Table table : tables) {
            for (BlockDevice lower : table.devices()) {
                if (lower instanceof MappedDevice m && reaches(m, target)) {
                    return true;
                }
            }
        }
        return false;
    }
}
