/**
 * The {@code mapperfs} command: one picocli class per verb, named as dmsetup names it. Verbs
 * that act on devices write one command to the mount's control file
 * ({@code ControlClient}); {@code mount} starts the {@link org.mapperfs.daemon} in the
 * foreground or in the background; {@code attach}, {@code detach} and {@code unmount} run
 * losetup and umount.
 *
 * <p>May depend on {@link org.mapperfs.daemon} and {@link org.mapperfs.core}; nothing depends
 * on it.
 */
package org.mapperfs.cli;
