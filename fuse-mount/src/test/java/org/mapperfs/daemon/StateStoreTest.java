package org.mapperfs.daemon;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mapperfs.core.Mapper;
import org.mapperfs.testing.Disks;

class StateStoreTest {
    @TempDir
    Path dir;

    @TempDir
    Path stateDir;

    private Mapper mapper;
    private StateStore store;
    private Path disk;

    @BeforeEach
    void setUp() throws IOException {
        mapper = Mapper.standalone();
        store = new StateStore(stateDir);
        disk = Disks.file(dir, "disk.img", 32);
    }

    @AfterEach
    void tearDown() {
        mapper.close();
    }

    private List<String> files() throws IOException {
        try (Stream<Path> s = Files.list(stateDir)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    private String stored(String name) throws IOException {
        return Files.readString(stateDir.resolve(name + ".table"));
    }

    @Test
    void createsTheFolder() throws IOException {
        Path nested = stateDir.resolve("a/b");

        StateStore s = new StateStore(nested);

        assertThat(s.dir()).isDirectory().isEqualTo(nested);
    }

    @Test
    void syncWritesEachLiveTableAsNameDotTable() throws Exception {
        mapper.create("d", "0 8 linear " + disk + " 0\n8 8 zero", dir);
        mapper.create("e", "0 4 zero", dir);

        store.sync(mapper);

        assertThat(files()).containsExactly("d.table", "e.table");
        assertThat(stored("d")).isEqualTo("0 8 linear " + disk + " 0\n8 8 zero\n")
                .isEqualTo(mapper.device("d").liveTable().text());
        assertThat(stored("e")).isEqualTo("0 4 zero\n");
    }

    @Test
    void syncDeletesTheFilesOfRemovedDevices() throws Exception {
        mapper.create("d", "0 8 zero", dir);
        mapper.create("e", "0 8 zero", dir);
        store.sync(mapper);

        mapper.remove("d", false);
        store.sync(mapper);

        assertThat(files()).containsExactly("e.table");
    }

    @Test
    void syncAfterARenameMovesTheFile() throws Exception {
        mapper.create("d", "0 8 linear " + disk + " 0", dir);
        store.sync(mapper);

        mapper.rename("d", "e");
        store.sync(mapper);

        assertThat(files()).containsExactly("e.table");
        assertThat(stored("e")).isEqualTo("0 8 linear " + disk + " 0\n");
    }

    /**
     * One rename(2) of the same file, not a new file and a deletion: a crash between those two
     * left the table under both names, and the next mount made two devices of one.
     */
    @Test
    void aRenameIsOneAtomicMoveOfTheSameFile() throws Exception {
        mapper.create("d", "0 8 linear " + disk + " 0", dir);
        store.sync(mapper);
        Object inode = Files.getAttribute(stateDir.resolve("d.table"), "unix:ino");

        mapper.rename("d", "e");
        store.sync(mapper);

        assertThat(Files.getAttribute(stateDir.resolve("e.table"), "unix:ino")).isEqualTo(inode);
    }

    @Test
    void aResumedTableReplacesTheFileAndLeavesNoTemporaryFileBehind() throws Exception {
        mapper.create("d", "0 8 zero", dir);
        store.sync(mapper);

        mapper.load("d", "0 16 linear " + disk + " 0", dir);
        mapper.resume("d");
        store.sync(mapper);

        assertThat(stored("d")).isEqualTo("0 16 linear " + disk + " 0\n");
        assertThat(files()).containsExactly("d.table");
    }

    @Test
    void aLoadedButNotResumedTableIsNotWritten() throws Exception {
        mapper.create("d", "0 8 zero", dir);
        store.sync(mapper);

        mapper.load("d", "0 16 linear " + disk + " 0", dir);
        store.sync(mapper);

        assertThat(stored("d")).isEqualTo("0 8 zero\n");
    }

    @Test
    void readReturnsWhatWasWritten() throws Exception {
        mapper.create("d", "0 8 linear " + disk + " 0\n8 8 zero", dir);
        mapper.create("e", "0 4 zero", dir);
        store.sync(mapper);

        assertThat(new StateStore(stateDir).read())
                .containsOnlyKeys("d", "e")
                .containsEntry("d", "0 8 linear " + disk + " 0\n8 8 zero\n")
                .containsEntry("e", "0 4 zero\n");
    }

    @Test
    void readIgnoresTemporaryAndOtherFiles() throws Exception {
        Files.writeString(stateDir.resolve(".d.table.tmp"), "half a tab");
        Files.writeString(stateDir.resolve("lock"), "");
        Files.writeString(stateDir.resolve("daemon.log"), "log");
        Files.writeString(stateDir.resolve("e.table"), "0 4 zero\n");

        assertThat(store.read()).containsOnlyKeys("e");
    }

    @Test
    void aTemporaryFileLeftByACrashIsReplacedOnTheNextSync() throws Exception {
        Files.writeString(stateDir.resolve(".d.table.tmp"), "a much longer half-written table than the real one");
        mapper.create("d", "0 8 zero", dir);

        store.sync(mapper);

        assertThat(files()).containsExactly("d.table");
        assertThat(stored("d")).isEqualTo("0 8 zero\n");
    }

    @Test
    void aStoreThatReadTheFolderDeletesTheFileOfARestoredDeviceOnceItIsRemoved() throws Exception {
        mapper.create("d", "0 8 zero", dir);
        store.sync(mapper);
        mapper.close();
        mapper = Mapper.standalone();
        StateStore second = new StateStore(stateDir);
        second.read().forEach((name, text) -> {
            try {
                mapper.create(name, text, stateDir);
            } catch (Exception e) {
                throw new AssertionError(e);
            }
        });

        mapper.remove("d", false);
        second.sync(mapper);

        assertThat(files()).isEmpty();
    }

    @Test
    void aForgottenFileOutlivesSyncUntilADeviceOfItsNameIsCreated() throws Exception {
        Files.writeString(stateDir.resolve("broken.table"), "0 8 linear /nowhere 0\n");
        store.read();
        store.forget("broken");

        store.sync(mapper);
        assertThat(stored("broken")).isEqualTo("0 8 linear /nowhere 0\n");

        mapper.create("broken", "0 4 zero", dir);
        store.sync(mapper);
        assertThat(stored("broken")).isEqualTo("0 4 zero\n");
    }
}
