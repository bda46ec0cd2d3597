/**
 * The native calls plain Java lacks, bound with jnr-ffi: hole punching and preadv/pwritev for
 * the engine ({@link org.mapperfs.core.HolePuncher}, {@link org.mapperfs.core.VectorIo}), the
 * wire transport's calls on /dev/fuse, and the process's uid and gid.
 *
 * <p>May depend on {@link org.mapperfs.core}'s interfaces only.
 */
package org.mapperfs.libc;
