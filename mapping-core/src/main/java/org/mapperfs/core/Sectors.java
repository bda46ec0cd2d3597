package org.mapperfs.core;

/** Device-mapper's unit: tables count in sectors of 512 bytes. */
public final class Sectors {
    public static final int SIZE = 512;
    public static final int SHIFT = 9;

    private Sectors() {}

    public static long toBytes(long sectors) {
        return Math.multiplyExact(sectors, (long) SIZE);
    }

    public static long fromBytes(long bytes) {
        return bytes >>> SHIFT;
    }
}
