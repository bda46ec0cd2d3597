package org.mapperfs.core;

/**
 * Turns a table's {@code <dev>} argument into a device: a backing file, a block device, or
 * another mapped device. Failures carry a bare message; {@link TargetArgs} adds the line.
 */
@FunctionalInterface
public interface DeviceResolver {
    /**
     * The device a table argument names. Targets do not call this themselves: they use
     * {@link TargetArgs#nextDevice}, which prefixes the line, the target and the field to the
     * message.
     *
     * @param arg the argument as it stands in the table: a device name or a path
     * @return the device, owned by the table being built
     * @throws TableException with a bare message (no line number) if {@code arg} names nothing
     *     usable
     */
    BlockDevice resolve(String arg) throws TableException;
}
