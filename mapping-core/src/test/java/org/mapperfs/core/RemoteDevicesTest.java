package org.mapperfs.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.mapperfs.core.nbd.NbdDevice;
import org.mapperfs.core.nbd.NbdServers;
import org.mapperfs.core.nbd.NbdUri;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Tables that name NBD exports by their URIs, against nbdkit. */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class RemoteDevicesTest {
    @TempDir
    Path dir;

    private NbdServers servers;

    @AfterEach
    void stop() {
        if (servers != null) {
            servers.close();
        }
    }

    private NbdServers servers() {
        if (servers == null) {
            servers = new NbdServers(dir);
        }
        return servers;
    }

    @Test
    void aTableNamesAnExportByItsUriWhereverItNamesADevice() throws Exception {
        servers().serve("table.sock", "memory", "8M");
        String uri = servers.uri("table.sock");
        Path file = Files.write(dir.resolve("leg.img"), new byte[8 << 20]);
        try (Mapper mapper = Mapper.standalone();
                NbdDevice direct = NbdDevice.open(NbdUri.parse(uri), 10_000)) {
            MappedDevice lin = mapper.create("lin", "0 8192 linear " + uri + " 4096", dir);
            MappedDevice mir = mapper.create("mir", "0 4096 mirror core 2 1024 nosync 2 " + file + " 0 " + uri + " 0",
                    dir);
            byte[] data = TestFiles.seeded(65536, 5);

            lin.write(ByteBuffer.wrap(data), 0);
            mir.write(ByteBuffer.wrap(data), 1 << 20);
            mir.flush();

            assertThat(TestFiles.read(direct, 4096L * 512, data.length)).as("linear at its offset").isEqualTo(data);
            assertThat(TestFiles.read(direct, 1 << 20, data.length)).as("the mirror's remote leg").isEqualTo(data);
            assertThat(lin.liveTable().text()).contains(uri);
            assertThatThrownBy(() -> mapper.create("bad", "0 8 linear nbd+unix:///?socket=" + dir.resolve("none")
                    + " 0", dir)).hasMessageContaining("cannot connect");
            assertThatThrownBy(() -> mapper.create("big", "0 99999 linear " + uri + " 0", dir))
                    .isInstanceOf(MapperException.class);
            assertThat(mapper.list()).extracting(MappedDevice::name).containsExactly("lin", "mir");
        }
    }

    /**
     * A create that waits for a server that takes the connection but never answers holds up no
     * other command: it connects before it takes the mapper's lock.
     */
    @Test
    void aCreateWaitingForAServerHoldsUpNoOtherCommand() throws Exception {
        Process stopped = servers().serve("stopped.sock", "memory", "8M");
        NbdServers.signal(stopped, "STOP");
        try (Mapper mapper = new Mapper(TargetRegistry.standard(), HolePuncher.NONE, VectorIo.NONE, Optional.empty(),
                3_000)) {
            long start = System.nanoTime();
            CompletableFuture<MappedDevice> slow = CompletableFuture.supplyAsync(() -> {
                try {
                    return mapper.create("slow", "0 8 linear " + servers.uri("stopped.sock") + " 0", dir);
                } catch (MapperException e) {
                    throw new IllegalStateException(e.getMessage(), e);
                }
            });
            Thread.sleep(300); // the create is in the handshake now
            mapper.create("other", "0 8 zero", dir);
            mapper.list();
            mapper.remove("other", false);
            assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start)).as("other commands went on")
                    .isLessThan(2_000);
            assertThat(slow.isDone()).isFalse();
            assertThatThrownBy(slow::join).hasMessageContaining("no answer to the handshake");
            assertThat(mapper.list()).isEmpty();
        }
    }
}
