/**
 * The control file's commands, as dmsetup names them ({@code ControlCommands}: one write, one
 * reply), and the reports they and the {@code .meta} files print in dmsetup's formats
 * ({@code Reports}). What they need of the daemon comes through {@link org.mapperfs.control.Host}.
 *
 * <p>May depend on {@link org.mapperfs.core} only.
 */
package org.mapperfs.control;
