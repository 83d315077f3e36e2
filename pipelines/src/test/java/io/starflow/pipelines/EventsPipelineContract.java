package io.starflow.pipelines;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.empty;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.greaterThan;

import io.starflow.pipelines.sample.RetailInventory;
import io.starflow.schemas.DomainEvent;
import io.starflow.transforms.StarflowMetrics;
import io.starflow.transforms.events.AsOf;
import io.starflow.transforms.events.DomainEventJson;
import io.starflow.transforms.events.Inventory;
import io.starflow.transforms.events.RejectedEventException;
import io.starflow.transforms.testing.Runs;
import io.starflow.transforms.testing.Tables;
import io.starflow.transforms.warehouse.Warehouse;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.PipelineResult;
import org.apache.beam.sdk.options.PipelineOptions;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

/** Event-sourced inventory end to end, against brute-force replays; DuckDB and PostgreSQL. */
public abstract class EventsPipelineContract {
  @Rule public final TemporaryFolder folder = new TemporaryFolder();

  protected abstract Warehouse newWarehouse() throws Exception;

  /** The options the pipelines run with: the DirectRunner's unless a runner's test says. */
  protected PipelineOptions options() {
    return PipelineOptionsFactory.create();
  }

  static final Inventory INVENTORY = new Inventory();

  RunCounts fold(Warehouse warehouse, List<String> lines, int snapshotEvery) throws Exception {
    Path file = folder.newFolder().toPath().resolve("events.jsonl");
    Files.write(file, lines);
    Pipeline pipeline = Pipeline.create(options());
    EventsPipeline.fromFiles(pipeline, INVENTORY, warehouse, snapshotEvery, file.toString());
    PipelineResult result = pipeline.run();
    assertThat(Runs.finish(result), equalTo(PipelineResult.State.DONE));
    assertThat("what the fold staged is gone", staged(warehouse), empty());
    return RunCounts.of(result);
  }

  RunCounts asOf(Warehouse warehouse, List<Instant> instants, boolean snapshots) {
    Pipeline pipeline = Pipeline.create(options());
    EventsPipeline.asOf(pipeline, INVENTORY, warehouse, instants, snapshots);
    PipelineResult result = pipeline.run();
    assertThat(Runs.finish(result), equalTo(PipelineResult.State.DONE));
    return RunCounts.of(result);
  }

  /** The stages left in the warehouse: its stage tables, and the files of a DuckDB file's. */
  static List<String> staged(Warehouse warehouse) throws Exception {
    List<String> left =
        new ArrayList<>(
            Tables.rows(
                warehouse,
                "SELECT table_name FROM information_schema.tables"
                    + " WHERE table_schema = current_schema() AND (table_name LIKE"
                    + " 'starflow_stage_%' OR table_name LIKE 'starflow_events_%')"));
    String url = warehouse.jdbcUrl();
    if (url.startsWith("jdbc:duckdb:") && url.length() > "jdbc:duckdb:".length()) {
      Path stages = Path.of(url.substring("jdbc:duckdb:".length()) + ".stage");
      if (Files.exists(stages)) {
        try (var files = Files.walk(stages)) {
          files.filter(Files::isRegularFile).forEach(f -> left.add(f.toString()));
        }
      }
    }
    return left;
  }

  /** sku -> "on_hand|reserved|value" as of {@code at}, from fact_inventory_snapshot. */
  static Map<String, String> snapshotRows(Warehouse warehouse, Instant at) throws Exception {
    Map<String, String> rows = new TreeMap<>();
    try (Connection c = warehouse.connect();
        Statement s = c.createStatement();
        ResultSet rs =
            s.executeQuery(
                "SELECT sku, on_hand, reserved, value FROM "
                    + AsOf.table(INVENTORY)
                    + " WHERE as_of = CAST('"
                    + at
                    + "' AS TIMESTAMPTZ)")) {
      while (rs.next()) {
        rows.put(
            rs.getString(1),
            rs.getLong(2) + "|" + rs.getLong(3) + "|" + rs.getBigDecimal(4).toPlainString());
      }
    }
    return rows;
  }

