package org.mapperfs.core;

import com.google.common.base.CharMatcher;
import com.google.common.base.Splitter;
import com.google.common.collect.ImmutableList;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads dmsetup's table text: one segment a line, {@code <start> <length> <target> <args...>},
 * in 512-byte sectors; {@code #} starts a comment; blank lines are ignored. The segments must
 * start at 0 and follow each other without gap or overlap.
 */
public final class TableParser {
    private static final Splitter WORDS = Splitter.on(CharMatcher.whitespace()).omitEmptyStrings();
    /** Keeps {@code start + length} inside a byte offset that fits in a long. */
    static final long MAX_SECTORS = Long.MAX_VALUE >>> Sectors.SHIFT;

    private TableParser() {}

    public static List<TableLine> parse(String text) throws TableException {
        List<TableLine> lines = new ArrayList<>();
        long expectedStart = 0;
        int number = 0;
        for (String raw : Splitter.on('\n').split(text)) {
            number++;
            int hash = raw.indexOf('#');
            String content = hash >= 0 ? raw.substring(0, hash) : raw;
            List<String> words = WORDS.splitToList(content);
            if (words.isEmpty()) {
                continue;
            }
            if (words.size() < 3) {
                throw new TableException("line " + number + ": expected <start> <length> <target> [args...], got '"
                        + content.strip() + "'");
            }
            long start = number(words.get(0), "start", number);
            long length = number(words.get(1), "length", number);
            if (length == 0) {
                throw new TableException("line " + number + ": length is 0");
            }
            if (start != expectedStart) {
                throw new TableException("line " + number + ": " + (start > expectedStart ? "gap" : "overlap")
                        + ": segment starts at sector " + start + " but "
                        + (expectedStart == 0 ? "a table must start at 0" : "the previous one ends at " + expectedStart));
            }
            if (length > MAX_SECTORS - start) {
                throw new TableException("line " + number + ": length " + length + " is too large");
            }
            expectedStart = start + length;
            lines.add(new TableLine(number, start, length, words.get(2),
                    ImmutableList.copyOf(words.subList(3, words.size()))));
        }
        if (lines.isEmpty()) {
            throw new TableException("empty table: expected lines of <start> <length> <target> [args...]");
        }
        return lines;
    }

    private static long number(String word, String field, int line) throws TableException {
        try {
            long value = Long.parseLong(word);
            if (value >= 0) {
                return value;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new TableException("line " + line + ": " + field + " '" + word + "' is not a number of sectors");
    }
}
