package org.mapperfs.examples.embed;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.mapperfs.core.HolePuncher;
import org.mapperfs.core.MappedDevice;
import org.mapperfs.core.Mapper;
import org.mapperfs.core.MapperException;
import org.mapperfs.core.TargetRegistry;
import org.mapperfs.core.VectorIo;

/**
 * The engine in a program of its own, with no mount: two files become a mirror, a device of the
 * program's own target type ({@link TallyTarget}) stands on the mirror, and the program writes,
 * reloads a table live and reads back through them. {@code java ... EmbedExample DIR} works in
 * DIR (a temporary folder without it) and prints what it did.
 */
public final class EmbedExample {
    private static final int MIB = 1 << 20;

    private EmbedExample() {}

    public static void main(String[] args) throws IOException, MapperException {
        Path dir = args.length > 0 ? Path.of(args[0]) : Files.createTempDirectory("mapperfs-embed");
        run(dir, System.out);
    }

    /** Does the whole example in {@code dir}, printing to {@code out}. */
    public static void run(Path dir, PrintStream out) throws IOException, MapperException {
        Path a = sized(dir.resolve("a.img"));
        Path b = sized(dir.resolve("b.img"));
        TargetRegistry registry = TargetRegistry.standard().with("tally", TallyTarget::create);
        try (Mapper mapper = new Mapper(registry, HolePuncher.NONE, VectorIo.NONE, Optional.empty())) {
            // 4 MiB = 8192 sectors; a RAID-1 of the two files with 512 KiB regions, already in sync.
            mapper.create("mirror", "0 8192 mirror core 2 1024 nosync 2 " + a + " 0 " + b + " 0", dir);
            MappedDevice top = mapper.create("counted", "0 8192 tally mirror 0", dir);

            byte[] message = "written through two devices onto two files".getBytes(StandardCharsets.UTF_8);
            top.write(ByteBuffer.wrap(message), MIB);
            top.flush();
            out.println("status of counted: " + top.liveTable().statusText().strip());

            // Live reconfiguration, as dmsetup load + suspend + resume: the first MiB becomes zeros.
            mapper.load("counted", "0 2048 zero\n2048 6144 tally mirror 2048", dir);
            mapper.suspend("counted", true);
            mapper.resume("counted");

            ByteBuffer back = ByteBuffer.allocate(message.length);
            top.read(back, MIB);
            out.println("read back: " + new String(back.array(), StandardCharsets.UTF_8));
            for (MappedDevice d : mapper.list()) {
                out.println(d.name() + ": " + d.liveTable().text().strip().replace("\n", " | "));
            }
            List<String> legs = List.of(a.toString(), b.toString());
            for (String leg : legs) {
                byte[] onDisk = new byte[message.length];
                ByteBuffer.wrap(onDisk).put(Files.readAllBytes(Path.of(leg)), MIB, message.length);
                out.println("on " + Path.of(leg).getFileName() + ": "
                        + new String(onDisk, StandardCharsets.UTF_8));
            }
        }
    }

    private static Path sized(Path file) throws IOException {
        Files.write(file, new byte[4 * MIB]);
        return file;
    }
}
