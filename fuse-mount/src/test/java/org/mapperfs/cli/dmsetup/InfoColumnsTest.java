package org.mapperfs.cli.dmsetup;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.List;
import org.junit.jupiter.api.Test;

/** {@code dmsetup info -c} as dmsetup prints it. */
class InfoColumnsTest {
    private static final List<InfoColumns.Row> ROWS = List.of(
            new InfoColumns.Row("vol", 7, 0, "loop0", false, false, false, 1, 1, 0, "TEST-vol", 256),
            new InfoColumns.Row("snap-cow", 7, 12, "loop12", true, true, true, 0, 3, 14, "", 256));

    private static String report(String... argv) throws Exception {
        StringWriter text = new StringWriter();
        new InfoColumns(Getopt.parse(List.of(argv))).print(ROWS, new PrintWriter(text, true));
        return text.toString();
    }

    @Test
    void theDefaultReportIsAlignedUnderDmsetupsHeadings() throws Exception {
        assertThat(report("info", "-c")).isEqualTo(""
                + "Name     Maj Min Stat Open Targ Event UUID\n"
                + "vol        7   0 L--w    1    1     0 TEST-vol\n"
                + "snap-cow   7  12 LIsr    0    3    14 \n");
    }

    @Test
    void withoutHeadingsFieldsAreUnalignedAndColonSeparated() throws Exception {
        assertThat(report("info", "-c", "--noheadings", "-o", "name,major,minor,attr,open,segments,events"))
                .isEqualTo("vol:7:0:L--w:1:1:0\nsnap-cow:7:12:LIsr:0:3:14\n");
    }

    @Test
    void aSeparatorNamePrefixesAndAddedFields() throws Exception {
        assertThat(report("info", "-c", "--noheadings", "--separator", "|", "-o", "name,blkdevname,devno"))
                .isEqualTo("vol|loop0|7:0\nsnap-cow|loop12|7:12\n");
        assertThat(report("info", "-c", "--nameprefixes", "--noheadings", "-o", "name,suspended,readonly"))
                .isEqualTo("DM_NAME='vol' DM_SUSPENDED='Active' DM_READONLY='Writeable'\n"
                        + "DM_NAME='snap-cow' DM_SUSPENDED='Suspended' DM_READONLY='Read-only'\n");
        assertThat(report("info", "-c", "--noheadings", "-o", "+tables_loaded")).startsWith(
                "vol:7:0:L--w:1:1:0:TEST-vol:Live\n");
    }

    @Test
    void anUnknownFieldIsRefusedByName() {
        assertThatThrownBy(() -> report("info", "-c", "-o", "name,colour")).isInstanceOf(DmFailure.class)
                .hasMessage("Unrecognised field: colour");
    }
}
