package org.mapperfs.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.Callable;
import org.mapperfs.core.targets.logwrites.LogReplay;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code mapperfs replay-log}: reads a log-writes log (the kernel's format) and replays it onto a
 * device or file, as fstests' replay-log does: everything, a number of entries, or up to a mark;
 * {@code --find} prints where the next flush or mark is; {@code --check flush --fsck CMD} replays
 * to every flush point in turn and runs CMD at each, the crash-consistency check.
 */
@Command(name = "replay-log", description = "Replay a log-writes log onto a device, to an entry, a mark or each flush.")
final class ReplayLogCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--log", required = true, paramLabel = "LOG", description = "The log (the log-writes target's log_dev).")
    Path log;

    @Option(names = "--replay", paramLabel = "DEV", description = "The device or file to replay onto.")
    Path replay;

    @Option(names = "--start-entry", paramLabel = "N", description = "Start at entry N (default 0).")
    long start;

    @Option(names = "--limit", paramLabel = "N", description = "Replay N entries.")
    Long limit;

    @Option(names = "--end-mark", paramLabel = "NAME", description = "Replay up to and including the mark NAME.")
    String endMark;

    @Option(names = "--start-mark", paramLabel = "NAME", description = "Start after the mark NAME.")
    String startMark;

    @Option(names = "--find", description = "Print ENTRY@LOG_SECTOR of the next flush (--next-flush) or mark (--next-mark).")
    boolean find;

    @Option(names = "--next-flush", description = "With --find: the next flush entry.")
    boolean nextFlush;

    @Option(names = "--next-mark", paramLabel = "NAME", description = "With --find: the mark NAME.")
    String nextMark;

    @Option(names = "--check", paramLabel = "flush", description = "Replay to every flush point in turn (only 'flush');"
            + " with --start-mark or --start-entry, what comes before is replayed first and not checked.")
    String check;

    @Option(names = "--fsck", paramLabel = "CMD", description = "With --check: the command run at each point (sh -c).")
    String fsck;

    @Override
    public Integer call() throws CliException, IOException {
        PrintWriter out = spec.commandLine().getOut();
        try (LogReplay r = LogReplay.open(log)) {
            long from = start;
            if (startMark != null) {
                from = mark(r, startMark) + 1;
            }
            if (find) {
                long at = nextMark != null ? mark(r, nextMark) : r.nextFlush(from);
                if (at < 0 || (!nextFlush && nextMark == null)) {
                    throw new CliException(at < 0 ? "no further flush in " + log : "--find needs --next-flush or"
                            + " --next-mark NAME");
                }
                out.println(at + "@" + r.entries().get((int) at).logSector());
                return Main.OK;
            }
            if (replay == null) {
                throw new CliException("--replay DEV is required (or --find)");
            }
            try (FileChannel target = FileChannel.open(replay, StandardOpenOption.WRITE)) {
                if (check != null) {
                    return checkEveryFlush(r, target, from, out);
                }
                long to = r.entries().size();
                if (limit != null) {
                    to = Math.min(to, from + limit);
                }
                if (endMark != null) {
                    to = mark(r, endMark) + 1;
                }
                r.replay(target, from, to);
                out.println("replayed entries " + from + " to " + (to - 1) + " of " + r.entries().size());
            }
        }
        return Main.OK;
    }

    private int checkEveryFlush(LogReplay r, FileChannel target, long from, PrintWriter out)
            throws CliException, IOException {
        if (!check.equals("flush") || fsck == null) {
            throw new CliException("--check takes 'flush', with --fsck CMD");
        }
        // What precedes the first point checked (mkfs, up to --start-mark) is replayed first, unchecked.
        r.replay(target, 0, from);
        long points = r.entries().stream().filter(e -> e.isFlush() && e.index() >= from).count();
        long done = 0;
        long at = from;
        for (long flush = r.nextFlush(from); flush >= 0; flush = r.nextFlush(flush + 1)) {
            r.replay(target, at, flush + 1);
            at = flush + 1;
            int exit = run(fsck);
            done++;
            if (exit != 0) {
                throw new CliException("'" + fsck + "' failed (exit " + exit + ") at the flush of entry " + flush
                        + " (" + done + " of " + points + " flush points)");
            }
            if (done % 10 == 0 || done == points) {
                out.println("checked " + done + " of " + points + " flush points");
                out.flush();
            }
        }
        out.println("every flush point passed '" + fsck + "' (" + done + " points)");
        return Main.OK;
    }

    private static long mark(LogReplay r, String name) throws CliException {
        long at = r.markIndex(name);
        if (at < 0) {
            throw new CliException("no mark '" + name + "' in the log");
        }
        return at;
    }

    private static int run(String command) throws IOException {
        Process p = new ProcessBuilder("sh", "-c", command).inheritIO().start();
        try {
            return p.waitFor();
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        }
    }
}
