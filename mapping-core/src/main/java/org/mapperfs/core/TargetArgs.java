package org.mapperfs.core;

import com.google.common.collect.ImmutableList;
import java.util.List;

/**
 * The arguments of one table line, read front to back by a {@link TargetFactory}. Every error
 * it builds names the line, the target and the field, like the kernel's {@code ti->error}.
 */
public final class TargetArgs {
    private final int line;
    private final String type;
    private final long lengthSectors;
    private final ImmutableList<String> args;
    private final DeviceResolver resolver;
    private final DeviceEvents events;
    private int next;

    public TargetArgs(int line, String type, long lengthSectors, List<String> args,
            DeviceResolver resolver) {
        this(line, type, lengthSectors, args, resolver, DeviceEvents.none());
    }

    public TargetArgs(int line, String type, long lengthSectors, List<String> args,
            DeviceResolver resolver, DeviceEvents events) {
        this.line = line;
        this.type = type;
        this.lengthSectors = lengthSectors;
        this.args = ImmutableList.copyOf(args);
        this.resolver = resolver;
        this.events = events;
    }

    /** Raises the event of the device this table is for. */
    public DeviceEvents events() {
        return events;
    }

    public String type() {
        return type;
    }

    public long lengthSectors() {
        return lengthSectors;
    }

    public long lengthBytes() {
        return Sectors.toBytes(lengthSectors);
    }

    public int remaining() {
        return args.size() - next;
    }

    public TableException error(String message) {
        return new TableException("line " + line + ": " + type + ": " + message);
    }

    /** Fails unless exactly {@code count} arguments are left. */
    public void expectRemaining(int count, String grammar) throws TableException {
        if (remaining() != count) {
            throw error("expected " + count + " arguments (" + grammar + "), got " + remaining());
        }
    }

    /** Fails unless every argument has been read. */
    public void expectEnd(String grammar) throws TableException {
        if (remaining() != 0) {
            throw error("unexpected argument '" + args.get(next) + "' (syntax: " + grammar + ")");
        }
    }

    /**
     * The kernel's optional tail {@code [<#opt_params> <opt_params>...]}: the count, then exactly
     * that many words, which end the line. Empty when nothing is left.
     */
    public List<String> optionalParams(int max) throws TableException {
        if (remaining() == 0) {
            return List.of();
        }
        long count = nextLong("#opt_params", 0, max);
        if (remaining() != count) {
            throw error("#opt_params is " + count + " but " + remaining() + " follow");
        }
        List<String> params = List.copyOf(args.subList(next, args.size()));
        next = args.size();
        return params;
    }

    public String next(String field) throws TableException {
        if (remaining() == 0) {
            throw error("missing " + field);
        }
        return args.get(next++);
    }

    /** A non-negative decimal number, as every size and offset in a table is. */
    public long nextLong(String field, long min, long max) throws TableException {
        String text = next(field);
        long value;
        try {
            value = Long.parseLong(text);
        } catch (NumberFormatException e) {
            throw error("invalid " + field + " '" + text + "': not a number");
        }
        if (value < min || value > max) {
            throw error("invalid " + field + " " + value + ": must be between " + min + " and " + max);
        }
        return value;
    }

    public int nextInt(String field, int min, int max) throws TableException {
        return (int) nextLong(field, min, max);
    }

    /** An offset in sectors; at most what fits in a byte offset. */
    public long nextSectors(String field) throws TableException {
        return nextLong(field, 0, Long.MAX_VALUE >>> Sectors.SHIFT);
    }

    public BlockDevice nextDevice(String field) throws TableException {
        String arg = next(field);
        try {
            return resolver.resolve(arg);
        } catch (TableException e) {
            throw error(field + " " + e.getMessage());
        }
    }

    /** Fails unless {@code device} holds {@code sectors} sectors starting at {@code offset}. */
    public void requireRange(BlockDevice device, long offsetSectors, long sectors)
            throws TableException {
        // Compared without adding: offset + length in bytes can overflow, and a huge offset
        // would then pass the check.
        long has = Sectors.fromBytes(device.size());
        if (offsetSectors > has || sectors > has - offsetSectors) {
            throw error(device.name() + " is too small: needs " + (offsetSectors + sectors)
                    + " sectors (" + sectors + " from offset " + offsetSectors + "), has " + has);
        }
    }
}
