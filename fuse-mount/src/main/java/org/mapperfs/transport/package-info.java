/**
 * What speaks FUSE to the kernel for the file system: {@link org.mapperfs.transport.Transport},
 * implemented by {@link org.mapperfs.transport.wire} (the kernel's protocol on /dev/fuse, the
 * default) and {@link org.mapperfs.transport.libfuse} (libfuse 2 through jnr-fuse). A transport
 * turns requests into calls of {@link org.mapperfs.fs.MapperFs} and answers with an errno
 * through {@link org.mapperfs.fs.Errno}.
 *
 * <p>May depend on {@link org.mapperfs.fs}, {@link org.mapperfs.libc} and
 * {@link org.mapperfs.core}; the two transports do not depend on each other.
 */
package org.mapperfs.transport;
