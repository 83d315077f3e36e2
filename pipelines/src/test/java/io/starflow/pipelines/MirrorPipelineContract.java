package io.starflow.pipelines;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.empty;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasSize;
import static org.hamcrest.Matchers.startsWith;

import io.starflow.pipelines.sample.MirrorCheck;
import io.starflow.pipelines.sample.RetailCdc;
import io.starflow.schemas.KeyColumns;
import io.starflow.transforms.debezium.DebeziumTable;
import io.starflow.transforms.testing.Runs;
import io.starflow.transforms.testing.Tables;
import io.starflow.transforms.warehouse.StarRefresh;
import io.starflow.transforms.warehouse.Warehouse;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.PipelineResult;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

/** The mirror pipeline's semantics, end to end; run against DuckDB and PostgreSQL. */
public abstract class MirrorPipelineContract {
  @Rule public final TemporaryFolder folder = new TemporaryFolder();

  private static final RetailCdc.Size SMALL = new RetailCdc.Size(150, 40, 1_200);

  private static final List<String> STAR_TABLES =
      List.of("dim_customer", "dim_product", "dim_date", "fact_order_line");

  /** A new, empty warehouse; each call gives a different one. */
  protected abstract Warehouse newWarehouse() throws Exception;

  /** What the warehouse keeps of staged versions outside its tables, once a run has ended. */
  protected List<String> stagedOutsideTheWarehouse(Warehouse warehouse) throws Exception {
    return List.of();
  }

  /** Mirrors {@code input} and builds the retail star of its history, masking its PII. */
  private RunCounts mirror(Warehouse warehouse, String input) throws SQLException {
    try (Connection connection = warehouse.connect()) {
      new StarRefresh(warehouse, RetailCdc.model()).createTables(connection);
    }
    return run(
        settings(warehouse).setModel(RetailCdc.model()).setPii(RetailCdc.samplePii()).build(),
        input);
  }

  /** Mirrors {@code input} only: no model, nothing masked (for the mirror's own semantics). */
  private RunCounts mirrorOnly(Warehouse warehouse, String input) {
    return run(settings(warehouse).build(), input);
  }

  private static MirrorSettings.Builder settings(Warehouse warehouse) {
    return MirrorSettings.builder()
        .setWarehouse(warehouse)
        .setKeys(KeyColumns.parse(RetailCdc.KEY_SPECS))
        .setShards(3)
        .setBatchSize(500);
  }

  private static RunCounts run(MirrorSettings settings, String input) {
    Pipeline pipeline = Pipeline.create(PipelineOptionsFactory.create());
    MirrorPipeline.build(pipeline, settings, input);
    PipelineResult result = pipeline.run();
    assertThat(Runs.finish(result), equalTo(PipelineResult.State.DONE));
    return RunCounts.of(result);
  }

  private String write(String name, List<String> lines) throws IOException {
    Path directory = folder.newFolder().toPath();
    Files.write(directory.resolve(name + ".jsonl"), lines);
    return directory.resolve("*.jsonl").toString();
  }

  private static List<String> dumpAll(Warehouse warehouse) throws SQLException {
    List<String> rows = new ArrayList<>();
    for (String table : RetailCdc.TABLES) {
      rows.add("== " + table);
      rows.addAll(Tables.dump(warehouse, table));
      rows.add("== " + table + "_history");
      rows.addAll(Tables.dump(warehouse, table + "_history"));
    }
    for (String table : STAR_TABLES) {
      rows.add("== " + table);
      rows.addAll(Tables.dump(warehouse, table));
    }
    return rows;
  }

