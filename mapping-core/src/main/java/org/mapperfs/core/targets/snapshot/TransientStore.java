package org.mapperfs.core.targets.snapshot;

import org.mapperfs.core.BlockDevice;
import org.mapperfs.core.Sectors;

/**
 * {@code N}: exceptions live in memory only; chunk {@code i} of the COW device holds the
 * {@code i}th exception's data from sector 0 on. Nothing survives a close.
 */
final class TransientStore extends ExceptionStore {

    TransientStore(BlockDevice cow, int chunkSectors) {
        super(cow, chunkSectors);
    }

    @Override
    long cowChunk(long index) {
        return index;
    }

    @Override
    void commit(int first, long[] olds, long[] chunks, int n) {
        // Memory is the store.
    }

    @Override
    void uncommit(int from, int to) {
        // Memory is the store.
    }

    @Override
    void writeInvalid() {
        // Nothing on disk to mark.
    }

    @Override
    long[] usage() {
        return new long[] {(long) allocated() * chunkSectors, Sectors.fromBytes(cow.size()), 0};
    }

    @Override
    boolean defersCommits() {
        return false; // a commit is free: nothing to gain
    }

    @Override
    String mode() {
        return "N";
    }
}
