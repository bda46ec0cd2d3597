package org.mapperfs.cli;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.mapperfs.core.MapperException;
import org.mapperfs.core.nbd.RemoteOptions;
import org.mapperfs.daemon.Daemon;
import org.mapperfs.daemon.Mounts;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * Starts the daemon. By default it runs in the background and this command returns once the
 * mount is ready (or prints why it failed); {@code --foreground} runs it in this process.
 */
@Command(name = "mount", description = "Mount mapperfs and restore the devices of its state folder.")
final class MountCommand implements Callable<Integer>, ContextAware {
    static final String JAVA_OPTS_ENV = "MAPPERFS_DAEMON_JAVA_OPTS";
    static final String DEFAULT_JAVA_OPTS = "-Xms32m -Xmx128m -XX:+UseSerialGC -XX:MaxMetaspaceSize=64m"
            // No thread keeps a temporary direct buffer over 256 KiB (heap-buffer I/O of that size).
            + " -Djdk.nio.maxCachedBufferSize=262144";
    private static final long READY_TIMEOUT_MILLIS = 30_000;
    /** A size: digits, then K or M (KiB, MiB) or nothing (bytes). */
    private static final Pattern SIZE = Pattern.compile("(\\d{1,8})([KkMm]?)(?:i?B)?");

    private final Context context;

    @Spec
    CommandSpec spec;

    @Parameters(arity = "0..1", paramLabel = "MNT", description = "Mount point (default: -m, $MAPPERFS_MOUNT or /run/mapperfs).")
    Path mount;

    @Option(names = "--state", paramLabel = "DIR",
            description = "Where device tables are kept (default: /var/lib/mapperfs/<mount point>).")
    Path state;

    @Option(names = "--foreground", description = "Run the daemon in this process until unmounted.")
    boolean foreground;

    @Option(names = "--allow-other", description = "Let other users reach the mount (file modes still apply).")
    boolean allowOther;

    @Option(names = "--mode", paramLabel = "OCTAL", defaultValue = "0600",
            description = "Mode of the control and device files (default: ${DEFAULT-VALUE}).")
    String mode;

    @Option(names = "--page-cache", description = "Let device files use the kernel page cache (no FUSE direct_io).")
    boolean pageCache;

    @Option(names = "--debug", description = "Print every FUSE request (libfuse -d; the wire transport logs them).")
    boolean debug;

    @Option(names = "--transport", paramLabel = "wire|uring|libfuse", defaultValue = "wire",
            description = "How the daemon speaks FUSE: 'wire' (the kernel's protocol on /dev/fuse, many requests in "
                    + "flight, up to 1 MiB each), 'uring' (the same protocol over io_uring queues, one per CPU, where the "
                    + "kernel has FUSE over io_uring, else as wire) or 'libfuse' (libfuse 2 through jnr-fuse). "
                    + "Default: ${DEFAULT-VALUE}.")
    String transport;

    @Option(names = "--metrics", paramLabel = "HOST:PORT",
            description = "Also serve the devices' counters in the Prometheus text format at http://HOST:PORT/metrics "
                    + "(for example 127.0.0.1:9877; port 0 picks a free one, which the log names).")
    String metrics;

    @Option(names = "--remote-timeout", paramLabel = "SECONDS", defaultValue = "30",
            description = "How long a request to a remote export (an NBD URI in a table) may take, reconnections "
                    + "included, before it fails with EIO (default: ${DEFAULT-VALUE}).")
    long remoteTimeoutSeconds;

    @Option(names = "--remote-connections", paramLabel = "N", defaultValue = "1",
            description = "Connections per remote export where its server allows several (multi-conn), 1 to 16 "
                    + "(default: ${DEFAULT-VALUE}: with a server on the same machine, one was fastest).")
    int remoteConnections;

    @Option(names = "--max-request", paramLabel = "SIZE",
            description = "Largest read or write the kernel sends the daemon: 4K to 1M in steps of 4K (wire transport;"
                    + " default 256K). Larger requests suit big synchronous I/O straight on device files (dd bs=1M).")
    String maxRequest;

    MountCommand(Context context) {
        this.context = context;
    }

    @Override
    public Integer call() throws CliException {
        Path mountPoint = mount != null ? mount.toAbsolutePath().normalize() : context.mountPoint();
        Path stateDir = state != null ? state.toAbsolutePath().normalize() : defaultState(mountPoint);
        int fileMode = parseMode();
        Daemon.TransportType type = parseTransport();
        metricsAddress(metrics); // refused here, not in the daemon's log
        remoteOptions(remoteTimeoutSeconds, remoteConnections); // refused here, not in the daemon's log
        int requestBytes = Daemon.DEFAULT_MAX_REQUEST;
        if (maxRequest != null) {
            if (type == Daemon.TransportType.LIBFUSE) {
                throw new CliException("--max-request applies to the wire and uring transports (libfuse 2 takes at most 128 KiB"
                        + " a request)");
            }
            requestBytes = parseRequestSize(maxRequest);
        }
        if (foreground) {
            return runDaemon(mountPoint, stateDir, fileMode, type, requestBytes);
        }
        return startDaemon(mountPoint, stateDir);
    }