  /** Every change is one history row, and the current rows are exactly the mirror's live rows. */
  private static void assertHistoryMatches(Warehouse warehouse, RetailCdc.Dataset dataset)
      throws SQLException {
    long versions = 0;
    for (String table : RetailCdc.TABLES) {
      versions += Tables.count(warehouse, "SELECT count(*) FROM " + table + "_history");
      assertThat(
          table + " current rows",
          Tables.count(warehouse, "SELECT count(*) FROM " + table + "_history WHERE is_current"),
          equalTo(
              Tables.count(warehouse, "SELECT count(*) FROM " + table + " WHERE NOT _deleted")));
      assertThat(
          table + " keys with more than one current row",
          Tables.count(
              warehouse,
              "SELECT count(*) FROM (SELECT count(*) FROM "
                  + table
                  + "_history WHERE is_current GROUP BY "
                  + (table.equals("order_lines") ? "order_id, line_no" : "id")
                  + " HAVING count(*) > 1) x"),
          equalTo(0L));
    }
    assertThat(versions, equalTo(dataset.changeEvents));
  }

  private static List<String> allLines(RetailCdc.Dataset dataset) {
    List<String> lines = new ArrayList<>();
    dataset.delivered.values().forEach(lines::addAll);
    return lines;
  }

  @Test
  public void retailSampleMirrorsTheSourceStateAndCountsReconcile() throws Exception {
    RetailCdc.Dataset dataset = RetailCdc.generate(1, SMALL);
    Warehouse warehouse = newWarehouse();
    RunCounts counts = mirror(warehouse, dataset.writeTo(folder.newFolder().toPath()));

    assertThat(MirrorCheck.differences(warehouse, dataset, RetailCdc.samplePii()), empty());
    assertHistoryMatches(warehouse, dataset);
    assertThat(counts.historyAdded(), equalTo(dataset.changeEvents));
    assertThat(counts.read(), equalTo(dataset.lines()));
    assertThat(counts.tombstones(), equalTo(dataset.tombstones));
    assertThat(counts.deadLettered(), equalTo(dataset.malformed));
    assertThat(counts.toString(), counts.reconciles(), equalTo(true));
    assertThat(
        Tables.count(warehouse, "SELECT count(*) FROM dead_letter WHERE stage = 'decode'"),
        equalTo(dataset.malformed));
  }

  @Test
  public void retailStarKeysEveryOrderLineToTheVersionsValidWhenItWasOrdered() throws Exception {
    RetailCdc.Dataset dataset = RetailCdc.generate(4, SMALL);
    Warehouse warehouse = newWarehouse();
    mirror(warehouse, dataset.writeTo(folder.newFolder().toPath()));

    assertThat(
        "one fact per live order line",
        Tables.count(warehouse, "SELECT count(*) FROM fact_order_line"),
        equalTo(Tables.count(warehouse, "SELECT count(*) FROM order_lines WHERE NOT _deleted")));
    assertThat(
        "customers whose segment changed have several versions",
        Tables.count(
            warehouse,
            "SELECT count(*) FROM (SELECT id FROM dim_customer GROUP BY id HAVING count(*) > 1) x"),
        org.hamcrest.Matchers.greaterThan(10L));
    assertThat(
        "one current version per live customer",
        Tables.count(warehouse, "SELECT count(*) FROM dim_customer WHERE is_current AND id > 0"),
        equalTo(Tables.count(warehouse, "SELECT count(*) FROM customers WHERE NOT _deleted")));
    // The segment at order time, read straight from the customers' history: the newest change
    // committed at or before the order, when that change is not a deletion.
    String asOfOrder =
        "SELECT count(*) FROM fact_order_line f"
            + " JOIN orders_history o ON o.id = f.order_id AND o.is_current"
            + " JOIN dim_customer d ON d.customer_key = f.customer_key"
            + " JOIN customers_history h ON h.id = o.customer_id AND NOT h._deleted"
            + " AND h.valid_from <= (o.ordered_at AT TIME ZONE 'UTC')"
            + " AND NOT EXISTS (SELECT 1 FROM customers_history n WHERE n.id = h.id"
            + " AND n._position > h._position AND n.valid_from <= (o.ordered_at AT TIME ZONE 'UTC'))";
    long checked = Tables.count(warehouse, asOfOrder);
    assertThat(
        "facts checked against the history", checked, org.hamcrest.Matchers.greaterThan(100L));
    assertThat(
        "facts whose customer version has another segment than the customer had then",
        Tables.count(warehouse, asOfOrder + " WHERE d.segment IS DISTINCT FROM h.segment"),
        equalTo(0L));
    assertThat(
        "facts whose product version has another price than the product had then",
        Tables.count(
            warehouse,
            "SELECT count(*) FROM fact_order_line f"
                + " JOIN orders_history o ON o.id = f.order_id AND o.is_current"
                + " JOIN order_lines_history l ON l.order_id = f.order_id"
                + " AND l.line_no = f.line_no AND l.is_current"
                + " JOIN dim_product d ON d.product_key = f.product_key"
                + " JOIN products_history h ON h.id = l.product_id AND NOT h._deleted"
                + " AND h.valid_from <= (o.ordered_at AT TIME ZONE 'UTC')"
                + " AND NOT EXISTS (SELECT 1 FROM products_history n WHERE n.id = h.id"
                + " AND n._position > h._position"
                + " AND n.valid_from <= (o.ordered_at AT TIME ZONE 'UTC'))"
                + " WHERE d.price IS DISTINCT FROM h.price OR d.category IS DISTINCT FROM"
                + " h.category"),
        equalTo(0L));
    assertThat(
        "facts on the unknown day",
        Tables.count(warehouse, "SELECT count(*) FROM fact_order_line WHERE date_key = 0"),
        equalTo(0L));
  }

