package org.mapperfs.docs;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.asciidoctor.Asciidoctor;
import org.asciidoctor.Options;
import org.asciidoctor.SafeMode;
import org.mapperfs.cli.Main;
import picocli.codegen.docgen.manpage.ManPageGenerator;

/**
 * Makes the manual pages from the command line's model, the one {@code --help} prints: picocli
 * writes AsciiDoc, a page for mapperfs and one per command (mapperfs-ls, ...), and Asciidoctor
 * turns each into a roff page in {@code TARGET/man}. {@code mapperfs install-completion}
 * installs them.
 */
public final class ManPages {
    private ManPages() {}

    public static void main(String[] args) throws IOException {
        Path target = Path.of(args[0]);
        Path adoc = Files.createDirectories(target.resolve("man-adoc"));
        Path man = Files.createDirectories(target.resolve("man"));
        int status = ManPageGenerator.generateManPage(adoc.toFile(), null, new boolean[0], true,
                Main.allCommands().getCommandSpec());
        if (status != 0) {
            throw new IOException("picocli's manual page generator failed (status " + status + ")");
        }
        List<Path> pages;
        try (var list = Files.list(adoc)) {
            pages = list.filter(p -> p.toString().endsWith(".adoc")).sorted().toList();
        }
        try (Asciidoctor asciidoctor = Asciidoctor.Factory.create()) {
            for (Path page : pages) {
                String name = page.getFileName().toString().replaceFirst("\\.adoc$", ".1");
                asciidoctor.convertFile(page.toFile(), Options.builder().backend("manpage").safe(SafeMode.UNSAFE)
                        .toFile(new File(man.toFile(), name)).mkDirs(true).build());
            }
        }
        System.out.println("manual pages: " + pages.size() + " in " + man);
    }
}
