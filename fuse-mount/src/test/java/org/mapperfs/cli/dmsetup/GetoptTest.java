package org.mapperfs.cli.dmsetup;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

/** dmsetup's command line as getopt_long reads it, with the forms scripts use. */
class GetoptTest {
    @Test
    void optionsMayStandAnywhereAmongTheArguments() throws Exception {
        Getopt.Parsed p = Getopt.parse(List.of("--force", "remove", "dev", "--retry", "--noudevsync"));

        assertThat(p.args()).containsExactly("remove", "dev");
        assertThat(p.options()).containsOnlyKeys("force", "retry", "noudevsync");
    }

    @Test
    void aLongOptionTakesItsValueAfterASpaceOrAnEqualsSign() throws Exception {
        Getopt.Parsed p = Getopt.parse(List.of("create", "d", "--table", "0 8 zero", "--uuid=U-1"));

        assertThat(p.value("table")).isEqualTo("0 8 zero");
        assertThat(p.value("uuid")).isEqualTo("U-1");
        assertThat(p.args()).containsExactly("create", "d");
    }

    @Test
    void longOptionsMayBeAbbreviatedToAUniquePrefix() throws Exception {
        Getopt.Parsed p = Getopt.parse(List.of("info", "-C", "--nohead", "--sep", ":", "--nameprefix"));

        assertThat(p.options()).containsOnlyKeys("columns", "noheadings", "separator", "nameprefixes");
        assertThat(p.value("separator")).isEqualTo(":");
        assertThatThrownBy(() -> Getopt.parse(List.of("--no", "ls"))).isInstanceOf(Getopt.UsageError.class)
                .hasMessageStartingWith("option '--no' is ambiguous; possibilities: --noflush --noheadings");
    }

    @Test
    void shortOptionsClusterAndTakeValuesAttachedOrNext() throws Exception {
        Getopt.Parsed p = Getopt.parse(List.of("-cv", "-oname,attr", "info", "-j", "253", "-m214", "-u", "X"));

        assertThat(p.options()).containsOnlyKeys("columns", "verbose", "options", "j", "m", "uuid");
        assertThat(p.value("options")).isEqualTo("name,attr");
        assertThat(p.value("j")).isEqualTo("253");
        assertThat(p.value("m")).isEqualTo("214");
        assertThat(p.value("uuid")).isEqualTo("X");
        assertThat(p.args()).containsExactly("info");
    }

    @Test
    void doubleDashEndsTheOptions() throws Exception {
        assertThat(Getopt.parse(List.of("remove", "--", "--odd-name")).args()).containsExactly("remove", "--odd-name");
    }

    @Test
    void unknownOptionsAndMissingValuesAreUsageErrors() {
        assertThatThrownBy(() -> Getopt.parse(List.of("--frobnicate"))).isInstanceOf(Getopt.UsageError.class)
                .hasMessage("unrecognized option '--frobnicate'");
        assertThatThrownBy(() -> Getopt.parse(List.of("-x"))).hasMessage("invalid option -- 'x'");
        assertThatThrownBy(() -> Getopt.parse(List.of("create", "d", "--table"))).hasMessage(
                "option '--table' requires an argument");
        assertThatThrownBy(() -> Getopt.parse(List.of("-o"))).hasMessage("option requires an argument -- 'o'");
        assertThatThrownBy(() -> Getopt.parse(List.of("--force=yes"))).hasMessage(
                "option '--force' doesn't allow an argument");
    }
}
