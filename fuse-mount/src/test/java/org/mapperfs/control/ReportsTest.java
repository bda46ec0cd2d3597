package org.mapperfs.control;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mapperfs.core.MappedDevice;
import org.mapperfs.core.Mapper;
import org.mapperfs.testing.Disks;

class ReportsTest {
    @TempDir
    Path dir;

    private Mapper mapper;
    private Path disk;

    @BeforeEach
    void setUp() throws IOException {
        mapper = Mapper.standalone();
        disk = Disks.file(dir, "disk.img", 32);
    }

    @AfterEach
    void tearDown() {
        mapper.close();
    }

    /** lower on the disk, upper on lower, other on nothing. */
    private void stack() throws Exception {
        mapper.create("lower", "0 32 linear " + disk + " 0", dir);
        mapper.create("upper", "0 8 linear lower 8", dir);
        mapper.create("other", "0 4 zero", dir);
    }

    @Test
    void lsShowsNameStateAndSizeOneDeviceALine() throws Exception {
        stack();
        mapper.suspend("upper", true);

        assertThat(Reports.ls(mapper.list())).isEqualTo("""
                lower\tACTIVE\t32 sectors
                other\tACTIVE\t4 sectors
                upper\tSUSPENDED\t8 sectors
                """);
        mapper.resume("upper");
    }

    @Test
    void lsWithoutDevicesSaysSo() {
        assertThat(Reports.ls(mapper.list())).isEqualTo("No devices found\n");
    }

    @Test
    void depsNamesEachDeviceUnderTheLiveTableOnce() throws Exception {
        Path second = Disks.file(dir, "second.img", 16);
        stack();
        mapper.create("mixed", "0 8 linear " + disk + " 0\n8 8 linear " + second + " 0\n16 8 linear "
                + disk + " 8\n24 4 zero", dir);

        assertThat(Reports.deps(mapper.device("upper"), null)).isEqualTo("1 dependencies\t: (lower)\n");
        assertThat(Reports.deps(mapper.device("mixed"), null))
                .isEqualTo("2 dependencies\t: (" + disk + ") (" + second + ")\n");
        assertThat(Reports.deps(mapper.device("other"), null)).isEqualTo("0 dependencies\t:\n");
    }

    @Test
    void depsIgnoresTheInactiveTable() throws Exception {
        stack();
        mapper.load("other", "0 4 linear lower 0", dir);

        assertThat(Reports.deps(mapper.device("other"), null)).isEqualTo("0 dependencies\t:\n");
    }

    @Test
    void treeShowsEachTopDeviceWithWhatItStandsOn() throws Exception {
        stack();

        assertThat(Reports.tree(mapper)).isEqualTo("other\n"
                + "upper\n"
                + " └─lower\n"
                + "   └─" + disk + "\n");
    }

    @Test
    void treeShowsADeviceUsedOnlyByAnInactiveTable() throws Exception {
        stack();
        mapper.load("other", "0 4 linear lower 0", dir);

        // The tree follows live tables: lower stands under upper; nothing yet stands on it through other.
        assertThat(Reports.tree(mapper)).isEqualTo("other\n"
                + "upper\n"
                + " └─lower\n"
                + "   └─" + disk + "\n");
        mapper.remove("upper", false);
        assertThat(Reports.tree(mapper)).as("lower has only an inactive user").startsWith("lower\n");
    }

    @Test
    void treeWithoutDevicesSaysSo() {
        assertThat(Reports.tree(mapper)).isEqualTo("No devices found\n");
    }

    @Test
    void listingShowsEachDeviceThenItsTableIndented() throws Exception {
        stack();
        mapper.suspend("other", false);

        assertThat(Reports.listing(mapper)).isEqualTo("lower ACTIVE 32 sectors\n"
                + "  0 32 linear " + disk + " 0\n"
                + "other SUSPENDED 4 sectors\n"
                + "  0 4 zero\n"
                + "upper ACTIVE 8 sectors\n"
                + "  0 8 linear lower 8\n");
        mapper.resume("other");
    }

    @Test
    void listingWithoutDevicesIsAComment() {
        assertThat(Reports.listing(mapper)).isEqualTo("# no devices\n");
    }

    @Test
    void infoCountsCompletedIo() throws Exception {
        MappedDevice d = mapper.create("d", "0 32 linear " + disk + " 0", dir);
        Disks.write(d, 0, new byte[4096]);
        Disks.read(d, 512, 1024);
        Disks.read(d, 0, 512);

        assertThat(Reports.info(d)).contains("I/O:               2 reads (1536 bytes), 1 writes (4096 bytes), 0 errors\n");
    }

    @Test
    void infoShowsBothTablesAndTheSuspendedState() throws Exception {
        MappedDevice d = mapper.create("d", "0 8 zero\n8 8 zero", dir);
        mapper.load("d", "0 4 zero", dir);
        mapper.suspend("d", false);

        assertThat(Reports.info(d)).contains("State:             SUSPENDED\n")
                .contains("Tables present:    LIVE & INACTIVE\n")
                .contains("Number of targets: 2\n")
                .contains("Size:              16 sectors (8192 bytes)\n");
        assertThat(Reports.state(d)).isEqualTo("SUSPENDED");
        mapper.resume("d");
        assertThat(Reports.state(d)).isEqualTo("ACTIVE");
    }

    @Test
    void tableAndStatusPrefixEveryLineOnlyWhenAskedTo() throws Exception {
        MappedDevice d = mapper.create("d", "0 8 zero\n8 8 linear " + disk + " 0", dir);

        assertThat(Reports.table(d.liveTable(), null, false)).isEqualTo("0 8 zero\n8 8 linear " + disk + " 0\n");
        assertThat(Reports.table(d.liveTable(), "d", false)).isEqualTo("d: 0 8 zero\nd: 8 8 linear " + disk + " 0\n");
        assertThat(Reports.status(d, "d")).isEqualTo("d: 0 8 zero\nd: 8 8 linear\n");
    }
}