  @Test
  public void shuffledDuplicatedAndSplitInputsGiveIdenticalTables() throws Exception {
    RetailCdc.Dataset dataset = RetailCdc.generate(2, SMALL.withoutUnchangedToast());
    Warehouse asDelivered = newWarehouse();
    mirror(asDelivered, dataset.writeTo(folder.newFolder().toPath()));
    List<String> expected = dumpAll(asDelivered);

    List<String> shuffled = allLines(dataset);
    Random random = new Random(9);
    for (int i = 0; i < 300; i++) {
      shuffled.add(shuffled.get(random.nextInt(shuffled.size())));
    }
    Collections.shuffle(shuffled, random);
    Warehouse fromShuffled = newWarehouse();
    mirror(fromShuffled, write("all", shuffled));
    assertThat(dumpAll(fromShuffled), equalTo(expected));

    // Two runs, the later half of a shuffle first.
    int half = shuffled.size() / 2;
    Warehouse fromHalves = newWarehouse();
    mirror(fromHalves, write("second", shuffled.subList(half, shuffled.size())));
    mirror(fromHalves, write("first", shuffled.subList(0, half)));
    assertThat(dumpAll(fromHalves), equalTo(expected));
  }

  @Test
  public void rerunningTheSameInputChangesNothing() throws Exception {
    RetailCdc.Dataset dataset = RetailCdc.generate(3, SMALL);
    Warehouse warehouse = newWarehouse();
    String input = dataset.writeTo(folder.newFolder().toPath());
    mirror(warehouse, input);
    List<String> before = dumpAll(warehouse);
    List<String> deadLettersBefore = Tables.dump(warehouse, "dead_letter");

    RunCounts again = mirror(warehouse, input);
    assertThat(dumpAll(warehouse), equalTo(before));
    assertThat(Tables.dump(warehouse, "dead_letter"), equalTo(deadLettersBefore));
    assertThat(again.changed(), equalTo(0L));
    assertThat(again.stale(), equalTo(again.applied()));
  }

  private static final DebeziumTable ACCOUNTS =
      DebeziumTable.postgres("bank", "public", "customers")
          .column("id", "int64")
          .column("name", "string")
          .decimalColumn("balance", 12, 2)
          .build();

  private static Map<String, Object> account(long id, String name) {
    Map<String, Object> row = new LinkedHashMap<>();
    row.put("id", id);
    row.put("name", name);
    row.put("balance", new java.math.BigDecimal("10.00"));
    return row;
  }

