package org.mapperfs.core.targets.thin;

/**
 * A pool's mode, as dm-thin's ({@code enum pool_mode}), in order of what it refuses: messages
 * are refused from {@code OUT_OF_METADATA_SPACE} on, writes that need a new block in every mode
 * but {@code WRITE} and {@code OUT_OF_DATA_SPACE} (where they wait for space or fail), all I/O
 * in {@code FAIL}.
 */
enum PoolMode {
    WRITE("rw"),
    OUT_OF_DATA_SPACE("out_of_data_space"),
    /** Free metadata blocks fell below the reserve: no new blocks until the metadata device grows. */
    OUT_OF_METADATA_SPACE("ro"),
    /** A metadata operation failed: the transaction was aborted and the superblock marked needs_check. */
    READ_ONLY("ro"),
    FAIL("Fail");

    /** The word in the status line. */
    final String word;

    PoolMode(String word) {
        this.word = word;
    }

    boolean takesMessages() {
        return compareTo(OUT_OF_METADATA_SPACE) < 0;
    }
}
