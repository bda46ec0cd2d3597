package org.mapperfs.cli.dmsetup;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.mapperfs.core.TargetRegistry;

/**
 * dmsetup's reports, in its formats: {@code table}, {@code status}, {@code info} (long form and
 * {@code -c} columns), {@code ls}, {@code deps}, {@code targets}, {@code version}. Devices are
 * shown with their loop device's {@code major:minor}, as the kernel shows a dm device's.
 */
final class ReportCommands {
    static final String LIBRARY_VERSION = "1.02.185 (2022-05-18)";
    static final String DRIVER_VERSION = "4.48.0";

    private final Session session;
    private final Getopt.Parsed options;

    ReportCommands(Session session, Getopt.Parsed options) {
        this.session = session;
        this.options = options;
    }

    /** The targets mapperfs serves, as {@code %-16s vX.Y.Z}: callers skip tests by this list. */
    static String targets() {
        StringBuilder sb = new StringBuilder();
        for (String type : TargetRegistry.standard().types()) {
            String version = TargetRegistry.kernelVersion(type).orElse("1.0.0");
            sb.append(String.format("%-16s v%s%n", type, version));
        }
        return sb.toString();
    }

    static String version() {
        return "Library version:   " + LIBRARY_VERSION + " (mapperfs)\nDriver version:    " + DRIVER_VERSION + "\n";
    }

    /** {@code table} or {@code status} of the devices named, or of every device with a NAME: prefix. */
    void lines(String verb, List<String> args) throws DmFailure {
        if (options.has("concise")) {
            throw new DmFailure("mapperfs: " + verb + " --concise is not supported");
        }
        boolean all = args.isEmpty();
        List<String> names = all ? session.names() : devices(verb, args);
        if (names.isEmpty()) {
            session.out.println("No devices found");
            return;
        }
        String target = options.value("target");
        boolean inactive = options.has("inactive") && verb.equals("table");
        for (String name : names) {
            String reply = session.send(verb, name, verb + (inactive ? " --inactive " : " ") + name);
            for (String line : reply.split("\n")) {
                if (line.isEmpty()) {
                    continue;
                }
                String[] words = line.split(" ", 4);
                if (target != null && (words.length < 3 || !words[2].equals(target))) {
                    continue;
                }
                session.out.println((all ? name + ": " : "") + TableDevices.out(line, session));
            }
        }
    }

    void info(List<String> args) throws DmFailure {
        for (String unsupported : List.of("rows", "select", "sort")) {
            if (options.has(unsupported)) {
                throw new DmFailure("mapperfs: info --" + unsupported + " is not supported");
            }
        }
        List<String> names = args.isEmpty() ? session.names() : devices("info", args);
        if (options.has("columns")) {
            new InfoColumns(options).print(rows(names), session.out);
            return;
        }
        if (names.isEmpty()) {
            session.out.println("No devices found");
            return;
        }
        for (String name : names) {
            InfoColumns.Row r = row(name);
            session.out.printf("Name:              %s%n", r.name());
            session.out.printf("State:             %s%s%n", r.suspended() ? "SUSPENDED" : "ACTIVE",
                    r.readOnly() ? " (READ-ONLY)" : "");
            session.out.printf("Read Ahead:        %d%n", r.readAhead());
            session.out.printf("Tables present:    %s%n", r.inactive() ? "LIVE & INACTIVE" : "LIVE");
            session.out.printf("Open count:        %d%n", r.open());
            session.out.printf("Event number:      %d%n", r.events());
            session.out.printf("Major, minor:      %d, %d%n", r.major(), r.minor());
            session.out.printf("Number of targets: %d%n", r.targets());
            if (!r.uuid().isEmpty()) {
                session.out.printf("UUID: %s%n", r.uuid());
            }
            session.out.println();
        }
    }

    private List<InfoColumns.Row> rows(List<String> names) throws DmFailure {
        List<InfoColumns.Row> rows = new ArrayList<>();
        for (String name : names) {
            rows.add(row(name));
        }
        return rows;
    }

