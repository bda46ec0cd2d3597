package org.mapperfs.control;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.mapperfs.core.MappedDevice;
import org.mapperfs.core.MapperException;
import org.mapperfs.testing.Disks;

/** Every read command's {@code --json}, parsed back and checked field by field, for every target with a status. */
class JsonReportsTest extends CommandsTestBase {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String KEY = "0123456789abcdef".repeat(8);

    private JsonNode json(String command) throws MapperException {
        String reply = run(command);
        try {
            return JSON.readTree(reply);
        } catch (Exception e) {
            throw new AssertionError("not JSON: " + reply, e);
        }
    }

    private JsonNode device(String command, String name) throws MapperException {
        for (JsonNode d : json(command).get("devices")) {
            if (d.get("name").asText().equals(name)) {
                return d;
            }
        }
        throw new AssertionError(command + ": no device " + name);
    }

    @Test
    void lsAndInfoAreTypedWithNullForNoUuid() throws Exception {
        run("create lin --uuid LVM-abc 0 64 linear " + disk + " 0");
        run("create zero 0 16 zero");
        run("load zero 0 32 zero");
        run("suspend zero");

        JsonNode ls = json("ls --json").get("devices");
        assertThat(ls).hasSize(2);
        JsonNode lin = device("ls --json", "lin");
        assertThat(lin.get("uuid").asText()).isEqualTo("LVM-abc");
        assertThat(lin.get("state").asText()).isEqualTo("ACTIVE");
        assertThat(lin.get("sectors").isIntegralNumber()).isTrue();
        assertThat(lin.get("sectors").asLong()).isEqualTo(64);
        assertThat(device("ls --json", "zero").get("uuid").isNull()).isTrue();

        JsonNode info = device("info --json zero", "zero");
        assertThat(info.get("state").asText()).isEqualTo("SUSPENDED");
        assertThat(info.get("tables_present")).extracting(JsonNode::asText).containsExactly("LIVE", "INACTIVE");
        assertThat(info.get("open_count").asInt()).isZero();
        assertThat(info.get("event_number").isIntegralNumber()).isTrue();
        assertThat(info.get("target_count").asInt()).isEqualTo(1);
        assertThat(info.get("size_bytes").asLong()).isEqualTo(16 * 512);
        assertThat(info.get("loop_devices").isArray()).isTrue();
        assertThat(json("info --json").get("devices")).hasSize(2);
    }

    @Test
    void tableHasBothTablesSegmentBySegmentAndHidesKeysUnlessAsked() throws Exception {
        run("create c 0 64 crypt aes-xts-plain64 " + KEY + " 0 " + disk + " 0");
        run("load c\n0 32 zero\n32 32 error");

        JsonNode c = device("table --json c", "c");
        JsonNode live = c.get("live").get(0);
        assertThat(live.get("start").asLong()).isZero();
        assertThat(live.get("length").asLong()).isEqualTo(64);
        assertThat(live.get("target").asText()).isEqualTo("crypt");
        assertThat(live.get("params").asText()).startsWith("aes-xts-plain64 " + "0".repeat(128) + " 0 ");
        assertThat(c.get("inactive")).extracting(n -> n.get("target").asText()).containsExactly("zero", "error");
        assertThat(c.get("inactive").get(1).get("start").asLong()).isEqualTo(32);
        assertThat(device("table --json --showkeys c", "c").get("live").get(0).get("params").asText())
                .contains(KEY);

        run("clear c");
        assertThat(device("table --json c", "c").get("inactive").isNull()).isTrue();
    }

