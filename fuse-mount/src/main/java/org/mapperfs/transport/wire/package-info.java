/**
 * The kernel's FUSE protocol on /dev/fuse, without libfuse: {@code FuseWire} (the messages'
 * layouts), {@code WireSession} (mount, INIT, the workers that read requests and write
 * replies) and {@code Nodes} (the node ids the kernel knows, mapped to the file system's
 * nodes).
 *
 * <p>May depend on {@link org.mapperfs.transport}, {@link org.mapperfs.fs},
 * {@link org.mapperfs.libc} and {@link org.mapperfs.core}.
 */
package org.mapperfs.transport.wire;
