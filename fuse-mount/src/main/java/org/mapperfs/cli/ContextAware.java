package org.mapperfs.cli;

/** Marks commands built with the shared {@link Context} (constructor {@code (Context)}). */
interface ContextAware {}
