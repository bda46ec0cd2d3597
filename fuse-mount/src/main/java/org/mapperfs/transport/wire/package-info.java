/**
 * The kernel's FUSE protocol, without libfuse: {@code FuseWire} (the messages' layouts), {@code
 * WireSession} (mount, the workers' lifecycle), {@code Worker} (a request's handling, INIT
 * included), {@code DeviceWorker} (read and write on /dev/fuse), {@code RingWorker}, {@code
 * IoUring}, {@code RingQueues} and {@code QueueKick} (FUSE over io_uring) and {@code Nodes} (the node
 * ids the kernel knows, mapped to the file system's nodes).
 *
 * <p>May depend on {@link org.mapperfs.transport}, {@link org.mapperfs.fs},
 * {@link org.mapperfs.libc} and {@link org.mapperfs.core}.
 */
package org.mapperfs.transport.wire;
