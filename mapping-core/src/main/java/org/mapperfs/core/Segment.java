package org.mapperfs.core;

/**
 * A target placed at a range of sectors of a table: one line of table text, built.
 *
 * @param startSector where the segment starts in its table, in 512-byte sectors; the segments
 *     of a table follow each other from 0
 * @param lengthSectors the segment's length in sectors; its target sees byte offsets from 0 to
 *     {@code lengthSectors * 512}
 * @param target the target that handles the segment's I/O
 */
public record Segment(long startSector, long lengthSectors, Target target) {

    /**
     * The line of table text: {@code <start> <length> <type> <params>}.
     *
     * @return the line, without a newline; no trailing space when the params are empty
     */
    public String line() {
        return line(target.params());
    }

    /**
     * As {@link #line()}, with secrets hidden (see {@link Target#maskedParams()}).
     *
     * @return the line, without a newline
     */
    public String maskedLine() {
        return line(target.maskedParams());
    }

    private String line(String params) {
        return startSector + " " + lengthSectors + " " + target.type() + (params.isEmpty() ? "" : " " + params);
    }

    /**
     * The line of status text: {@code <start> <length> <type> <status>}.
     *
     * @return the line, without a newline; no trailing space when the status is empty
     */
    public String statusLine() {
        String status = target.status();
        return startSector + " " + lengthSectors + " " + target.type() + (status.isEmpty() ? "" : " " + status);
    }
}
