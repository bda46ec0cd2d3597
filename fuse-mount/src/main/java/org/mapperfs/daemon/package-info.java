/**
 * The daemon: takes the state folder ({@code StateStore}: one table file per device), restores
 * its devices, assembles engine, control commands, file system and transport, mounts, and on
 * unmount flushes and closes every device. Also the host's mounts ({@code Mounts}) and loop
 * devices ({@code Loops}). {@code Daemon.Info} is what the control commands see of it
 * ({@link org.mapperfs.control.Host}).
 *
 * <p>The one place that knows every other package; only {@link org.mapperfs.cli} depends on it.
 */
package org.mapperfs.daemon;
