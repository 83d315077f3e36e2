package io.starflow.pipelines.cli;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;

import io.starflow.transforms.testing.Tables;
import io.starflow.transforms.warehouse.Warehouse;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

/**
 * One record of each kind real connectors write and of each kind that used to stop a run or be
 * changed silently, mirrored through the command line: every valid record lands, every bad one is a
 * dead letter with its reason and its line, the counts reconcile, and the run exits 0. Run on
 * DuckDB and PostgreSQL.
 */
public abstract class HostileInputContract {
  @Rule public final TemporaryFolder folder = new TemporaryFolder();

  protected abstract Warehouse newWarehouse() throws Exception;

  private static String pg(String table, String after, long lsn) {
    return "{\"before\":null,\"after\":"
        + after
        + ",\"source\":{\"version\":\"2.7.3.Final\",\"connector\":\"postgresql\",\"name\":\"shop\","
        + "\"ts_ms\":1753908214454,\"db\":\"shop\",\"schema\":\"public\",\"table\":\""
        + table
        + "\",\"lsn\":"
        + lsn
        + "},\"op\":\"c\",\"ts_ms\":1753908214565}";
  }

  /** Valid lines, bad lines with the reason each must be dead-lettered with (by line). */
  private final List<String> lines = new ArrayList<>();

  private final Map<Integer, String> bad = new LinkedHashMap<>();

  private void valid(String line) {
    lines.add(line);
  }

  private void bad(String line, String reason) {
    lines.add(line);
    bad.put(lines.size(), reason);
  }