    @Test
    void statusFieldsAreNamedBesideTheDmLine() throws Exception {
        Path cow = Disks.file(dir, "cow.img", 64);
        Path log = Disks.file(dir, "log.img", 64);
        Path second = Disks.file(dir, "second.img", 64);
        run("create mir 0 64 mirror core 2 16 nosync 2 " + disk + " 0 " + second + " 0");
        Path third = Disks.file(dir, "third.img", 64);
        Path fourth = Disks.file(dir, "fourth.img", 64);
        run("create str 0 64 striped 2 8 " + third + " 0 " + fourth + " 0");
        run("create dust 0 64 dust " + third + " 0 512");
        run("create base 0 64 zero");
        run("create snap 0 64 snapshot base " + cow + " P 8");
        run("create del 0 64 delay " + second + " 0 0");
        run("create lw 0 64 log-writes " + disk + " " + log);
        run("create lin 0 64 linear " + second + " 0");

        JsonNode mir = device("status --json mir", "mir").get("segments").get(0);
        assertThat(mir.get("target").asText()).isEqualTo("mirror");
        assertThat(mir.get("status").asText()).startsWith("2 ");
        JsonNode f = mir.get("fields");
        assertThat(f.get("legs")).extracting(l -> l.get("device").asText()).containsExactly(disk.toString(),
                second.toString());
        assertThat(f.get("legs")).extracting(l -> l.get("health").asText()).containsExactly("A", "A");
        assertThat(f.get("regions").asLong()).isEqualTo(4);
        assertThat(f.get("regions_in_sync").asLong()).isEqualTo(4);
        assertThat(f.get("in_sync").asBoolean()).isTrue();
        assertThat(f.get("log").get("type").asText()).isEqualTo("core");

        JsonNode snap = device("status --json snap", "snap").get("segments").get(0).get("fields");
        assertThat(snap.get("state").asText()).isEqualTo("valid");
        assertThat(snap.get("allocated_sectors").isIntegralNumber()).isTrue();
        assertThat(snap.get("total_sectors").asLong()).isEqualTo(64);
        assertThat(snap.get("metadata_sectors").isIntegralNumber()).isTrue();

        JsonNode del = device("status --json del", "del").get("segments").get(0).get("fields");
        assertThat(del.get("reads_waiting").asInt()).isZero();
        assertThat(del.get("flushes_waiting").asInt()).isZero();

        MappedDevice lw = mapper.device("lw");
        lw.write(ByteBuffer.allocate(512), 0);
        lw.flush();
        JsonNode lwf = device("status --json lw", "lw").get("segments").get(0).get("fields");
        String[] dm = device("status --json lw", "lw").get("segments").get(0).get("status").asText().split(" ");
        assertThat(lwf.get("logged_entries").asLong()).isEqualTo(Long.parseLong(dm[0])).isPositive();
        assertThat(lwf.get("highest_allocated_sector").asLong()).isEqualTo(Long.parseLong(dm[1]));

        JsonNode str = device("status --json str", "str").get("segments").get(0).get("fields");
        assertThat(str.get("stripes")).extracting(x -> x.get("device").asText()).containsExactly(third.toString(),
                fourth.toString());
        assertThat(str.get("stripes")).extracting(x -> x.get("health").asText()).containsExactly("A", "A");

        run("message dust 0 enable");
        JsonNode dust = device("status --json dust", "dust").get("segments").get(0).get("fields");
        assertThat(dust.get("device").asText()).isEqualTo(third.toString());
        assertThat(dust.get("fail_read_on_bad_block").asBoolean()).isTrue();
        assertThat(dust.get("quiet").asBoolean()).isFalse();

        JsonNode lin = device("status --json lin", "lin").get("segments").get(0);
        assertThat(lin.get("status").isNull()).isTrue();
        assertThat(lin.get("fields").size()).isZero();
    }

    @Test
    void depsTargetsAndStats() throws Exception {
        run("create lower 0 64 linear " + disk + " 0");
        run("create upper 0 32 linear lower 0");
        mapper.device("upper").write(ByteBuffer.allocate(4096), 0);
        mapper.device("upper").read(ByteBuffer.allocate(1024), 0);

        JsonNode deps = device("deps --json upper", "upper").get("dependencies");
        assertThat(deps).hasSize(1);
        assertThat(deps.get(0).get("name").asText()).isEqualTo("lower");
        assertThat(deps.get(0).get("kind").asText()).isEqualTo("device");
        assertThat(device("deps --json lower", "lower").get("dependencies").get(0).get("kind").asText())
                .isEqualTo("file");

        JsonNode crypt = null;
        for (JsonNode t : json("targets --json").get("targets")) {
            if (t.get("name").asText().equals("crypt")) {
                crypt = t;
            }
        }
        assertThat(crypt).isNotNull();
        assertThat(crypt.get("version")).extracting(JsonNode::asInt).containsExactly(1, 27, 0);

        JsonNode upper = device("stats --json upper", "upper");
        assertThat(upper.get("write_count").asLong()).isEqualTo(1);
        assertThat(upper.get("write_sector_count").asLong()).isEqualTo(8);
        assertThat(upper.get("read_count").asLong()).isEqualTo(1);
        assertThat(upper.get("read_sector_count").asLong()).isEqualTo(2);
        assertThat(upper.get("in_progress_count").asLong()).isZero();
        assertThat(upper.get("reads_merged_count").asLong()).isZero();
        assertThat(device("stats --json", "lower").get("write_count").asLong()).isEqualTo(1);
    }

    @Test
    void aCommandWithoutAJsonFormIsRefusedByName() {
        assertThatThrownBy(() -> run("create x --json 0 8 zero"))
                .hasMessageContaining("create has no --json form");
        assertThat(mapper.list()).isEmpty();
    }
}
