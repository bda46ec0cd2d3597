package org.mapperfs.core;

import com.google.common.collect.ImmutableList;
import java.util.List;

/**
 * The arguments of one table line, read front to back by a {@link TargetFactory}. Every error
 * it builds names the line, the target and the field, like the kernel's {@code ti->error}.
 *
 * <p>The {@code next...} methods each consume one word and throw a {@link TableException} if it
 * is missing or invalid; {@link #expectRemaining} and {@link #expectEnd} check the count. Sizes
 * and offsets in a table are in 512-byte sectors; {@link #lengthBytes()} and {@link Sectors}
 * convert. The factory of {@code linear}:
 *
 * <pre>{@code
 * public static Target create(TargetArgs args) throws TableException {
 *     args.expectRemaining(2, "linear <dev> <offset>");
 *     BlockDevice device = args.nextDevice("dev");
 *     long offset = args.nextSectors("offset");
 *     args.requireRange(device, offset, args.lengthSectors());
 *     return new LinearTarget(device, offset);
 * }
 * }</pre>
 *
 * <p>Not thread-safe: one factory reads it, once, on the thread that builds the table.
 */
public final class TargetArgs {
    private final int line;
    private final String type;
    private final long lengthSectors;
    private final ImmutableList<String> args;
    private final DeviceResolver resolver;
    private final DeviceEvents events;
    private int next;

    /**
     * Arguments whose target raises no events; for building a target outside a mapper, as a
     * test does.
     *
     * @param line the line number in the table text, from 1, for error messages
     * @param type the target's table name
     * @param lengthSectors the segment's length in sectors
     * @param args the words after {@code <start> <length> <type>}; copied
     * @param resolver turns a {@code <dev>} word into a device, for {@link #nextDevice}
     */
    public TargetArgs(int line, String type, long lengthSectors, List<String> args,
            DeviceResolver resolver) {
        this(line, type, lengthSectors, args, resolver, DeviceEvents.none());
    }

    /**
     * The arguments of one line, as {@link Table#build} makes them.
     *
     * @param line the line number in the table text, from 1, for error messages
     * @param type the target's table name
     * @param lengthSectors the segment's length in sectors
     * @param args the words after {@code <start> <length> <type>}; copied
     * @param resolver turns a {@code <dev>} word into a device, for {@link #nextDevice}
     * @param events the events of the device the table is for, for {@link #events()}
     */
    public TargetArgs(int line, String type, long lengthSectors, List<String> args,
            DeviceResolver resolver, DeviceEvents events) {
        this.line = line;
        this.type = type;
        this.lengthSectors = lengthSectors;
        this.args = ImmutableList.copyOf(args);
        this.resolver = resolver;
        this.events = events;
    }

    /**
     * Raises the event of the device this table is for. A target that reports something (a leg
     * failed, a merge ended) keeps this and calls {@link DeviceEvents#raise()}; events raised
     * before the device exists are dropped.
     *
     * @return the device's events; events that go nowhere outside a mapper
     */
    public DeviceEvents events() {
        return events;
    }

    /**
     * The target's table name, as the line gives it.
     *
     * @return the type, e.g. {@code linear}
     */
    public String type() {
        return type;
    }

    /**
     * The segment's length, the line's {@code <length>}.
     *
     * @return the length in 512-byte sectors, at least 1 for a parsed table
     */
    public long lengthSectors() {
        return lengthSectors;
    }

    /**
     * The segment's length in bytes: {@link #lengthSectors()} times 512. Requests to the target
     * lie inside {@code [0, lengthBytes())}.
     *
     * @return the length in bytes
     */
    public long lengthBytes() {
        return Sectors.toBytes(lengthSectors);
    }

    /**
     * How many arguments are left to read.
     *
     * @return the number of words not yet consumed
     */
    public int remaining() {
        return args.size() - next;
    }

    /**
     * Builds (does not throw) the exception for a bad argument, as {@code line N: type: message}.
     * Use it as {@code throw args.error("invalid blksz " + n + ": must be a power of 2")}.
     *
     * @param message what is wrong, naming the field
     * @return the exception to throw
     */
    public TableException error(String message) {
        return new TableException("line " + line + ": " + type + ": " + message);
    }

