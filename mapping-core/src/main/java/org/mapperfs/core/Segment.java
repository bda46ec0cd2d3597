package org.mapperfs.core;

/** A target placed at a range of sectors of a table. */
public record Segment(long startSector, long lengthSectors, Target target) {

    /** The line of table text: {@code <start> <length> <type> <params>}. */
    public String line() {
        return line(target.params());
    }

    /** As {@link #line()}, with secrets hidden (see {@link Target#maskedParams()}). */
    public String maskedLine() {
        return line(target.maskedParams());
    }

    private String line(String params) {
        return startSector + " " + lengthSectors + " " + target.type() + (params.isEmpty() ? "" : " " + params);
    }

    /** The line of status text: {@code <start> <length> <type> <status>}. */
    public String statusLine() {
        String status = target.status();
        return startSector + " " + lengthSectors + " " + target.type() + (status.isEmpty() ? "" : " " + status);
    }
}
