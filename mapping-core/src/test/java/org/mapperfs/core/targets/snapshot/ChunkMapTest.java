package org.mapperfs.core.targets.snapshot;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashMap;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/** The exception map: as a HashMap under any mix of changes, and consistent for readers during them. */
class ChunkMapTest {
    @Test
    void behavesAsAHashMapThroughGrowthAndRemovals() {
        ChunkMap map = new ChunkMap();
        Map<Long, Long> model = new HashMap<>();
        SplittableRandom random = new SplittableRandom(7);
        for (int op = 0; op < 200_000; op++) {
            long key = random.nextLong(5_000); // a small key space: long probe runs, many removals
            if (random.nextInt(3) == 0) {
                map.remove(key);
                model.remove(key);
            } else {
                long value = random.nextLong(1L << 40);
                map.put(key, value);
                model.put(key, value);
            }
            if (op % 1000 == 0) {
                for (long k = 0; k < 5_000; k++) {
                    assertThat(map.get(k)).as("key %d after %d changes", k, op).isEqualTo(model.getOrDefault(k, -1L));
                }
                assertThat(map.size()).isEqualTo(model.size());
            }
        }
    }

    @Test
    void keysThatCollideAndWrapAroundTheTableSurviveRemovalsAroundThem() {
        ChunkMap map = new ChunkMap();
        for (long k = 0; k < 31; k++) {
            map.put(k * 64, k);
        }
        for (long k = 0; k < 31; k += 2) {
            map.remove(k * 64);
        }
        for (long k = 0; k < 31; k++) {
            assertThat(map.get(k * 64)).isEqualTo(k % 2 == 0 ? -1 : k);
        }
    }

    @Test
    void readersNeverSeeAWrongValueWhileTheTableGrows() throws Exception {
        ChunkMap map = new ChunkMap();
        for (long k = 0; k < 1000; k++) {
            map.put(k, k + 1_000_000); // stable keys, never changed
        }
        AtomicBoolean stop = new AtomicBoolean();
        AtomicReference<String> wrong = new AtomicReference<>();
        Thread[] readers = new Thread[3];
        CountDownLatch reading = new CountDownLatch(readers.length);
        for (int r = 0; r < readers.length; r++) {
            readers[r] = new Thread(() -> {
                SplittableRandom random = new SplittableRandom();
                while (!stop.get()) {
                    long k = random.nextLong(1000);
                    long v = map.get(k);
                    if (v != k + 1_000_000) {
                        wrong.compareAndSet(null, "key " + k + " read " + v);
                    }
                    reading.countDown();
                }
            });
            readers[r].start();
        }
        assertThat(reading.await(10, TimeUnit.SECONDS)).as("every reader reads before the table grows").isTrue();
        SplittableRandom random = new SplittableRandom(9);
        for (int round = 0; round < 20; round++) { // other keys join: the table grows under the readers
            for (long k = 0; k < 20_000; k++) {
                map.put(1_000_000 + random.nextLong(1L << 30), k);
            }
        }
        stop.set(true);
        for (Thread t : readers) {
            t.join();
        }
        assertThat(wrong.get()).isNull();
    }

    @Test
    void readersNeverSeeAWrongValueWhileKeysAroundThemAreRemoved() throws Exception {
        ChunkMap map = new ChunkMap();
        for (long k = 0; k < 2000; k += 2) {
            map.put(k, k + 7); // stable: even keys
        }
        AtomicBoolean stop = new AtomicBoolean();
        AtomicReference<String> wrong = new AtomicReference<>();
        CountDownLatch reading = new CountDownLatch(1);
        Thread reader = new Thread(() -> {
            SplittableRandom random = new SplittableRandom();
            while (!stop.get()) {
                long k = random.nextLong(1000) * 2;
                long v = map.get(k);
                if (v != k + 7) {
                    wrong.compareAndSet(null, "key " + k + " read " + v);
                }
                reading.countDown();
            }
        });
        reader.start();
        assertThat(reading.await(10, TimeUnit.SECONDS)).as("the reader reads before keys come and go").isTrue();
        for (int round = 0; round < 200; round++) { // odd keys come and go between them
            for (long k = 1; k < 2000; k += 2) {
                map.put(k, round);
            }
            for (long k = 1; k < 2000; k += 2) {
                map.remove(k);
            }
        }
        stop.set(true);
        reader.join();
        assertThat(wrong.get()).isNull();
        assertThat(map.size()).isEqualTo(1000);
    }
}