    /**
     * Fails unless exactly {@code count} arguments are left. Consumes nothing.
     *
     * @param count the number of arguments the target takes from here
     * @param grammar the target's syntax, for the message, e.g. {@code linear <dev> <offset>}
     * @throws TableException if another number of arguments is left
     */
    public void expectRemaining(int count, String grammar) throws TableException {
        if (remaining() != count) {
            throw error("expected " + count + " arguments (" + grammar + "), got " + remaining());
        }
    }

    /**
     * Fails unless every argument has been read; call it after the last {@code next...}, or
     * first for a target that takes no arguments.
     *
     * @param grammar the target's syntax, for the message
     * @throws TableException naming the first extra argument, if any is left
     */
    public void expectEnd(String grammar) throws TableException {
        if (remaining() != 0) {
            throw error("unexpected argument '" + args.get(next) + "' (syntax: " + grammar + ")");
        }
    }

    /**
     * The kernel's optional tail {@code [<#opt_params> <opt_params>...]}: the count, then exactly
     * that many words, which end the line. Empty when nothing is left. Consumes the rest of the
     * line.
     *
     * @param max the largest count accepted
     * @return the optional words, without the count; empty if none
     * @throws TableException if the count is not a number from 0 to {@code max}, or not that many
     *     words follow
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

    /**
     * The next argument, as it stands.
     *
     * @param field the argument's name in the syntax, for the message
     * @return the word
     * @throws TableException ({@code missing <field>}) if no argument is left
     */
    public String next(String field) throws TableException {
        if (remaining() == 0) {
            throw error("missing " + field);
        }
        return args.get(next++);
    }

    /**
     * A decimal number, as every size and offset in a table is; with {@code min >= 0} a
     * non-negative one.
     *
     * @param field the argument's name in the syntax, for the message
     * @param min the smallest value accepted
     * @param max the largest value accepted
     * @return the value, from {@code min} to {@code max}
     * @throws TableException if the argument is missing, not a number, or out of range
     */
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

    /**
     * As {@link #nextLong}, for a value that fits in an int.
     *
     * @param field the argument's name in the syntax, for the message
     * @param min the smallest value accepted
     * @param max the largest value accepted
     * @return the value, from {@code min} to {@code max}
     * @throws TableException if the argument is missing, not a number, or out of range
     */
    public int nextInt(String field, int min, int max) throws TableException {
        return (int) nextLong(field, min, max);
    }

    /**
     * An offset in sectors; at most what fits in a byte offset.
     *
     * @param field the argument's name in the syntax, for the message
     * @return the value in 512-byte sectors (not bytes); {@link Sectors#toBytes} converts it
     * @throws TableException if the argument is missing, not a number, negative, or too large
     */
    public long nextSectors(String field) throws TableException {
        return nextLong(field, 0, Long.MAX_VALUE >>> Sectors.SHIFT);
    }

    /**
     * A lower device: the argument resolved by the table's {@link DeviceResolver} (in a
     * {@link Mapper}: a mapped device by name or by path in the mount, else a file relative to
     * the base directory). The device belongs to the table, which releases it when it closes or
     * when the build fails; the target must not close it, and lists it in
     * {@link Target#devices()}. Check its size with {@link #requireRange}.
     *
     * @param field the argument's name in the syntax, for the message
     * @return the device
     * @throws TableException if the argument is missing or names no usable device (no such
     *     device or file, the device itself, or a device that would make a cycle)
     */
    public BlockDevice nextDevice(String field) throws TableException {
        String arg = next(field);
        try {
            return resolver.resolve(arg);
        } catch (TableException e) {
            throw error(field + " " + e.getMessage());
        }
    }

    /**
     * Fails unless {@code device} holds {@code sectors} sectors starting at
     * {@code offsetSectors}. Whole sectors count: a file's trailing partial sector does not.
     *
     * @param device the lower device
     * @param offsetSectors where the range starts on the device, in sectors
     * @param sectors the length of the range in sectors, usually {@link #lengthSectors()}
     * @throws TableException naming the device and the sizes, if it is too small
     */
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
