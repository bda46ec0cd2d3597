/**
 * The file system that both transports serve, in plain Java values: its nodes ({@code /control},
 * one regular file per device, {@code /.meta/NAME/*}), their attributes, the open handles and
 * the control file's handle, and the one translation of a failure to an errno ({@code Errno}).
 * A device file's read and write go straight to its {@link org.mapperfs.core.MappedDevice}.
 *
 * <p>May depend on {@link org.mapperfs.control} (the control file runs its commands) and
 * {@link org.mapperfs.core}.
 */
package org.mapperfs.fs;
