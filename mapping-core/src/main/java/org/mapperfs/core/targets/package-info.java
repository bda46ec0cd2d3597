/**
 * The targets, one final class each, in device-mapper's table syntax: {@code linear},
 * {@code striped}, {@code zero}, {@code error}, {@code flakey}, {@code delay}, {@code dust}.
 * A family of targets that shares more than one class has a subpackage of its own
 * ({@link org.mapperfs.core.targets.mirror}, {@link org.mapperfs.core.targets.snapshot}).
 *
 * <p>Public: each target class, for its {@code create} factory, which
 * {@link org.mapperfs.core.TargetRegistry} names. May depend on {@link org.mapperfs.core}'s
 * public types only; never on a family's subpackage, nor a family on another.
 */
package org.mapperfs.core.targets;
