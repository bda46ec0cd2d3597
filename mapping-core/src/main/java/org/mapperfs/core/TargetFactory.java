package org.mapperfs.core;

/** Builds a target from one table line; registered by name in a {@link TargetRegistry}. */
@FunctionalInterface
public interface TargetFactory {
    /**
     * Parses and validates all arguments before opening anything; fails with a
     * {@link TableException} built by {@link TargetArgs#error} naming the bad field.
     */
    Target create(TargetArgs args) throws TableException;
}