  @Test
  public void lateOlderUpdatesAfterANewerOneOrADeleteChangeNothing() throws Exception {
    Instant t = Instant.parse("2025-11-28T14:00:00Z");
    String v1 = ACCOUNTS.insert(DebeziumTable.pg(100, 110), t, account(1, "v1"));
    String v2 = ACCOUNTS.update(DebeziumTable.pg(200, 210), t, account(1, "v2"));
    String v3 = ACCOUNTS.update(DebeziumTable.pg(300, 310), t, account(1, "v3"));
    String other = ACCOUNTS.insert(DebeziumTable.pg(100, 120), t, account(2, "other"));
    String otherGone = ACCOUNTS.delete(DebeziumTable.pg(400, 410), t, Map.of("id", 2L));
    Warehouse warehouse = newWarehouse();
    mirrorOnly(warehouse, write("first", List.of(v3, otherGone)));
    List<String> before = Tables.dump(warehouse, "customers");
    assertThat(before, hasSize(2));

    RunCounts late = mirrorOnly(warehouse, write("late", List.of(v2, v1, other)));
    assertThat(Tables.dump(warehouse, "customers"), equalTo(before));
    assertThat(late.changed(), equalTo(0L));
    assertThat(Tables.value(warehouse, "customers", 1, "name"), equalTo("v3"));
    assertThat(Tables.value(warehouse, "customers", 2, "_deleted"), equalTo(true));
  }

  @Test
  public void everyMalformedRecordLandsInDeadLettersWithItsReason() throws Exception {
    Instant t = Instant.parse("2025-11-28T14:00:00Z");
    String good = ACCOUNTS.insert(DebeziumTable.pg(100, 110), t, account(1, "ok"));
    List<String> lines =
        List.of(
            good,
            "{\"schema\":",
            good.replace("\"op\":\"c\"", "\"op\":\"q\""),
            good.replace("\"op\":\"c\",", ""),
            good.replace("\"after\":{\"id\":1,", "\"after\":{"),
            good.replace("\"balance\":\"A+g=\"", "\"balance\":\"12.50 EUR\""),
            "null",
            "   ",
            ACCOUNTS.delete(DebeziumTable.pg(200, 210), t, Map.of("id", 1L)));
    Warehouse warehouse = newWarehouse();
    String input = write("accounts", lines);
    RunCounts counts = mirrorOnly(warehouse, input);

    Map<String, String> reasonBySource = new LinkedHashMap<>();
    try (Connection c = warehouse.connect();
        Statement s = c.createStatement();
        ResultSet rs =
            s.executeQuery(
                "SELECT source, reason, stage, raw_record, failed_at FROM dead_letter")) {
      while (rs.next()) {
        assertThat(rs.getString("stage"), equalTo("decode"));
        assertThat(rs.getObject("failed_at") != null, equalTo(true));
        String source = rs.getString("source");
        reasonBySource.put(source.substring(source.lastIndexOf(':') + 1), rs.getString("reason"));
        assertThat(rs.getString("raw_record"), equalTo(lines.get(lineOf(source) - 1)));
      }
    }
    assertThat(reasonBySource.get("2"), startsWith("malformed JSON"));
    assertThat(reasonBySource.get("3"), containsString("unknown op 'q'"));
    assertThat(reasonBySource.get("4"), containsString("missing 'op'"));
    assertThat(reasonBySource.get("5"), containsString("missing key column 'id'"));
    assertThat(reasonBySource.get("6"), containsString("does not fit its declared type"));
    assertThat(reasonBySource.keySet(), hasSize(5));
    assertThat(counts.read(), equalTo(8L));
    assertThat(counts.blankLines(), equalTo(1L));
    assertThat(counts.tombstones(), equalTo(1L));
    assertThat(counts.deadLettered(), equalTo(5L));
    assertThat(counts.applied(), equalTo(1L));
    assertThat(counts.compactedAway(), equalTo(1L));
    assertThat(counts.reconciles(), equalTo(true));
    assertThat(Tables.value(warehouse, "customers", 1, "_deleted"), equalTo(true));
  }

