package org.mapperfs.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * Links this checkout's {@code src/bin/dmsetup} into a folder on PATH (default /usr/local/sbin),
 * so that scripts written for device-mapper find it. A dmsetup that works (a kernel with
 * device-mapper) is not shadowed unless {@code --force}; one that cannot reach a kernel
 * device-mapper (Debian's, where the kernel has none) is, and the command says so and how to
 * go back ({@code --uninstall}).
 */
@Command(name = "install-dmsetup",
        description = "Put mapperfs's dmsetup on PATH (a link in DIR, default /usr/local/sbin).")
final class InstallDmsetupCommand implements Callable<Integer> {
    static final Path DEFAULT_DIR = Path.of("/usr/local/sbin");

    @Spec
    CommandSpec spec;

    @Parameters(arity = "0..1", paramLabel = "DIR", description = "Where the link goes (default: /usr/local/sbin).")
    Path dir;

    @Option(names = "--force", description = "Shadow a dmsetup that works (a kernel with device-mapper).")
    boolean force;

    @Option(names = "--uninstall", description = "Remove the link made by install-dmsetup.")
    boolean uninstall;

    /** Where this jar's checkout keeps the script: ROOT/src/bin/dmsetup next to ROOT/fuse-mount/target. */
    static Path script() throws CliException {
        Path script = checkout().resolve("src/bin/dmsetup");
        if (!Files.isExecutable(script)) {
            throw new CliException("no executable " + script + ": install from a checkout");
        }
        return script;
    }

    /** The checkout this jar was built in: ROOT of ROOT/fuse-mount/target/mapperfs.jar. */
    static Path checkout() throws CliException {
        try {
            Path jar = Path.of(InstallDmsetupCommand.class.getProtectionDomain().getCodeSource().getLocation().toURI());
            return jar.toAbsolutePath().getParent().getParent().getParent();
        } catch (URISyntaxException | RuntimeException e) {
            throw new CliException("cannot tell where mapperfs is installed: " + e.getMessage(), e);
        }
    }

    @Override
    public Integer call() throws CliException {
        Path folder = (dir != null ? dir : DEFAULT_DIR).toAbsolutePath().normalize();
        Path link = folder.resolve("dmsetup");
        PrintWriter out = spec.commandLine().getOut();
        Path script = script();
        if (uninstall) {
            if (!isLinkTo(link, script)) {
                throw new CliException(link + " is not mapperfs's dmsetup: nothing to remove");
            }
            delete(link);
            out.println("removed " + link);
            return Main.OK;
        }
        if (isLinkTo(link, script)) {
            out.println(link + " is mapperfs's dmsetup already");
            return Main.OK;
        }
        if (Files.exists(link, LinkOption.NOFOLLOW_LINKS) && !force) {
            throw new CliException(link + " exists and is not mapperfs's dmsetup; use --force to replace it");
        }
        List<Path> others = othersOnPath(folder, script);
        for (Path other : others) {
            if (works(other) && !force) {
                throw new CliException(other + " works (this kernel has device-mapper): mapperfs's dmsetup would"
                        + " shadow it; use --force to install it anyway");
            }
        }
        try {
            Files.createDirectories(folder);
            Files.deleteIfExists(link);
            Files.createSymbolicLink(link, script);
        } catch (IOException e) {
            throw new CliException("cannot link " + link + ": " + e.getMessage(), e);
        }
        out.println("linked " + link + " -> " + script);
        for (Path other : others) {
            out.println("it shadows " + other + (works(other) ? " (which works: --force)"
                    : ", which cannot reach a kernel device-mapper here")
                    + "; to go back: mapperfs install-dmsetup --uninstall" + (dir != null ? " " + folder : ""));
        }
        if (!firstOnPath(folder, others)) {
            out.println("note: " + folder + " is not before " + others.get(0).getParent()
                    + " on PATH; put it first for scripts to find mapperfs's dmsetup");
        }
        return Main.OK;
    }

    private static boolean isLinkTo(Path link, Path script) {
        try {
            return Files.isSymbolicLink(link) && link.toRealPath().equals(script.toRealPath());
        } catch (IOException e) {
            return false;
        }
    }

    /** Every other dmsetup on PATH (not {@code script}, not in {@code folder}), in PATH order. */
    static List<Path> othersOnPath(Path folder, Path script) {
        List<Path> found = new ArrayList<>();
        String path = Optional.ofNullable(System.getenv("PATH")).orElse("");
        for (String entry : path.split(":")) {
            if (entry.isEmpty()) {
                continue;
            }
            Path candidate = Path.of(entry).toAbsolutePath().normalize().resolve("dmsetup");
            if (!candidate.getParent().equals(folder) && Files.isExecutable(candidate) && !same(candidate, script)
                    && found.stream().noneMatch(p -> same(p, candidate))) {
                found.add(candidate);
            }
        }
        return found;
    }

    private static boolean same(Path a, Path b) {
        try {
            return Files.isSameFile(a, b);
        } catch (IOException e) {
            return false;
        }
    }

    /** Whether {@code folder} comes before the first other dmsetup on PATH. */
    private static boolean firstOnPath(Path folder, List<Path> others) {
        if (others.isEmpty()) {
            return true;
        }
        for (String entry : Optional.ofNullable(System.getenv("PATH")).orElse("").split(":")) {
            if (entry.isEmpty()) {
                continue;
            }
            Path p = Path.of(entry).toAbsolutePath().normalize();
            if (p.equals(folder)) {
                return true;
            }
            if (p.equals(others.get(0).getParent())) {
                return false;
            }
        }
        return false;
    }

    /** Whether {@code dmsetup version} of another dmsetup succeeds: it reaches a kernel device-mapper. */
    static boolean works(Path dmsetup) {
        try {
            Process p = new ProcessBuilder(dmsetup.toString(), "version").redirectErrorStream(true).start();
            p.getInputStream().readAllBytes();
            if (!p.waitFor(10, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                return false;
            }
            return p.exitValue() == 0;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    private static void delete(Path link) throws CliException {
        try {
            Files.delete(link);
        } catch (IOException e) {
            throw new CliException("cannot remove " + link + ": " + e.getMessage(), e);
        }
    }
}
