/**
 * The libfuse 2 transport through jnr-fuse ({@code --transport libfuse}): {@code DeviceFs}
 * answers libfuse's path-based callbacks from the file system; it mounts through fusermount.
 *
 * <p>May depend on {@link org.mapperfs.transport} and {@link org.mapperfs.fs}.
 */
package org.mapperfs.transport.libfuse;