    /**
     * /var/lib/mapperfs/ESCAPED-MOUNT-POINT for root; for another user
     * ${XDG_STATE_HOME:-~/.local/state}/mapperfs/ESCAPED-MOUNT-POINT, a folder of their own.
     */
    static Path defaultState(Path mountPoint) {
        String escaped = mountPoint.toString().replaceAll("^/+", "").replace('/', '-');
        Path base = Path.of("/var/lib/mapperfs");
        if (org.mapperfs.libc.Posix.uid() != 0) {
            String xdg = System.getenv("XDG_STATE_HOME");
            base = (xdg != null && !xdg.isBlank() ? Path.of(xdg) : Path.of(System.getProperty("user.home"), ".local",
                    "state")).resolve("mapperfs");
        }
        return base.resolve(escaped.isEmpty() ? "root" : escaped);
    }

    /** {@code HOST:PORT} (an IPv6 host in brackets), or empty without the option. */
    static Optional<InetSocketAddress> metricsAddress(String text) throws CliException {
        if (text == null) {
            return Optional.empty();
        }
        int colon = text.lastIndexOf(':');
        try {
            String host = text.substring(0, Math.max(colon, 0)).replaceAll("^\\[|\\]$", "");
            int port = Integer.parseInt(text.substring(colon + 1));
            if (colon <= 0 || port < 0 || port > 65535) {
                throw new NumberFormatException();
            }
            InetSocketAddress at = new InetSocketAddress(host, port);
            if (at.isUnresolved()) {
                throw new CliException("invalid --metrics '" + text + "': unknown host " + host);
            }
            return Optional.of(at);
        } catch (NumberFormatException e) {
            throw new CliException("invalid --metrics '" + text + "': expected HOST:PORT, such as 127.0.0.1:9877");
        }
    }

    private int parseMode() throws CliException {
        try {
            int m = Integer.parseInt(mode, 8);
            if (m < 0 || m > 0777) {
                throw new NumberFormatException();
            }
            return m;
        } catch (NumberFormatException e) {
            throw new CliException("invalid --mode '" + mode + "': expected an octal mode such as 0600");
        }
    }

    /** {@code 256K}, {@code 1M}, {@code 262144}: a multiple of 4 KiB from 4 KiB to the kernel's 1 MiB. */
    static int parseRequestSize(String text) throws CliException {
        Matcher m = SIZE.matcher(text.strip());
        if (m.matches()) {
            long n = Long.parseLong(m.group(1)) << switch (m.group(2).toUpperCase(Locale.ROOT)) {
                case "K" -> 10;
                case "M" -> 20;
                default -> 0;
            };
            if (n <= Integer.MAX_VALUE && Daemon.validMaxRequest((int) n)) {
                return (int) n;
            }
        }
        throw new CliException("invalid --max-request '" + text + "': a multiple of 4K from 4K to 1M, such as 256K");
    }

    private Daemon.TransportType parseTransport() {
        return switch (transport) {
            case "wire" -> Daemon.TransportType.WIRE;
            case "uring" -> Daemon.TransportType.URING;
            case "libfuse" -> Daemon.TransportType.LIBFUSE;
            default -> throw new ParameterException(spec.commandLine(),
                    "invalid --transport '" + transport + "': expected wire, uring or libfuse");
        };
    }

    /** --remote-timeout and --remote-connections, checked. */
    static RemoteOptions remoteOptions(long timeoutSeconds, int connections) throws CliException {
        if (timeoutSeconds < 1 || timeoutSeconds > 86_400) {
            throw new CliException("invalid --remote-timeout " + timeoutSeconds + ": from 1 to 86400 seconds");
        }
        if (connections < 1 || connections > RemoteOptions.MAX_CONNECTIONS) {
            throw new CliException("invalid --remote-connections " + connections + ": from 1 to "
                    + RemoteOptions.MAX_CONNECTIONS);
        }
        return new RemoteOptions(timeoutSeconds * 1000, connections);
    }