  static Map<String, String> expected(Map<String, Inventory.State> states) {
    Map<String, String> rows = new TreeMap<>();
    states.forEach(
        (sku, s) -> rows.put(sku, s.onHand + "|" + s.reserved + "|" + s.value.toPlainString()));
    return rows;
  }

  /** sku|version|on_hand|reserved|value|valid_from|valid_to|is_current of inventory_history. */
  static List<String> history(Warehouse warehouse) throws Exception {
    return Tables.rows(
        warehouse,
        "SELECT sku, version, on_hand, reserved, value, valid_from, valid_to, is_current"
            + " FROM inventory_history ORDER BY sku, version");
  }

  /** The same from brute force over the applicable events. */
  static List<String> expectedHistory(RetailInventory.Dataset dataset) throws Exception {
    List<String> rows = new ArrayList<>();
    for (Map.Entry<String, List<DomainEvent>> entry : dataset.applicable().entrySet()) {
      Inventory.State state = INVENTORY.initial(entry.getKey());
      List<DomainEvent> events = entry.getValue();
      for (int i = 0; i < events.size(); i++) {
        DomainEvent event = events.get(i);
        try {
          state = INVENTORY.apply(state, event);
        } catch (RejectedEventException e) {
          // unchanged
        }
        Instant to = i + 1 < events.size() ? events.get(i + 1).eventTime() : null;
        rows.add(
            String.join(
                "|",
                entry.getKey(),
                Long.toString(event.version()),
                Long.toString(state.onHand),
                Long.toString(state.reserved),
                state.value.toPlainString(),
                event.eventTime().toString(),
                String.valueOf(to),
                Boolean.toString(i + 1 == events.size())));
      }
    }
    return rows;
  }

  @Test
  public void foldsShuffledDuplicatedGappedAndConflictingEventsLikeABruteForceReplay()
      throws Exception {
    foldAndRebuild(5, 7);
    foldAndRebuild(15, 3);
  }

  private void foldAndRebuild(long seed, int snapshotEvery) throws Exception {
    RetailInventory.Dataset dataset =
        RetailInventory.generate(seed, new RetailInventory.Size(20, 30, 0.2, 2, 2, 3));
    Warehouse warehouse = newWarehouse();
    RunCounts counts = fold(warehouse, dataset.lines, snapshotEvery);

    assertThat(history(warehouse), equalTo(expectedHistory(dataset)));
    long applicable = dataset.applicable().values().stream().mapToLong(List::size).sum();
    assertThat(counts.get(StarflowMetrics.EVENTS_APPLIED), equalTo(applicable));
    assertThat(counts.get(StarflowMetrics.EVENTS_DUPLICATE), greaterThan(0L));
    assertThat(counts.get(StarflowMetrics.EVENTS_CONFLICT), greaterThan(1L));
    assertThat(
        Tables.count(warehouse, "SELECT count(*) FROM dead_letter WHERE reason LIKE 'gap:%'"),
        greaterThan(0L));
    assertThat(
        Tables.count(warehouse, "SELECT count(*) FROM dead_letter WHERE reason LIKE 'conflict:%'"),
        greaterThan(1L));
    assertThat(
        Tables.count(warehouse, "SELECT count(*) FROM dead_letter WHERE stage = 'decode'"),
        equalTo(3L));
    assertThat(
        "every event is applied, a duplicate or dead-lettered",
        counts.get(StarflowMetrics.EVENTS_APPLIED)
            + counts.get(StarflowMetrics.EVENTS_DUPLICATE)
            + counts.get(StarflowMetrics.EVENTS_CONFLICT)
            + counts.get(StarflowMetrics.EVENTS_GAP)
            + counts.get(StarflowMetrics.DECODE_FAILED),
        equalTo((long) dataset.lines.size()));
    assertThat(
        Tables.count(warehouse, "SELECT count(*) FROM fact_inventory_movement"),
        equalTo(applicable));
    assertThat(
        "the movements add up to the current value",
        Tables.rows(warehouse, "SELECT sum(value_change) FROM fact_inventory_movement"),
        equalTo(Tables.rows(warehouse, "SELECT sum(value) FROM inventory")));

    // As of random instants, with and without snapshots, equal to brute force.
    Random random = new Random(seed);
    List<Instant> instants = new ArrayList<>();
    instants.add(RetailInventory.BLACK_FRIDAY_2PM);
    for (int i = 0; i < 4; i++) {
      instants.add(Instant.parse("2025-11-01T00:00:00Z").plusSeconds(random.nextInt(35 * 86_400)));
    }
    RunCounts withSnapshots = asOf(warehouse, instants, true);
    for (Instant at : instants) {
      assertThat(at.toString(), snapshotRows(warehouse, at), equalTo(expected(dataset.asOf(at))));
    }
    Warehouse other = newWarehouse();
    fold(other, dataset.lines, 0);
    RunCounts withoutSnapshots = asOf(other, instants, false);
    for (Instant at : instants) {
      assertThat(at.toString(), snapshotRows(other, at), equalTo(expected(dataset.asOf(at))));
    }
    assertThat(
        withSnapshots.get(StarflowMetrics.EVENTS_FULL_REPLAY),
        equalTo(withoutSnapshots.get(StarflowMetrics.EVENTS_REPLAYED)));
    assertThat(
        withSnapshots.get(StarflowMetrics.EVENTS_REPLAYED) * 3,
        org.hamcrest.Matchers.lessThan(withoutSnapshots.get(StarflowMetrics.EVENTS_REPLAYED)));
  }