    private InfoColumns.Row row(String name) throws DmFailure {
        Map<String, String> info = session.info(name);
        Optional<String> loop = session.kernel.loopOf(name);
        String[] numbers = loop.flatMap(KernelDevices::numbers).orElse("-1:-1").split(":");
        boolean readOnly = loop.map(l -> KernelDevices.attribute(l, "ro").equals("1")).orElse(false);
        long readAhead = loop.map(l -> parse(KernelDevices.attribute(l, "queue/read_ahead_kb")) * 2).orElse(256L);
        int open = loop.map(l -> KernelDevices.busy(l) ? 1 : 0).orElse(0);
        return new InfoColumns.Row(name, Integer.parseInt(numbers[0]), Integer.parseInt(numbers[1]),
                loop.map(l -> Path.of(l).getFileName().toString()).orElse(""),
                "SUSPENDED".equals(info.get("State")), info.getOrDefault("Tables present", "").contains("INACTIVE"),
                readOnly, open, (int) parse(info.get("Number of targets")), parse(info.get("Event number")),
                info.getOrDefault("UUID", ""), readAhead);
    }

    void ls(List<String> args) throws DmFailure {
        if (options.has("tree")) {
            session.out.print(session.send("ls", "", "ls --tree"));
            return;
        }
        List<String> names = session.names();
        String target = options.value("target");
        String form = options.value("options");
        int shown = 0;
        for (String name : names) {
            if (target != null && !usesTarget(name, target)) {
                continue;
            }
            Optional<String> loop = session.kernel.loopOf(name);
            String numbers = loop.flatMap(KernelDevices::numbers).orElse("-1:-1");
            String shownAs;
            if (form != null && (form.equals("devname") || form.equals("blkdevname"))) {
                shownAs = loop.map(l -> Path.of(l).getFileName().toString()).orElse(name);
            } else if (target != null) {
                shownAs = numbers.replace(":", ", ");
            } else {
                shownAs = numbers;
            }
            session.out.println(name + "\t(" + shownAs + ")");
            shown++;
        }
        if (shown == 0) {
            session.out.println("No devices found");
        }
    }

    private boolean usesTarget(String name, String target) throws DmFailure {
        for (String line : session.send("table", name, "table " + name).split("\n")) {
            String[] words = line.split(" ");
            if (words.length >= 3 && words[2].equals(target)) {
                return true;
            }
        }
        return false;
    }

    /** {@code deps}: {@code N dependencies\t: (maj, min) ...}, or (loopN) with -o devname. */
    void deps(List<String> args) throws DmFailure {
        boolean all = args.isEmpty();
        List<String> names = all ? session.names() : devices("deps", args);
        String form = options.value("options");
        boolean byName = form != null && (form.equals("devname") || form.equals("blkdevname"));
        for (String name : names) {
            String reply = session.send("deps", name, "deps " + name).strip();
            int colon = reply.indexOf(':');
            StringBuilder sb = new StringBuilder(reply.substring(0, colon + 1));
            for (String dep : reply.substring(colon + 1).strip().split("\\) ?")) {
                if (dep.isBlank()) {
                    continue;
                }
                sb.append(" (").append(dependency(dep.strip().substring(1), byName)).append(')');
            }
            session.out.println((all ? name + ": " : "") + sb);
        }
    }

    private String dependency(String dep, boolean byName) throws DmFailure {
        Optional<String> numbers = session.names().contains(dep) ? session.numbers(dep)
                : KernelDevices.blockNumbers(Path.of(dep));
        if (numbers.isEmpty()) {
            return dep; // a backing file: it has no device numbers
        }
        if (byName) {
            return KernelDevices.kernelName(numbers.get()).orElse(dep);
        }
        return numbers.get().replace(":", ", ");
    }

    private List<String> devices(String verb, List<String> args) throws DmFailure {
        List<String> names = new ArrayList<>();
        for (String arg : args) {
            names.add(session.find(arg).orElseThrow(() -> new DmFailure("Device does not exist.")));
        }
        return names;
    }

    private static long parse(String number) {
        try {
            return Long.parseLong(number == null ? "" : number.strip());
        } catch (NumberFormatException e) {
            return 0;
        }
    }
}