    private int runDaemon(Path mountPoint, Path stateDir, int fileMode, Daemon.TransportType type, int requestBytes)
            throws CliException {
        try {
            return Daemon.run(new Daemon.Settings(mountPoint, stateDir, allowOther, fileMode, !pageCache, debug, type,
                    requestBytes, metricsAddress(metrics),
                    remoteOptions(remoteTimeoutSeconds, remoteConnections)));
        } catch (MapperException e) {
            throw new CliException(e.getMessage(), e);
        } catch (IOException e) {
            throw new CliException(e.toString(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CliException("interrupted");
        }
    }

    private int startDaemon(Path mountPoint, Path stateDir) throws CliException {
        try {
            if (Mounts.isMounted(mountPoint) && Files.exists(mountPoint.resolve("control"))) {
                throw new CliException("a mapperfs is already mounted at " + mountPoint);
            }
            Files.createDirectories(stateDir);
            Path log = stateDir.resolve("daemon.log");
            long logStart = Files.exists(log) ? Files.size(log) : 0;
            List<String> command = daemonCommand(mountPoint, stateDir, daemonClassPath(stateDir));
            Process daemon = new ProcessBuilder(command)
                    .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()))
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
                    .redirectErrorStream(true)
                    .start();
            long deadline = System.currentTimeMillis() + READY_TIMEOUT_MILLIS;
            while (System.currentTimeMillis() < deadline) {
                if (!daemon.isAlive()) {
                    throw new CliException(whyItFailed(log, logStart) + " (daemon exit code " + daemon.exitValue()
                            + "; log " + log + ")");
                }
                if (Mounts.fsType(mountPoint).filter(Daemon.FS_TYPE::equals).isPresent()
                        && Files.exists(mountPoint.resolve("control"))) {
                    spec.commandLine().getOut().println("mapperfs mounted at " + mountPoint + " (pid " + daemon.pid()
                            + ", state " + stateDir + ", log " + log + ")");
                    return Main.OK;
                }
                Thread.sleep(20);
            }
            daemon.destroy();
            throw new CliException("the mount at " + mountPoint + " was not ready after "
                    + READY_TIMEOUT_MILLIS / 1000 + " s; see " + log);
        } catch (IOException e) {
            throw new CliException("starting the daemon: " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CliException("interrupted");
        }
    }

    /**
     * The daemon's own copy of this program's jar, in the state folder: a daemon loads classes
     * from its jar for as long as it runs, and a jar rebuilt or upgraded in place under it would
     * make it fail them. The copy is renamed into place, so a daemon that still runs on an older
     * copy keeps its file. A class path that is no single jar (tests, an IDE) is used as it is.
     */
    static String daemonClassPath(Path stateDir) throws IOException {
        String classPath = System.getProperty("java.class.path");
        Path jar = Path.of(classPath);
        if (classPath.contains(java.io.File.pathSeparator) || !classPath.endsWith(".jar") || !Files.isRegularFile(jar)) {
            return classPath;
        }
        Path copy = stateDir.resolve("daemon.jar");
        Path temp = Files.createTempFile(stateDir, "daemon", ".jar.tmp");
        try {
            Files.copy(jar, temp, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            Files.move(temp, copy, java.nio.file.StandardCopyOption.ATOMIC_MOVE,
                    java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        } finally {
            Files.deleteIfExists(temp);
        }
        return copy.toString();
    }

    /** The same program, in a new session (setsid) so that it outlives this terminal. */
    private List<String> daemonCommand(Path mountPoint, Path stateDir, String classPath) {
        List<String> command = new ArrayList<>();
        if (Files.isExecutable(Path.of("/usr/bin/setsid"))) {
            command.add("/usr/bin/setsid");
        }
        command.add(ProcessHandle.current().info().command().orElse("java"));
        String opts = System.getenv(JAVA_OPTS_ENV);
        for (String o : (opts == null ? DEFAULT_JAVA_OPTS : opts).trim().split("\\s+")) {
            if (!o.isEmpty()) {
                command.add(o);
            }
        }
        command.addAll(List.of("-cp", classPath, Main.class.getName(),
                "mount", "--foreground", mountPoint.toString(), "--state", stateDir.toString(), "--mode", mode,
                "--transport", transport));
        if (allowOther) {
            command.add("--allow-other");
        }
        if (pageCache) {
            command.add("--page-cache");
        }
        if (maxRequest != null) {
            command.addAll(List.of("--max-request", maxRequest));
        }
        if (metrics != null) {
            command.addAll(List.of("--metrics", metrics));
        }
        command.addAll(List.of("--remote-timeout", String.valueOf(remoteTimeoutSeconds)));
        command.addAll(List.of("--remote-connections", String.valueOf(remoteConnections)));
        if (debug) {
            command.add("--debug");
        }
        return command;
    }

    /**
     * The reason a daemon that just started gave up: its last error line in the log (written since
     * {@code from}), without the log's time stamp and logger; else its last line.
     */
    static String whyItFailed(Path log, long from) {
        try {
            List<String> lines;
            try (var in = java.nio.channels.FileChannel.open(log)) {
                in.position(Math.min(from, in.size()));
                lines = new String(java.nio.channels.Channels.newInputStream(in).readAllBytes(),
                        StandardCharsets.UTF_8).lines().toList();
            }
            for (int i = lines.size() - 1; i >= 0; i--) {
                String line = lines.get(i);
                int error = line.indexOf(" [ERROR] ");
                if (error >= 0) {
                    String message = line.substring(error + " [ERROR] ".length());
                    message = message.substring(message.indexOf(" - ") + 3);
                    return message.replace("java.io.IOException: ", "");
                }
            }
            return lines.isEmpty() ? "the daemon exited without a word"
                    : lines.get(lines.size() - 1).replaceFirst("^mapperfs: ", "");
        } catch (IOException e) {
            return "the daemon exited (no log at " + log + ")";
        }
    }
}
