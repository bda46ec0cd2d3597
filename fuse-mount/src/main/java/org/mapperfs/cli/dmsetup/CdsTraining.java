package org.mapperfs.cli.dmsetup;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.List;

/**
 * What the build runs once, with {@code -XX:ArchiveClassesAtExit}, to make the class-data
 * archive that {@code src/bin/dmsetup} starts with: it walks the code paths of a command
 * (options, reports, /sys and /proc reads, a control command, a tool run) without a daemon, so
 * that the classes they load come from the archive. Test suites call dmsetup hundreds of
 * times; the archive takes a good part of the JVM's start off each call.
 */
final class CdsTraining {
    static final String FLAG = "--mapperfs-cds-training";

    private CdsTraining() {}

    static void run() throws Exception {
        StringWriter text = new StringWriter();
        PrintWriter out = new PrintWriter(text);
        Getopt.Parsed p = Getopt.parse(List.of("info", "-c", "--nohead", "-o", "name,attr", "--sep", ":", "x"));
        new InfoColumns(p).print(List.of(new InfoColumns.Row("x", 7, 0, "loop0", false, true, false, 0, 1, 0, "",
                256)), out);
        ReportCommands.targets();
        ReportCommands.version();
        KernelDevices.numbers("/dev/loop0");
        KernelDevices.mountPointOf("/dev/loop0");
        KernelDevices.busy("/dev/loop0");
        KernelDevices.blockNumbers(Path.of("/dev/null"));
        Path nowhere = Path.of("/nonexistent/mapperfs-cds-training");
        KernelDevices kernel = new KernelDevices(nowhere, nowhere);
        kernel.loopOf("x");
        kernel.deviceNamed("/dev/loop0", List.of("x"));
        Session session = new Session(nowhere, nowhere, out, out);
        try {
            session.names();
        } catch (DmFailure expected) {
            // no daemon here: the refusal path is what a failing command loads
        }
        new Dmsetup(out, out, new ByteArrayInputStream(new byte[0]), nowhere, nowhere).run(List.of("version"));
        try {
            Tools.run("true");
        } catch (IOException e) {
            // no 'true' on PATH: the archive just lacks the process classes
        }
        for (Class<?> c : List.of(DeviceCommands.class, Freezes.class, TableDevices.class, DmFailure.class)) {
            Class.forName(c.getName(), true, CdsTraining.class.getClassLoader());
        }
        out.flush();
    }
}
