package org.mapperfs.core.targets.verity;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class HashTreeTest {
    @Test
    void levelsAreStoredTopFirstAfterTheStartBlock() {
        // 1000 data blocks, sha256 in 4096-byte hash blocks: 128 digests a block.
        HashTree t = new HashTree(1, 1000, 4096, 32, 1);

        assertThat(t.hashPerBlockBits).isEqualTo(7);
        assertThat(t.levels).isEqualTo(2);
        assertThat(t.levelStart).containsExactly(2, 1); // level 0 (8 blocks) after level 1 (1 block)
        assertThat(t.end).isEqualTo(10);
        assertThat(t.hashBlock(999, 0)).isEqualTo(2 + 7);
        assertThat(t.offsetInBlock(999, 0)).isEqualTo((999 % 128) * 32);
        assertThat(t.hashBlock(999, 1)).isEqualTo(1);
        assertThat(t.offsetInBlock(999, 1)).isEqualTo(7 * 32);
    }

    @Test
    void version1PadsDigestsToAPowerOfTwoAndVersion0PacksThem() {
        HashTree v1 = new HashTree(1, 1000, 4096, 20, 0); // sha1: 204 fit, 128 is the power of two
        HashTree v0 = new HashTree(0, 1000, 4096, 20, 0);

        assertThat(v1.hashPerBlockBits).isEqualTo(7);
        assertThat(v1.offsetInBlock(5, 0)).isEqualTo(5 * 32);
        assertThat(v0.offsetInBlock(5, 0)).isEqualTo(5 * 20);
    }

    @Test
    void oneDataBlockNeedsNoHashLevel() {
        assertThat(new HashTree(1, 1, 4096, 32, 0).levels).isZero();
    }
}