  private static int lineOf(String source) {
    return Integer.parseInt(source.substring(source.lastIndexOf(':') + 1));
  }

  @Test
  public void valueTheWarehouseColumnCannotHoldIsDeadLetteredAtApply() throws Exception {
    Warehouse warehouse = newWarehouse();
    try (Connection c = warehouse.connect();
        Statement s = c.createStatement()) {
      s.execute(
          "CREATE TABLE customers (id BIGINT PRIMARY KEY, name VARCHAR(200), balance INTEGER,"
              + " _position VARCHAR NOT NULL, _deleted BOOLEAN NOT NULL, _op VARCHAR NOT NULL,"
              + " _event_time TIMESTAMPTZ NOT NULL)");
    }
    Instant t = Instant.parse("2025-11-28T14:00:00Z");
    Map<String, Object> fractional = account(1, "cents");
    fractional.put("balance", new java.math.BigDecimal("10.25"));
    RunCounts counts =
        mirrorOnly(
            warehouse,
            write(
                "accounts",
                List.of(
                    ACCOUNTS.insert(DebeziumTable.pg(1, 2), t, fractional),
                    ACCOUNTS.insert(DebeziumTable.pg(1, 3), t, account(2, "whole")))));
    assertThat(counts.deadLettered(), equalTo(1L));
    assertThat(counts.reconciles(), equalTo(true));
    assertThat(Tables.value(warehouse, "customers", 2, "name"), equalTo("whole"));
    assertThat(
        Tables.count(
            warehouse,
            "SELECT count(*) FROM dead_letter WHERE stage = 'apply'"
                + " AND source LIKE '%accounts%:1'"
                + " AND reason LIKE 'mirror table customers, key [1]: %does not fit column"
                + " ''balance''%'"),
        equalTo(1L));
  }

  @Test
  public void aRunLeavesNothingStagedBehindEvenWhenATableIsRefused() throws Exception {
    Warehouse warehouse = newWarehouse();
    try (Connection c = warehouse.connect();
        Statement s = c.createStatement()) {
      s.execute(
          "CREATE TABLE customers (id BIGINT, name VARCHAR(200), balance DECIMAL(12,2),"
              + " _position VARCHAR, _deleted BOOLEAN, _op VARCHAR, _event_time TIMESTAMPTZ,"
              + " PRIMARY KEY (name))");
    }
    Instant t = Instant.parse("2025-11-28T14:00:00Z");
    DebeziumTable branches =
        DebeziumTable.postgres("bank", "public", "branches")
            .column("id", "int64")
            .column("name", "string")
            .build();
    List<String> lines = new ArrayList<>();
    for (int i = 1; i <= 40; i++) {
      lines.add(ACCOUNTS.insert(DebeziumTable.pg(i, i + 1), t, account(i, "a" + i)));
      Map<String, Object> branch = new LinkedHashMap<>();
      branch.put("id", (long) i);
      branch.put("name", "b" + i);
      lines.add(branches.insert(DebeziumTable.pg(100 + i, 101 + i), t, branch));
    }
    RunCounts counts = mirrorOnly(warehouse, write("bank", lines));

    assertThat(counts.toString(), counts.reconciles(), equalTo(true));
    assertThat(counts.deadLettered(), equalTo(40L));
    assertThat(Tables.count(warehouse, "SELECT count(*) FROM branches"), equalTo(40L));
    assertThat(
        Tables.count(
            warehouse,
            "SELECT count(*) FROM dead_letter WHERE stage = 'apply'"
                + " AND reason LIKE '%primary key [name]%'"),
        equalTo(40L));
    assertThat(
        Tables.count(
            warehouse,
            "SELECT count(*) FROM information_schema.tables"
                + " WHERE lower(table_name) LIKE 'starflow_stage%'"),
        equalTo(0L));
    assertThat(stagedOutsideTheWarehouse(warehouse), empty());
  }
}
