/**
 * {@code dmsetup} on mapperfs ({@link org.mapperfs.cli.dmsetup.Dmsetup}, run by src/bin/dmsetup):
 * device-mapper's command line and output formats over the control file, with each device
 * exposed as dm exposes its own, a loop device linked from {@code $DM_DEV_DIR/mapper/NAME}.
 * Options as getopt_long reads them ({@code Getopt}); verbs that change devices
 * ({@code DeviceCommands}) and reports ({@code ReportCommands}, {@code InfoColumns}); the kernel
 * side read from /sys and /proc ({@code KernelDevices}), device arguments both ways
 * ({@code TableDevices}), lockfs ({@code Freezes}).
 *
 * <p>Part of the command line: may depend on {@link org.mapperfs.cli}, {@link org.mapperfs.daemon}
 * (loop devices) and {@link org.mapperfs.core} (the target registry); nothing depends on it.
 */
package org.mapperfs.cli.dmsetup;
