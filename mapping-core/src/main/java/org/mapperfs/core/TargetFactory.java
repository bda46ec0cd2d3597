package org.mapperfs.core;

/**
 * Builds a target from one table line; registered by name in a {@link TargetRegistry}. Usually
 * a static method of the target class, {@code public static Target create(TargetArgs args)},
 * registered as {@code LinearTarget::create}.
 */
@FunctionalInterface
public interface TargetFactory {
    /**
     * Parses and validates all arguments before opening anything; fails with a
     * {@link TableException} built by {@link TargetArgs#error} naming the bad field.
     *
     * <p>Devices taken with {@link TargetArgs#nextDevice} are released by the table if the build
     * fails; anything else the factory acquired (a thread, a file of its own) it releases itself
     * before it throws. In a {@link Mapper} the factory runs while the mapper's lock is held,
     * during create or load: it should be quick and must not call the mapper. It may read what
     * it needs from its devices (a snapshot reads its store's header), but background work (a
     * resync thread) starts in {@link Target#resume()}, not here: the table may never be swapped
     * in.
     *
     * @param args the line's arguments, read front to back; every one must be consumed or
     *     refused (see {@link TargetArgs#expectEnd})
     * @return a new target for the segment; a target without state may be shared
     * @throws TableException if an argument is missing, malformed or out of range, or a device
     *     cannot be resolved or is too small
     */
    Target create(TargetArgs args) throws TableException;
}
