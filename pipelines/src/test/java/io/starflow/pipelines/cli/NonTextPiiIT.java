package io.starflow.pipelines.cli;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.empty;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.greaterThan;
import static org.hamcrest.Matchers.startsWith;

import io.starflow.transforms.testing.Tables;
import io.starflow.transforms.warehouse.Warehouse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;
import org.junit.runner.RunWith;
import org.junit.runners.JUnit4;

/**
 * Personal data that is not text (a phone number written as a JSON number, an address written as an
 * object) is masked wherever it could land: mirror and history rows, dead letters' raw records and
 * reasons, and what the run prints.
 */
@RunWith(JUnit4.class)
public class NonTextPiiIT {
  @Rule public final TemporaryFolder folder = new TemporaryFolder();

  private static final Pattern RAW = Pattern.compile("555000\\d|Elm Street");

  private static final String MODEL =
      String.join(
          "\n",
          "sources:",
          "  contacts:",
          "    kind: cdc",
          "    location: contacts.jsonl",
          "    key: [id]",
          "    columns: {id: bigint, name: string, phone: string, address: string}",
          "    pii: [phone, address]",
          "");

  private static String envelope(String after, long lsn) {
    return "{\"before\":null,\"after\":"
        + after
        + ",\"source\":{\"connector\":\"postgresql\",\"name\":\"crm\",\"table\":\"contacts\","
        + "\"ts_ms\":1753908214454,\"lsn\":"
        + lsn
        + "},\"op\":\"c\",\"ts_ms\":1}";
  }

  @Test
  public void personalDataOfAnyJsonTypeIsMaskedEverywhere() throws Exception {
    Path work = folder.getRoot().toPath();
    List<String> lines = new ArrayList<>();
    // lands: a number and an object in PII columns
    lines.add(
        envelope(
            "{\"id\":1,\"name\":\"A\",\"phone\":5550001,\"address\":{\"street\":\"Elm Street 1\"}}",
            10));
    // dead-lettered whole (no key): its raw record holds a number and an object
    lines.add(
        envelope(
            "{\"name\":\"B\",\"phone\":5550002,\"address\":{\"street\":\"Elm Street 2\"}}", 11));
    // dead-lettered with the value in its reason: out of its declared type's range
    lines.add(
        "{\"schema\":{\"type\":\"struct\",\"fields\":[{\"type\":\"struct\",\"fields\":["
            + "{\"type\":\"int64\",\"optional\":false,\"field\":\"id\"},"
            + "{\"type\":\"int16\",\"optional\":true,\"field\":\"phone\"}],\"optional\":true,"
            + "\"field\":\"after\"}],\"optional\":false},\"payload\":"
            + envelope("{\"id\":3,\"phone\":5550003}", 12)
            + "}");
    // not JSON at all
    lines.add("{\"id\":4,\"phone\":5550004,\"address\":{\"street\":\"Elm Street 4\"");
    Files.write(work.resolve("contacts.jsonl"), lines);
    Files.writeString(work.resolve("contacts.yaml"), MODEL);
    Path warehouseFile = work.resolve("pii.duckdb");

    StarflowCli.Run run =
        StarflowCli.inChildProcess(
            Map.of("STARFLOW_PII_KEY", "a-sample-key-for-tests-only"),
            "run",
            "--model",
            work.resolve("contacts.yaml").toString(),
            "--warehouse",
            "jdbc:duckdb:" + warehouseFile);
    assertThat(run.out, run.exitCode, equalTo(0));

    Warehouse warehouse = Warehouse.at("jdbc:duckdb:" + warehouseFile);
    assertThat(Tables.count(warehouse, "SELECT count(*) FROM dead_letter"), equalTo(3L));
    assertThat(Tables.rows(warehouse, "SELECT phone FROM contacts").get(0), startsWith("hmac:"));
    Tables.Scan scan = Tables.scan(warehouse, RAW);
    assertThat(scan.cells, greaterThan(10L));
    assertThat(scan.found, empty());
    List<String> leaked = new ArrayList<>();
    run.out.lines().filter(line -> RAW.matcher(line).find()).forEach(leaked::add);
    assertThat(leaked, empty());
  }
}
