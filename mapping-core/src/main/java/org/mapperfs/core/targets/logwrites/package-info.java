/**
 * The {@code log-writes} target, dm-log-writes's format: {@link
 * org.mapperfs.core.targets.logwrites.LogWritesTarget} and {@code WriteLog} (the log's layout),
 * and {@link org.mapperfs.core.targets.logwrites.LogReplay}, which reads a log back and replays
 * it onto a device (to an entry, a mark or each flush).
 *
 * <p>Depends on {@link org.mapperfs.core} and the JDK only.
 */
package org.mapperfs.core.targets.logwrites;