  @Test
  public void everyValidRecordLandsEveryBadOneIsADeadLetterAndTheRunEnds() throws Exception {
    // What real connectors and converters write
    valid(
        "{\"schema\":{\"type\":\"struct\",\"fields\":[{\"type\":\"struct\",\"fields\":["
            + "{\"type\":\"int32\",\"optional\":false,\"field\":\"id\"},"
            + "{\"type\":\"double\",\"optional\":true,\"field\":\"weight\"},"
            + "{\"type\":\"float\",\"optional\":true,\"field\":\"ratio\"}],\"optional\":true,"
            + "\"field\":\"after\"}],\"optional\":false},\"payload\":{\"before\":null,"
            + "\"after\":{\"id\":1,\"weight\":5.3,\"ratio\":0.5},\"source\":{\"connector\":"
            + "\"postgresql\",\"table\":\"products\",\"ts_ms\":1589355606100,\"lsn\":23854064},"
            + "\"op\":\"r\",\"ts_ms\":1589355606102}}");
    valid(
        "{\"before\":null,\"after\":{\"id\":1001,\"email\":\"s@example.com\"},\"source\":{"
            + "\"name\":\"dbserver1\",\"server_id\":0,\"ts_sec\":0,\"file\":\"mysql-bin.000003\","
            + "\"pos\":154,\"row\":0,\"snapshot\":true,\"db\":\"inventory\",\"table\":\"people\"},"
            + "\"op\":\"c\",\"ts_ms\":1486500577691}");
    valid(
        "{\"before\":null,\"after\":{\"id\":1002,\"email\":\"f@example.com\"},\"source\":{"
            + "\"connector\":\"mysql\",\"ts_ms\":0,\"snapshot\":\"false\",\"db\":\"inventory\","
            + "\"table\":\"people\",\"server_id\":0,\"file\":\"\",\"pos\":0,\"row\":0},"
            + "\"op\":\"r\",\"ts_ms\":1}");
    valid(
        "{\"after\":\"{\\\"_id\\\": {\\\"$oid\\\": \\\"596e275826f08b2730779e1f\\\"},"
            + " \\\"first_name\\\": \\\"Anne\\\"}\",\"source\":{\"connector\":\"mongodb\","
            + "\"name\":\"f\",\"ts_ms\":1558965508000,\"db\":\"inventory\",\"rs\":\"rs0\","
            + "\"collection\":\"contacts\",\"ord\":31},\"op\":\"c\",\"ts_ms\":1}");
    bad(
        "{\"after\":null,\"patch\":\"{\\\"$set\\\": {\\\"first_name\\\": \\\"Anne Marie\\\"}}\","
            + "\"filter\":\"{\\\"_id\\\": {\\\"$oid\\\": \\\"596e275826f08b2730779e1f\\\"}}\","
            + "\"source\":{\"connector\":\"mongodb\",\"name\":\"f\",\"ts_ms\":1558965509000,"
            + "\"db\":\"inventory\",\"rs\":\"rs0\",\"collection\":\"contacts\",\"ord\":1},"
            + "\"op\":\"u\",\"ts_ms\":1}",
        "change_streams_update_full");
    valid(
        "{\"before\":null,\"after\":{\"ID\":7,\"NAME\":\"x\"},\"source\":{\"connector\":\"oracle\","
            + "\"ts_ms\":1700000000000,\"schema\":\"INV\",\"table\":\"INVOICES\","
            + "\"scn\":\"2122184\",\"commit_scn\":null,\"ssn\":0},\"op\":\"r\",\"ts_ms\":1}");
    valid("{\"status\":\"BEGIN\",\"id\":\"571:53195829\",\"ts_ms\":1486500577125}");
    valid("null");
    // Names that collide with each other or with Starflow's own
    bad(pg("customers", "{\"id\":2,\"ID\":3}", 10), "land in one warehouse column");
    valid(pg("customers", "{\"id\":4,\"valid_from\":\"2020-01-01\",\"_position\":1}", 11));
    valid(pg("T1", "{\"id\":1}", 12));
    valid(pg("dead_letter", "{\"id\":1,\"reason\":\"theirs\"}", 13));
    valid(pg("customers_history", "{\"id\":1}", 14));
    // Values that used to be changed silently
    bad(pg("customers", "{\"id\":5,\"x\":1e400}", 15), "out of range of a double");
    bad(
        "{\"before\":null,\"after\":{\"id\":12,\"id\":13},\"source\":{\"connector\":\"postgresql\","
            + "\"table\":\"customers\",\"ts_ms\":1,\"lsn\":16},\"op\":\"c\"}",
        "Duplicate field 'id'");
    bad(
        "{\"before\":null,\"after\":{\"id\":14},\"source\":{\"connector\":\"postgresql\","
            + "\"table\":\"customers\",\"ts_ms\":1,\"lsn\":17},\"op\":\"c\",\"op\":\"d\"}",
        "Duplicate field 'op'");
    String invalidUtf8 = "INVALID_UTF8";
    bad(invalidUtf8, "not valid UTF-8");
    // A row whose value the table it lands in cannot hold
    valid(pg("accounts", "{\"id\":1,\"balance\":10}", 18));
    bad(pg("accounts", "{\"id\":2,\"balance\":\"ten\"}", 19), "does not fit column 'balance'");
    Path dir = folder.newFolder("in").toPath();
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    for (String line : lines) {
      if (line.equals(invalidUtf8)) {
        bytes.write(
            pg("customers", "{\"id\":6,\"name\":\"ab", 20).getBytes(StandardCharsets.UTF_8));
        bytes.write(new byte[] {(byte) 0xC3, (byte) 0x28});
        bytes.write("\"}".getBytes(StandardCharsets.UTF_8));
      } else {
        bytes.write(line.getBytes(StandardCharsets.UTF_8));
      }
      bytes.write('\n');
    }
    Path corpus = dir.resolve("corpus.jsonl");
    Files.write(corpus, bytes.toByteArray());
    // Tables named alike but for case, in a file of their own
    Path sameButCase = dir.resolve("t1.jsonl");
    Files.writeString(sameButCase, pg("t1", "{\"id\":2}", 30) + "\n");

    Warehouse warehouse = newWarehouse();
    try (java.sql.Connection c = warehouse.connect();
        java.sql.Statement statement = c.createStatement()) {
      statement.execute(
          "CREATE TABLE accounts (id BIGINT PRIMARY KEY, balance INTEGER, _position VARCHAR NOT"
              + " NULL, _deleted BOOLEAN NOT NULL, _op VARCHAR NOT NULL, _event_time TIMESTAMPTZ"
              + " NOT NULL)");
    }
    StarflowCli.Run run =
        StarflowCli.run(
            "mirror",
            "--input",
            dir.resolve("*.jsonl").toString(),
            "--key",
            "id",
            "--key",
            "INVOICES=ID",
            "--warehouse",
            warehouse.jdbcUrl());
    assertThat(run.out + run.err, run.exitCode, equalTo(0));
    assertThat(run.out, containsString("counts reconcile"));

    // every bad line is a dead letter with its reason and line; nothing else is. A row refused by
    // its mirror table is refused by its history table too: two dead letters, one per stage.
    List<String> letters =
        Tables.rows(warehouse, "SELECT source, stage, reason FROM dead_letter ORDER BY source");
    Map<String, List<String>> byLine = new LinkedHashMap<>();
    for (String letter : letters) {
      String source = letter.substring(0, letter.indexOf('|'));
      byLine
          .computeIfAbsent(source.substring(source.lastIndexOf('/') + 1), k -> new ArrayList<>())
          .add(letter.substring(source.length()));
    }
    for (Map.Entry<Integer, String> expected : bad.entrySet()) {
      String where = "corpus.jsonl:" + expected.getKey();
      assertThat(where + " in " + letters, byLine.containsKey(where), equalTo(true));
      for (String reason : byLine.get(where)) {
        assertThat(where, reason, containsString(expected.getValue()));
      }
    }
    // one of the two tables named alike but for case lands, the other's record is dead-lettered
    List<String> caseLetters = new ArrayList<>();
    byLine.forEach(
        (where, reasons) -> {
          if (reasons.stream().allMatch(r -> r.contains("differs only in case"))) {
            caseLetters.add(where);
          }
        });
    assertThat(letters.toString(), caseLetters.size(), equalTo(1));
    assertThat(letters.toString(), byLine.size(), equalTo(bad.size() + 1));

    // every valid record landed, under the names the rule gives
    assertThat(Tables.count(warehouse, "SELECT count(*) FROM products"), equalTo(1L));
    assertThat(Tables.count(warehouse, "SELECT count(*) FROM people"), equalTo(2L));
    assertThat(Tables.count(warehouse, "SELECT count(*) FROM contacts"), equalTo(1L));
    assertThat(Tables.count(warehouse, "SELECT count(*) FROM \"INVOICES\""), equalTo(1L));
    assertThat(
        Tables.rows(warehouse, "SELECT source_valid_from, source__position FROM customers"),
        equalTo(List.of("2020-01-01|1")));
    assertThat(Tables.count(warehouse, "SELECT count(*) FROM source_dead_letter"), equalTo(1L));
    assertThat(
        Tables.count(warehouse, "SELECT count(*) FROM source_customers_history"), equalTo(1L));
    assertThat(Tables.count(warehouse, "SELECT count(*) FROM accounts"), equalTo(1L));
    assertThat(
        Tables.count(
            warehouse,
            "SELECT count(*) FROM information_schema.tables WHERE table_schema ="
                + " current_schema() AND lower(table_name) = 't1'"),
        equalTo(1L));
  }
}
