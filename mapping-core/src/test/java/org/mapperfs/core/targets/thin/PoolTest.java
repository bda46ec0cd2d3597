package org.mapperfs.core.targets.thin;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.mapperfs.core.MemoryDevice;

/** What a pool's commit makes durable, counted on memory devices' flushes. */
class PoolTest {
    private final MemoryDevice meta = new MemoryDevice("meta", 1 << 20);
    private final MemoryDevice data = new MemoryDevice("data", 4 << 20);
    private Pool pool;

    @AfterEach
    void release() {
        if (pool != null) {
            Pools.release(pool);
        }
    }

    @Test
    void aCommitFlushesTheDataDeviceOnlyAfterWritesAndBeforeTheMetadata() throws Exception {
        pool = Pools.acquire(meta, data, 128);
        pool.configure(new PoolOptions(0, false, false, true, false, false), data, () -> {});
        pool.message(md -> md.createThin(0));
        int dataFlushes = data.flushes();
        int metaFlushes = meta.flushes();
        assertThat(dataFlushes).as("a message writes no data: no data flush").isZero();
        assertThat(metaFlushes).as("a commit: the new blocks, then the superblock").isGreaterThanOrEqualTo(2);

        pool.wrote(); // an in-place rewrite of a mapped block changes no metadata
        Thread.sleep(1_500);
        assertThat(data.flushes()).as("the periodic commit leaves rewrites in the cache").isZero();
        pool.commit();
        assertThat(data.flushes()).as("an fsync after a rewrite reaches the data device").isEqualTo(1);
        assertThat(meta.flushes()).as("nothing to commit in the metadata").isEqualTo(metaFlushes);

        long d = pool.allocate();
        pool.wrote();
        pool.map(0, 5, d);
        pool.commit();
        assertThat(data.flushes()).isEqualTo(2);
        assertThat(meta.flushes()).isGreaterThan(metaFlushes);
        assertThat(pool.status()).startsWith("0 ").contains(" 1/64 ");
        assertThat(List.of(pool.details(0).mappedBlocks())).containsExactly(1L);
    }
}
