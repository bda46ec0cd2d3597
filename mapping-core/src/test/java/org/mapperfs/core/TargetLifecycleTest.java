package org.mapperfs.core;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** When the engine calls a target's presuspend, resume, flush and close, and how it raises events. */
class TargetLifecycleTest {
    private final List<String> calls = new CopyOnWriteArrayList<>();
    private final List<DeviceEvents> events = new CopyOnWriteArrayList<>();
    private Mapper mapper;

    /** {@code probe <tag>}: records every lifecycle call as "tag:call". */
    private Target probe(TargetArgs args) throws TableException {
        String tag = args.next("tag");
        args.expectEnd("probe <tag>");
        events.add(args.events());
        return new ProbeTarget(tag) {
            @Override
            public void flush() {
                calls.add(tag + ":flush");
            }

            @Override
            public boolean presuspend() {
                calls.add(tag + ":presuspend");
                return true;
            }

            @Override
            public void resume() {
                calls.add(tag + ":resume");
            }

            @Override
            public void close() {
                calls.add(tag + ":close");
            }
        };
    }

    @BeforeEach
    void setUp() {
        mapper = new Mapper(TargetRegistry.standard().with("probe", this::probe), HolePuncher.NONE, VectorIo.NONE, Optional.empty());
    }

    @Test
    void aCreatedTableIsResumedAndALoadedOneOnlyWhenSwappedIn() throws Exception {
        mapper.create("d", "0 8 probe a", Path.of("/"));
        assertThat(calls).containsExactly("a:resume");

        mapper.load("d", "0 8 probe b", Path.of("/"));
        assertThat(calls).containsExactly("a:resume");

        mapper.resume("d");
        assertThat(calls).containsExactly("a:resume", "a:presuspend", "a:flush", "a:close", "b:resume");
    }

    @Test
    void suspendStopsTheTargetBeforeFlushingAndResumeRestartsIt() throws Exception {
        mapper.create("d", "0 8 probe a", Path.of("/"));
        calls.clear();

        mapper.suspend("d", true);
        mapper.suspend("d", true);
        mapper.resume("d");
        assertThat(calls).containsExactly("a:presuspend", "a:flush", "a:flush", "a:resume");

        calls.clear();
        mapper.suspend("d", false);
        assertThat(calls).containsExactly("a:presuspend");
    }

    @Test
    void removeStopsAndClosesTheTarget() throws Exception {
        mapper.create("d", "0 8 probe a", Path.of("/"));
        calls.clear();

        mapper.remove("d", false);
        assertThat(calls).containsExactly("a:presuspend", "a:close");
    }

    @Test
    void aTargetRaisesTheEventOfItsDevice() throws Exception {
        MappedDevice d = mapper.create("d", "0 8 probe a", Path.of("/"));
        events.get(0).raise();
        assertThat(d.eventNumber()).isEqualTo(1);

        mapper.load("d", "0 8 probe b", Path.of("/"));
        events.get(1).raise();
        assertThat(d.eventNumber()).isEqualTo(2);
    }
}
