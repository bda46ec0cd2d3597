package org.mapperfs.cli.dmsetup;

/**
 * A command that failed, with the lines dmsetup would print for it on standard error (then
 * {@code Command failed.}, exit 1).
 */
final class DmFailure extends Exception {
    private static final long serialVersionUID = 1L;

    DmFailure(String lines) {
        super(lines);
    }

    /** As libdevmapper reports a refused ioctl: {@code device-mapper: VERB ioctl on NAME  failed: REASON}. */
    static DmFailure ioctl(String verb, String name, String reason) {
        return new DmFailure("device-mapper: " + verb + " ioctl on " + name + "  failed: " + reason);
    }
}
