package org.mapperfs.fs;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class HandleTableTest {
    private final HandleTable handles = new HandleTable();

    @Test
    void addGivesEachHandleItsOwnNumber() {
        Object a = new Object();
        Object b = new Object();

        long fa = handles.add(a);
        long fb = handles.add(b);

        assertThat(fa).isNotEqualTo(fb);
        assertThat(handles.get(fa)).isSameAs(a);
        assertThat(handles.get(fb)).isSameAs(b);
    }

    @Test
    void removeReturnsTheHandleOnceAndGetNoLongerFindsIt() {
        Object a = new Object();
        long fa = handles.add(a);

        assertThat(handles.remove(fa)).isSameAs(a);
        assertThat(handles.get(fa)).isNull();
        assertThat(handles.remove(fa)).isNull();
    }

    @Test
    void aFreedSlotIsReused() {
        handles.add("a");
        long fb = handles.add("b");
        handles.add("c");

        handles.remove(fb);

        assertThat(handles.add("d")).isEqualTo(fb);
        assertThat(handles.get(fb)).isEqualTo("d");
    }

    @Test
    void removingTwiceFreesTheSlotOnce() {
        long fa = handles.add("a");
        handles.remove(fa);
        handles.remove(fa);

        long first = handles.add("x");
        long second = handles.add("y");

        assertThat(first).isNotEqualTo(second);
        assertThat(handles.get(first)).isEqualTo("x");
        assertThat(handles.get(second)).isEqualTo("y");
    }

    @Test
    void growsPast256Handles() {
        List<Long> numbers = new ArrayList<>();
        for (int i = 0; i < 1000; i++) {
            numbers.add(handles.add("h" + i));
        }

        Set<Long> distinct = new HashSet<>(numbers);
        assertThat(distinct).hasSize(1000);
        for (int i = 0; i < 1000; i++) {
            assertThat(handles.get(numbers.get(i))).isEqualTo("h" + i);
        }
        assertThat(handles.remove(numbers.get(700))).isEqualTo("h700");
        assertThat(handles.add("again")).isEqualTo(numbers.get(700));
    }

    @ParameterizedTest
    @ValueSource(longs = {-1, 2, 255, 256, 1L << 31, 1L << 32, Long.MAX_VALUE, Long.MIN_VALUE})
    void anUnknownNumberFindsNothing(long fh) {
        handles.add("a");
        handles.add("b");

        assertThat(handles.get(fh)).isNull();
        assertThat(handles.remove(fh)).isNull();
        // Nothing unknown went into the free list: the next number is the next unused one.
        assertThat(handles.add("c")).isEqualTo(2);
    }
}
