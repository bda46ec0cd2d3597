/**
 * {@code snapshot}, {@code snapshot-origin} and {@code snapshot-merge} (dm-snap): the three
 * targets, the {@code Origin} they share (copy-out before a write to a chunk a snapshot still
 * reads), the exception stores (transient, and persistent in dm-snap's on-disk format) with their
 * table arguments, status and periodic commit, the snapshot's view through a store, the chunk
 * locks and the zero writes of discards.
 *
 * <p>Public: the three target classes only. May depend on {@link org.mapperfs.core}'s public
 * types.
 */
package org.mapperfs.core.targets.snapshot;