  @Test
  public void replaysInTwoRunsInAnyOrderGiveTheSameTablesAndAsOfIsIdempotent() throws Exception {
    RetailInventory.Dataset dataset =
        RetailInventory.generate(6, new RetailInventory.Size(20, 30, 0.1, 1, 1, 0));
    Warehouse once = newWarehouse();
    fold(once, dataset.lines, 5);
    asOf(once, List.of(RetailInventory.BLACK_FRIDAY_2PM), true);
    List<String> expected = dump(once);

    // the same lines, in two runs: the later versions first is a gap the first run gives up on,
    // so split by SKU instead, and replay everything again after.
    Warehouse twice = newWarehouse();
    List<String> shuffled = new ArrayList<>(dataset.lines);
    Collections.shuffle(shuffled, new Random(1));
    List<String> first = new ArrayList<>();
    List<String> second = new ArrayList<>();
    for (String line : shuffled) {
      (line.hashCode() % 2 == 0 ? first : second).add(line);
    }
    fold(twice, first, 5);
    fold(twice, second, 5);
    fold(twice, shuffled, 5);
    asOf(twice, List.of(RetailInventory.BLACK_FRIDAY_2PM), true);
    asOf(twice, List.of(RetailInventory.BLACK_FRIDAY_2PM), true);
    assertThat(dump(twice), equalTo(expected));
  }

  List<String> dump(Warehouse warehouse) throws Exception {
    List<String> rows = new ArrayList<>();
    for (String table :
        List.of(
            "inventory",
            "inventory_history",
            "inventory_events",
            "fact_inventory_movement",
            "inventory_state_snapshot",
            "fact_inventory_snapshot")) {
      rows.add("== " + table);
      rows.addAll(Tables.dump(warehouse, table));
    }
    return rows;
  }

  static BigDecimal value(Warehouse warehouse, Instant at) throws Exception {
    return new BigDecimal(
        Tables.rows(
                warehouse,
                "SELECT sum(value) FROM fact_inventory_snapshot WHERE as_of = CAST('"
                    + at
                    + "' AS TIMESTAMPTZ)")
            .get(0));
  }

  static String json(DomainEvent event) {
    return DomainEventJson.encode(event);
  }
}
