/**
 * The extent-mapping engine: named devices built from tables of segments, each segment handled
 * by a target, with dmsetup's operations on them. Plain Java; depends on the JDK, Guava and
 * slf4j only, and on no FUSE, CLI or native code (checked by {@code ArchitectureTest}).
 *
 * <p>What an embedder imports:
 * <ul>
 *   <li>{@link org.mapperfs.core.Mapper}: create, load, suspend, resume, remove, rename,
 *       message; {@code Mapper.standalone()} for use without a mount.
 *   <li>{@link org.mapperfs.core.MappedDevice} and {@link org.mapperfs.core.BlockDevice}: read,
 *       write, flush and discard at byte offsets; {@link org.mapperfs.core.Table} and
 *       {@link org.mapperfs.core.Segment}: what a device is made of.
 *   <li>{@link org.mapperfs.core.MapperException} and {@link org.mapperfs.core.TableException}:
 *       refusals, each with its reason and a message that names the field.
 *   <li>{@link org.mapperfs.core.HolePuncher} and {@link org.mapperfs.core.VectorIo}: the native
 *       calls plain Java lacks, which a host may give (the engine works without them).
 * </ul>
 *
 * <p>What a target is written against (the target interface): {@link org.mapperfs.core.Target},
 * {@link org.mapperfs.core.TargetFactory}, {@link org.mapperfs.core.TargetArgs},
 * {@link org.mapperfs.core.TargetRegistry} (one line per target; {@code with} adds one of an
 * embedder's own), {@link org.mapperfs.core.FileDevice}, {@link org.mapperfs.core.BufferPieces},
 * {@link org.mapperfs.core.DeviceEvents}, {@link org.mapperfs.core.DeviceResolver},
 * {@link org.mapperfs.core.LongWaits} and {@link org.mapperfs.core.Sectors}. Everything else is
 * package-private.
 *
 * <p>The only dependency on the targets' packages is {@code TargetRegistry.standard()}, the
 * list of the targets that ship.
 */
package org.mapperfs.core;
