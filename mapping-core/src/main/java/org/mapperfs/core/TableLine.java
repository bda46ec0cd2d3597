package org.mapperfs.core;

import com.google.common.collect.ImmutableList;

/** One parsed line of table text, before its target is built. */
public record TableLine(int line, long start, long length, String type, ImmutableList<String> args) {}
