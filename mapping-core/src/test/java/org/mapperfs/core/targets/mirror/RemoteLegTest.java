package org.mapperfs.core.targets.mirror;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.mapperfs.core.HolePuncher;
import org.mapperfs.core.MappedDevice;
import org.mapperfs.core.Mapper;
import org.mapperfs.core.TargetRegistry;
import org.mapperfs.core.VectorIo;
import org.mapperfs.core.nbd.NbdServers;

/**
 * DRBD-style: a mirror whose second leg is an NBD export (nbdkit's file plugin) loses its server
 * under writes: the leg turns D, the writes go on and mark their regions out of sync. When the
 * server is back, only those regions are copied: the leg is taken back by itself, or the regions
 * are found in the disk log by a restarted mapper.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class RemoteLegTest {
    private static final int MIB = 1 << 20;
    private static final int REGION = MIB / 2;

    @TempDir
    Path dir;

    private NbdServers servers;
    private Process server;
    private Path local;
    private Path remote;
    private String table;
    private final List<Mapper> mappers = new ArrayList<>();

    @BeforeEach
    void legs() throws Exception {
        servers = new NbdServers(dir);
        local = Files.write(dir.resolve("local.img"), new byte[8 * MIB]);
        remote = Files.write(dir.resolve("remote.img"), new byte[8 * MIB]);
        Files.write(dir.resolve("log.img"), new byte[64 * 1024]);
    }

    @AfterEach
    void stop() {
        mappers.forEach(Mapper::close);
        servers.close();
    }

    /**
     * Starts the leg's server. From the test's own thread, not a set-up method's: nbdkit started
     * from a thread that ends (each JUnit method has one here) goes away with it.
     */
    private void serve() throws Exception {
        server = servers.serve("leg.sock", "file", remote.toString());
    }

    /** A mirror of 16 regions of 512 KiB; requests to the remote leg fail after 2 s. */
    private MappedDevice mirror(String sync, String features) throws Exception {
        if (server == null) {
            serve();
        }
        table = "0 16384 mirror disk 3 " + dir.resolve("log.img") + " 1024 " + sync + " 2 " + local + " 0 "
                + servers.uri("leg.sock") + " 0" + features;
        Mapper mapper = new Mapper(TargetRegistry.standard(), HolePuncher.NONE, VectorIo.NONE, Optional.empty(),
                2_000);
        mappers.add(mapper);
        return mapper.create("m", table, dir);
    }

    private static String await(MappedDevice m, Predicate<String> condition) throws InterruptedException {
        String status = m.liveTable().statusText();
        for (int i = 0; i < 3000 && !condition.test(status); i++) {
            Thread.sleep(10);
            status = m.liveTable().statusText();
        }
        assertThat(condition.test(status)).as("status " + status).isTrue();
        return status;
    }

    /** The regions in sync, from a status line (start, length, "mirror", then the target's status). */
    private static long inSync(String status) {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile(" (\\d+)/16 1 ").matcher(status);
        assertThat(m.find()).as(status).isTrue();
        return Long.parseLong(m.group(1));
    }

    private static void write(MappedDevice m, int size, long offset, long seed) throws Exception {
        byte[] b = new byte[size];
        new Random(seed).nextBytes(b);
        m.write(ByteBuffer.wrap(b), offset);
    }

    /** The server goes away; writes to regions 3 and 7 go on without it, the leg turns D. */
    private String loseTheServerUnderWrites(MappedDevice m) throws Exception {
        write(m, REGION, 0, 1);
        m.flush();
        NbdServers.kill(server);
        write(m, 4096, 3L * REGION, 2); // waits the 2 s for the leg, then it is D
        write(m, 4096, 7L * REGION + 8192, 3);
        String degraded = m.liveTable().statusText();
        assertThat(degraded).as("the remote leg is down, the two regions written are out of sync")
                .contains(" 14/16 1 AD ");
        return degraded;
    }

    private void assertLegsEqual(String context) throws Exception {
        byte[] l = Files.readAllBytes(local);
        byte[] r = Files.readAllBytes(remote);
        List<Integer> differ = new ArrayList<>();
        for (int region = 0; region < 16; region++) {
            if (!Arrays.equals(l, region * REGION, (region + 1) * REGION, r, region * REGION, (region + 1) * REGION)) {
                differ.add(region);
            }
        }
        assertThat(differ).as("regions whose legs differ; " + context).isEmpty();
    }

    @Test
    void aLegWhoseServerReturnsIsTakenBackAndGetsOnlyTheRegionsWrittenMeanwhile() throws Exception {
        // 1 MiB/s: each region takes half a second, so the resync's progress can be watched.
        MappedDevice m = mirror("nosync", " 2 max_recovery_rate 1024");
        loseTheServerUnderWrites(m);

        serve();
        String back = await(m, s -> s.contains(" AA "));
        assertThat(inSync(back)).as(back + ": only regions 3 and 7 are to copy").isGreaterThanOrEqualTo(14);
        String done = await(m, s -> s.contains(" 16/16 "));
        assertLegsEqual("status " + done);
        write(m, 4096, 5L * REGION, 4); // the leg takes writes again
        m.flush();
        assertThat(m.liveTable().statusText()).contains(" 16/16 1 AA ");
        assertLegsEqual("after a write to both legs");
    }

    @Test
    void aLegThatFailedAFlushGetsEveryRegionBack() throws Exception {
        // 1 MiB/s, half a second a region: "AA" seen up to 1.5 s late still shows the copy begun.
        MappedDevice m = mirror("nosync", " 2 max_recovery_rate 1024");
        write(m, REGION, 0, 1);
        NbdServers.kill(server);
        m.flush(); // the primary takes it; the remote leg's flush fails after 2 s: F
        assertThat(m.liveTable().statusText()).contains(" 16/16 1 AF ");

        serve();
        String back = await(m, s -> s.contains(" AA "));
        assertThat(inSync(back)).as(back + ": writes the leg took before its flush failed may be lost anywhere")
                .isLessThanOrEqualTo(3);
        String done = await(m, s -> s.contains(" 16/16 "));
        assertLegsEqual("status " + done);
    }

    @Test
    void aRestartFindsTheRegionsWrittenWhileTheLegWasAwayInTheDiskLog() throws Exception {
        MappedDevice m = mirror("sync", "");
        await(m, s -> s.contains(" 16/16 ")); // the first resync: 8 MiB
        loseTheServerUnderWrites(m);
        mappers.get(0).close(); // the log is written clean: it names every region the leg lacks

        serve();
        MappedDevice again = mirror("sync", "");
        String first = again.liveTable().statusText();
        assertThat(inSync(first)).as(first + ": only regions 3 and 7 are to copy").isGreaterThanOrEqualTo(14);
        String done = await(again, s -> s.contains(" 16/16 1 AA "));
        assertLegsEqual("status " + done);
    }
}
