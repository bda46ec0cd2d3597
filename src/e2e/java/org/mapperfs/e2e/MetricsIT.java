package org.mapperfs.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The device counters through the kernel: I/O through a loop device shows in {@code stats},
 * {@code stats --json}, {@code .meta/NAME/stats} and the Prometheus text, which Prometheus's
 * own Python client parses.
 */
class MetricsIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** Prints each sample of a Prometheus text on stdin as NAME{device} VALUE, through the client's parser. */
    private static final String PARSE = String.join("\n",
            "import sys",
            "from prometheus_client.parser import text_string_to_metric_families",
            "for family in text_string_to_metric_families(sys.stdin.read()):",
            "    for s in family.samples:",
            "        print(family.type, s.name + '{' + s.labels.get('device', '') + '}', repr(s.value))");

    @Test
    void ioThroughALoopDeviceShowsInEveryForm() throws Exception {
        Sandbox.requireKernel();
        try (Sandbox s = new Sandbox("metrics")) {
            s.mount();
            Path a = s.file("a.img", 8 << 20);
            s.create("vol", "0 16384 linear " + a + " 0");
            String loop = s.attach("vol");

            Shell.run("dd", "if=/dev/urandom", "of=" + loop, "bs=1M", "count=4", "oflag=direct", "status=none")
                    .orFail();
            Shell.run("dd", "if=" + loop, "of=/dev/null", "bs=1M", "count=2", "iflag=direct", "status=none")
                    .orFail();

            JsonNode vol = JSON.readTree(s.cli("stats", "--json", "vol").orFail().out()).get("devices").get(0);
            assertThat(vol.get("name").asText()).isEqualTo("vol");
            assertThat(vol.get("write_sector_count").asLong()).isGreaterThanOrEqualTo(8192);
            assertThat(vol.get("read_sector_count").asLong()).isGreaterThanOrEqualTo(4096);
            assertThat(vol.get("write_count").asLong()).isPositive();
            assertThat(vol.get("write_time").isIntegralNumber()).isTrue();
            assertThat(vol.get("in_progress_count").asLong()).isZero();

            String meta = Files.readString(s.mnt.resolve(".meta/vol/stats"));
            assertThat(meta).containsPattern("(?m)^write_sector_count \\d+$").contains("in_progress_count 0\n");
            assertThat(s.cli("stats").orFail().out()).contains("Name", "RdSectors").containsPattern("(?m)^vol ");

            Map<String, Double> samples = prometheus(s, s.cli("stats", "--prometheus").orFail().out());
            assertThat(samples.get("counter mapperfs_disk_written_bytes_total{vol}"))
                    .isEqualTo((double) vol.get("write_bytes").asLong());
            assertThat(samples.get("counter mapperfs_disk_read_bytes_total{vol}"))
                    .isGreaterThanOrEqualTo(2 << 20);
            assertThat(samples.get("gauge mapperfs_disk_io_now{vol}")).isZero();
            assertThat(samples.get("counter mapperfs_disk_write_time_seconds_total{vol}")).isPositive();
            assertThat(samples.get("gauge mapperfs_device_size_bytes{vol}")).isEqualTo(8 << 20);

            Path textfile = s.dir.resolve("mapperfs.prom");
            s.cli("stats", "--textfile", textfile.toString()).orFail();
            assertThat(prometheus(s, Files.readString(textfile))).containsKey("counter mapperfs_disk_reads_completed_total{vol}");
            assertThat(s.cli("stats", "--json", "--prometheus").exit()).isNotZero();
        }
    }

    @Test
    void theDaemonServesTheSameCountersOverHttpWhenAsked() throws Exception {
        Sandbox.requireKernel();
        int port;
        try (java.net.ServerSocket free = new java.net.ServerSocket(0)) {
            port = free.getLocalPort();
        }
        try (Sandbox s = new Sandbox("metrics-http")) {
            s.mount("--metrics", "127.0.0.1:" + port);
            s.create("z", "0 64 zero");
            Files.write(s.mnt.resolve("z"), new byte[4096], java.nio.file.StandardOpenOption.WRITE);

            String scraped = Shell.run("/usr/bin/python3", "-c", "import urllib.request, sys; "
                    + "r = urllib.request.urlopen('http://127.0.0.1:" + port + "/metrics', timeout=10); "
                    + "print(r.headers['Content-Type'], file=sys.stderr); sys.stdout.write(r.read().decode())")
                    .orFail().out();
            Map<String, Double> samples = prometheus(s, scraped);
            assertThat(samples.get("counter mapperfs_disk_written_bytes_total{z}")).isEqualTo(4096);
            assertThat(samples).containsKey("gauge mapperfs_device_size_bytes{z}");
        }
    }

    private static Map<String, Double> prometheus(Sandbox s, String text) {
        Shell.Result parsed = Shell.run(java.util.List.of("/usr/bin/python3", "-c", PARSE), Map.of(), s.dir, text)
                .orFail();
        Map<String, Double> samples = new HashMap<>();
        for (String line : parsed.out().split("\n")) {
            String[] f = line.split(" ");
            if (f.length == 3) {
                samples.put(f[0] + " " + f[1], Double.parseDouble(f[2]));
            }
        }
        assertThat(samples).as(text).isNotEmpty();
        return samples;
    }
}
