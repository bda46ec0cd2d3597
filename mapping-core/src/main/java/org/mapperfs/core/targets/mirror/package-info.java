/**
 * {@code mirror} (dm-raid1): {@link org.mapperfs.core.targets.mirror.MirrorTarget} with its legs
 * and their health, the background resync, the region log (in memory, or kept on a log device
 * in a format of its own), the per-region locks and the parsed table arguments.
 *
 * <p>Public: {@code MirrorTarget} only. May depend on {@link org.mapperfs.core}'s public types.
 */
package org.mapperfs.core.targets.mirror;
