package org.mapperfs.daemon;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.mapperfs.control.ControlCommands;
import org.mapperfs.control.Host;
import org.mapperfs.core.Mapper;
import org.mapperfs.core.MapperException;
import org.mapperfs.core.TargetRegistry;
import org.mapperfs.core.nbd.RemoteOptions;
import org.mapperfs.fs.ControlHandle;
import org.mapperfs.fs.MapperFs;
import org.mapperfs.libc.LibcHoles;
import org.mapperfs.libc.LibcVectorIo;
import org.mapperfs.libc.Posix;
import org.mapperfs.libc.SystemdNotify;
import org.mapperfs.control.PrometheusReport;
import io.prometheus.metrics.exporter.httpserver.HTTPServer;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.net.InetSocketAddress;
import org.mapperfs.transport.Transport;
import org.mapperfs.transport.libfuse.DeviceFs;
import org.mapperfs.transport.wire.WireSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The mapperfs daemon in the foreground: takes the state folder, restores its devices, mounts,
 * serves until unmounted, then flushes and closes every device.
 */
public final class Daemon {
    private static final Logger log = LoggerFactory.getLogger(Daemon.class);
    public static final String VERSION = "0.1.0";
    public static final String FS_TYPE = Transport.FS_TYPE;
    static final int OOM_SCORE_ADJ = -900;

    /** Where the daemon serves and keeps its tables: the host of its control commands. */
    public record Info(Path mountPoint, StateStore store) implements Host {
        @Override
        public String version() {
            return VERSION;
        }

        @Override
        public Path stateDir() {
            return store.dir();
        }

        @Override
        public void saveTables(Mapper mapper) throws IOException {
            store.sync(mapper);
        }

        @Override
        public List<String> loopsAttachedTo(Path file) {
            return Loops.attachedTo(file).stream().map(Loops.Loop::device).toList();
        }
    }

    /** The largest read or write the wire transport takes by default (bytes). */
    public static final int DEFAULT_MAX_REQUEST = WireSession.DEFAULT_REQUEST;

    /** How to mount; {@code maxRequest} (bytes, a multiple of 4 KiB) applies to the wire transport. */
    /** @param metrics where to serve the Prometheus text over HTTP (host and port), or empty for nowhere */
    public record Settings(Path mountPoint, Path stateDir, boolean allowOther, int fileMode, boolean directIo,
            boolean debug, TransportType transport, int maxRequest, Optional<InetSocketAddress> metrics,
            RemoteOptions remote) {}

    /** How the daemon speaks FUSE: the kernel's protocol on /dev/fuse itself, or through libfuse 2. */
    public enum TransportType { WIRE, URING, LIBFUSE }

    private Daemon() {}

    /** Whether the wire transport can take reads and writes of up to {@code bytes}: 4 KiB steps up to 1 MiB. */
    public static boolean validMaxRequest(int bytes) {
        return WireSession.validRequest(bytes);
    }

    /** Runs until the file system is unmounted; returns the exit code. */
    public static int run(Settings s) throws IOException, MapperException, InterruptedException {
        Path mountPoint = s.mountPoint().toAbsolutePath().normalize();
        // The stale mount first: a dead FUSE mount point cannot even be stat'ed (ENOTCONN).
        clearStaleMount(mountPoint);
        Files.createDirectories(mountPoint);
        StateStore store = new StateStore(s.stateDir().toAbsolutePath().normalize());
        try (FileChannel lockFile = FileChannel.open(store.dir().resolve("lock"), StandardOpenOption.CREATE,
                StandardOpenOption.WRITE)) {
            FileLock lock = lockFile.tryLock();
            if (lock == null) {
                throw new MapperException(MapperException.Reason.BUSY,
                        "state folder " + store.dir() + " is in use by another mapperfs daemon");
            }
            lowerOomScore();
            requestTimeout(Path.of("/proc/sys/fs/fuse/default_request_timeout"))
                    .ifPresent(seconds -> log.warn("fs.fuse.default_request_timeout is {} s: the kernel aborts this"
                            + " mount when any request waits longer, I/O held at a suspended device included;"
                            + " set it to 0 to suspend devices for longer", seconds));
            Mapper mapper = new Mapper(TargetRegistry.standard(), new LibcHoles(), new LibcVectorIo(),
                    Optional.of(mountPoint), s.remote());
            restore(mapper, store);
            return serve(s, mountPoint, store, mapper);
        }
    }

