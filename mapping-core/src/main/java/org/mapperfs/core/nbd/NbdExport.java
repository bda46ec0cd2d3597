package org.mapperfs.core.nbd;

/**
 * What an NBD server said of its export in the handshake: its size, its transmission flags,
 * the block sizes it wants (minimum, preferred, the largest request it takes), and whether it
 * sends structured replies.
 */
record NbdExport(long size, int flags, int minBlock, int preferredBlock, int maxBlock, boolean structured) {
    static final int TF_READ_ONLY = 1 << 1;
    static final int TF_SEND_FLUSH = 1 << 2;
    static final int TF_SEND_FUA = 1 << 3;
    static final int TF_SEND_TRIM = 1 << 5;
    static final int TF_SEND_WRITE_ZEROES = 1 << 6;
    static final int TF_CAN_MULTI_CONN = 1 << 8;

    boolean has(int flag) {
        return (flags & flag) != 0;
    }
}
