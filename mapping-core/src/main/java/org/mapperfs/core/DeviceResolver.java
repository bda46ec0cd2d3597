package org.mapperfs.core;

/**
 * Turns a table's {@code <dev>} argument into a device: a backing file, a block device, or
 * another mapped device. Failures carry a bare message; {@link TargetArgs} adds the line.
 */
@FunctionalInterface
public interface DeviceResolver {
    BlockDevice resolve(String arg) throws TableException;
}
