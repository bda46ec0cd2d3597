/**
 * dm-thin's targets: {@code thin-pool} (a metadata device in the kernel's format, {@link
 * org.mapperfs.core.thin.ThinMetadata}, and a data device cut into blocks) and {@code thin} (a
 * device whose blocks are given out by the pool as they are first written, and shared with its
 * snapshots until one of them writes). {@code Pool} is the pool's shared state, {@code PoolModes}
 * its modes ({@code PoolMode}) and what each refuses, {@code PoolStatus} its status line, {@code
 * Pools} the open pools, {@code SpaceWatch} its space events, {@code Cells} the per-block locks.
 */
package org.mapperfs.core.targets.thin;