    private static int serve(Settings s, Path mountPoint, StateStore store, Mapper mapper)
            throws MapperException, InterruptedException {
        ControlCommands commands = new ControlCommands(mapper, new Info(mountPoint, store));
        MapperFs core = new MapperFs(mapper, commands, new MapperFs.Options(Posix.uid(), Posix.gid(),
                s.fileMode(), s.directIo()));
        Transport fs = s.transport() == TransportType.LIBFUSE
                ? new DeviceFs(core)
                : new WireSession(core, s.maxRequest(), s.transport() == TransportType.URING, mapper::abandonIo);
        AtomicBoolean closed = new AtomicBoolean();
        Runnable close = () -> {
            if (closed.compareAndSet(false, true)) {
                mapper.close();
                log.info("all devices flushed and closed");
            }
        };
        Thread hook = new Thread(close, "mapperfs-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        Thread fuse = new Thread(() -> {
            try {
                fs.serve(mountPoint, s.allowOther(), s.debug());
            } catch (Exception e) {
                log.error("mount failed: {}", e.toString());
            }
        }, "mapperfs-fuse");
        fuse.start();
        while (!fs.initialized().await(50, TimeUnit.MILLISECONDS)) {
            if (!fuse.isAlive()) {
                close.run();
                throw new MapperException(MapperException.Reason.IO, "mounting " + mountPoint
                        + " failed (see the message above)");
            }
        }
        System.out.println("mapperfs " + VERSION + " mounted at " + mountPoint + " (state " + store.dir() + ", "
                + mapper.list().size() + " devices, pid " + ProcessHandle.current().pid() + ")");
        System.out.flush();
        // Ready only now: the mount is live and every stored device is back (systemd's Type=notify).
        HTTPServer metrics = null;
        if (s.metrics().isPresent()) {
            InetSocketAddress at = s.metrics().get();
            PrometheusRegistry registry = new PrometheusRegistry();
            registry.register(new PrometheusReport(mapper));
            try {
                metrics = HTTPServer.builder().inetAddress(at.getAddress()).port(at.getPort()).registry(registry)
                        .buildAndStart();
                log.info("metrics at http://{}:{}/metrics", at.getHostString(), metrics.getPort());
            } catch (IOException e) {
                log.error("cannot serve metrics at {}: {} (the mount goes on without them)", at, e.toString());
            }
        }
        SystemdNotify notify = SystemdNotify.fromEnvironment();
        notify.send("READY=1\nMAINPID=" + ProcessHandle.current().pid() + "\nSTATUS=mounted at " + mountPoint + ", "
                + mapper.list().size() + " devices");
        fuse.join();
        notify.send("STOPPING=1\nSTATUS=unmounted; flushing and closing the devices");
        if (metrics != null) {
            metrics.close();
        }
        close.run();
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException e) {
            // already shutting down
        }
        return 0;
    }

    /**
     * Recreates the stored devices. A table may name another device, so devices are created in
     * rounds until no more can be; what still fails is logged and its file left as it is.
     */
    static void restore(Mapper mapper, StateStore store) throws IOException {
        Map<String, String> pending = new TreeMap<>(store.read());
        Map<String, String> errors = new TreeMap<>();
        boolean progress = true;
        while (!pending.isEmpty() && progress) {
            progress = false;
            errors.clear();
            for (Map.Entry<String, String> e : List.copyOf(pending.entrySet())) {
                try {
                    mapper.create(e.getKey(), StateStore.uuidOf(e.getValue()), e.getValue(), store.dir());
                    pending.remove(e.getKey());
                    progress = true;
                } catch (MapperException ex) {
                    errors.put(e.getKey(), ex.getMessage());
                }
            }
        }
        errors.forEach((name, error) -> log.error("could not restore device {}: {}", name,
                ControlHandle.printable(error, ControlHandle.MAX_MESSAGE)));
        pending.keySet().forEach(store::forget);
        if (!mapper.list().isEmpty()) {
            log.info("restored {} device(s) from {}", mapper.list().size(), store.dir());
        }
    }

    /**
     * The OOM killer's last choice but one: killing the daemon takes every device with it (the
     * loop devices' writers get errors, file systems on them go read-only), where killing a
     * memory hog costs only that process. -900, not -1000: a leak of the daemon's own can still
     * be stopped.
     */
    private static void lowerOomScore() {
        try {
            Files.writeString(Path.of("/proc/self/oom_score_adj"), Integer.toString(OOM_SCORE_ADJ));
        } catch (IOException e) {
            log.warn("could not lower the daemon's OOM score to {} ({}; it needs CAP_SYS_RESOURCE): it may be killed"
                    + " before a memory hog", OOM_SCORE_ADJ,
                    e.getMessage());
        }
    }

    /**
     * The kernel's FUSE request timeout for new mounts (Linux 6.14+), if one is set: past it the
     * kernel aborts the whole connection, whatever the request waits for. mapperfs asks for none.
     */
    static Optional<Long> requestTimeout(Path sysctl) {
        try {
            long seconds = Long.parseLong(Files.readString(sysctl).strip());
            return seconds > 0 ? Optional.of(seconds) : Optional.empty();
        } catch (IOException | NumberFormatException e) {
            return Optional.empty(); // an older kernel: no timeouts
        }
    }

    /** A daemon killed without unmounting leaves "Transport endpoint is not connected" behind. */
    private static void clearStaleMount(Path mountPoint) throws IOException, MapperException {
        if (!Mounts.isMounted(mountPoint)) {
            return;
        }
        if (Files.exists(mountPoint.resolve("control"))) {
            throw new MapperException(MapperException.Reason.BUSY, "a mapperfs is already mounted at " + mountPoint);
        }
        if (Mounts.fsType(mountPoint).filter(FS_TYPE::equals).isEmpty()) {
            throw new MapperException(MapperException.Reason.BUSY, mountPoint + " is already a mount point");
        }
        log.warn("clearing a stale mapperfs mount at {}", mountPoint);
        for (Loops.Loop l : Loops.under(mountPoint)) {
            log.warn("{}", l.deadMountHint());
        }
        Mounts.unmount(mountPoint, true);
    }
}
