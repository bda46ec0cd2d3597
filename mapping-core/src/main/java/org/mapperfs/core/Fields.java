package org.mapperfs.core;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Named fields in the order given, for {@link Target#statusFields()}:
 * {@code Fields.of("device", device.name(), "enabled", enabled)}.
 */
public final class Fields {
    private Fields() {}

    /**
     * A map of {@code name, value, name, value, ...}, in that order, that cannot be changed. A
     * name given twice keeps its first place and its last value.
     *
     * @param namesAndValues names (strings) and values, alternating
     * @return the fields, in order
     * @throws IllegalArgumentException if the arguments do not come in pairs
     * @throws ClassCastException if a name is not a string
     */
    public static Map<String, Object> of(Object... namesAndValues) {
        if (namesAndValues.length % 2 != 0) {
            throw new IllegalArgumentException("names and values come in pairs");
        }
        Map<String, Object> fields = new LinkedHashMap<>();
        for (int i = 0; i < namesAndValues.length; i += 2) {
            fields.put((String) namesAndValues[i], namesAndValues[i + 1]);
        }
        return Collections.unmodifiableMap(fields);
    }
}
