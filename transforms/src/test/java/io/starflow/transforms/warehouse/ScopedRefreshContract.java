package io.starflow.transforms.warehouse;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.Assert.assertEquals;

import io.starflow.schemas.ChangeRecord;
import io.starflow.schemas.Column;
import io.starflow.schemas.ColumnType;
import io.starflow.schemas.SourcePosition;
import io.starflow.schemas.Truncation;
import io.starflow.schemas.model.WarehouseModel;
import io.starflow.transforms.testing.Tables;
import java.io.StringReader;
import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.Test;

/**
 * The key-scoped star refresh against a full rebuild: random histories of four sources (two facts,
 * one through a lookup; a type 2 and a type 1 dimension) delivered shuffled, duplicated and in
 * random batches, refreshed after each, give the tables a rebuild from the same history gives; run
 * on DuckDB and PostgreSQL.
 */
public abstract class ScopedRefreshContract {
  static final String MODEL =
      String.join(
          "\n",
          "sources:",
          "  customers:",
          "    kind: cdc",
          "    key: [id]",
          "    columns: {id: bigint, segment: string, name: string}",
          "  products:",
          "    kind: cdc",
          "    key: [id]",
          "    columns: {id: bigint, category: string}",
          "  orders:",
          "    kind: cdc",
          "    key: [id]",
          "    columns: {id: bigint, customer_id: bigint, ordered_at: timestamptz,"
              + " total: 'decimal(12,2)'}",
          "  lines:",
          "    kind: cdc",
          "    key: [order_id, line_no]",
          "    columns: {order_id: bigint, line_no: integer, product_id: bigint,"
              + " quantity: integer}",
          "dimensions:",
          "  dim_customer:",
          "    source: customers",
          "    attributes: [segment, name]",
          "    versioned_by: [segment]",
          "  dim_product:",
          "    source: products",
          "    scd: 1",
          "    attributes: [category]",
          "  dim_date:",
          "    kind: date",
          "    from: 2023-11-14",
          "    to: 2023-11-20",
          "facts:",
          "  fact_order:",
          "    source: orders",
          "    event_time: ordered_at",
          "    measures: [total]",
          "    dimensions:",
          "      - dimension: dim_customer",
          "        key: [customer_id]",
          "      - dimension: dim_date",
          "  fact_line:",
          "    source: lines",
          "    lookups:",
          "      - source: orders",
          "        on: {order_id: id}",
          "    event_time: orders.ordered_at",
          "    measures: [quantity]",
          "    dimensions:",
          "      - dimension: dim_customer",
          "        key: [orders.customer_id]",
          "      - dimension: dim_product",
          "        key: [product_id]",
          "      - dimension: dim_date",
          "");

  static final Map<String, String> STAR_ORDER = new LinkedHashMap<>();

  static {
    STAR_ORDER.put("dim_customer", "customer_key");
    STAR_ORDER.put("dim_product", "product_key");
    STAR_ORDER.put("dim_date", "date_key");
    STAR_ORDER.put("fact_order", "id");
    STAR_ORDER.put("fact_line", "order_id, line_no");
  }

  protected abstract Warehouse newWarehouse() throws Exception;

  static WarehouseModel model() throws Exception {
    return WarehouseModel.read(new StringReader(MODEL), "scoped.yaml", null);
  }

  // ---- input -------------------------------------------------------------------------------

  private static ChangeRecord change(
      String table, List<String> keys, boolean deleted, long position, Column... columns) {
    return ChangeRecord.builder()
        .setTable(table)
        .setKeyColumns(keys)
        .setOp(deleted ? ChangeRecord.Op.DELETE : ChangeRecord.Op.UPSERT)
        .setSourceOp(deleted ? "d" : "u")
        .setPosition(SourcePosition.of(0, position))
        .setEventTime(Instant.ofEpochSecond(StarContract.EPOCH + position))
        .putSource("connector", "postgresql")
        .setColumns(List.of(columns))
        .build();
  }

  private static Column id(long id) {
    return Column.of("id", ColumnType.BIGINT, id);
  }

  /**
   * A random history: keys that change, are deleted and come back, orders that move between
   * customers (some never delivered), lines of orders that do not exist, null references and event
   * times; every change at a distinct position.
   */
  static List<ChangeRecord> randomHistory(Random random, int customers, int products, int orders) {
    List<Long> positions = new ArrayList<>();
    for (long p = 1; p <= (customers + products + orders * 4L) * 6; p++) {
      positions.add(p * 60);
    }
    Collections.shuffle(positions, random);
    int[] next = {0};
    long span = positions.size() * 60L;
    String[] segments = {"retail", "business", "vip"};
    List<ChangeRecord> changes = new ArrayList<>();
    List<String> id = List.of("id");
    for (long key = 1; key <= customers; key++) {
      for (int i = 0, n = 1 + random.nextInt(5); i < n; i++) {
        long at = positions.get(next[0]++);
        boolean deleted = random.nextInt(6) == 0;
        changes.add(
            deleted
                ? change("customers", id, true, at, id(key))
                : change(
                    "customers",
                    id,
                    false,
                    at,
                    id(key),
                    Column.of("segment", ColumnType.STRING, segments[random.nextInt(3)]),
                    Column.of(
                        "name",
                        ColumnType.STRING,
                        random.nextInt(3) == 0 ? null : "name" + random.nextInt(3))));
      }
    }
    for (long key = 1; key <= products; key++) {
      for (int i = 0, n = 1 + random.nextInt(3); i < n; i++) {
        long at = positions.get(next[0]++);
        boolean deleted = i > 0 && random.nextInt(5) == 0;
        changes.add(
            deleted
                ? change("products", id, true, at, id(key))
                : change(
                    "products",
                    id,
                    false,
                    at,
                    id(key),
                    Column.of("category", ColumnType.STRING, "c" + random.nextInt(3))));
      }
    }
    for (long key = 1; key <= orders; key++) {
      for (int i = 0, n = 1 + random.nextInt(3); i < n; i++) {
        long at = positions.get(next[0]++);
        if (i > 0 && random.nextInt(6) == 0) {
          changes.add(change("orders", id, true, at, id(key)));
          continue;
        }
        Long customer = random.nextInt(8) == 0 ? null : 1L + random.nextInt(customers + 2);
        Instant orderedAt =
            random.nextInt(12) == 0
                ? null
                : Instant.ofEpochSecond(
                    StarContract.EPOCH - 3600 + (long) (random.nextDouble() * (span + 7200)));
        changes.add(
            change(
                "orders",
                id,
                false,
                at,
                id(key),
                Column.of("customer_id", ColumnType.BIGINT, customer),
                Column.of("ordered_at", ColumnType.TIMESTAMPTZ, orderedAt),
                Column.of(
                    "total",
                    ColumnType.decimal(12, 2),
                    new BigDecimal(random.nextInt(900) + ".50"))));
      }
    }
    List<String> lineKey = List.of("order_id", "line_no");
    for (long order = 1; order <= orders + 1; order++) {
      for (int line = 1, lines = 1 + random.nextInt(3); line <= lines; line++) {
        for (int i = 0, n = 1 + random.nextInt(2); i < n; i++) {
          long at = positions.get(next[0]++);
          Column orderId = Column.of("order_id", ColumnType.BIGINT, order);
          Column lineNo = Column.of("line_no", ColumnType.INTEGER, (long) line);
          if (i > 0 && random.nextInt(5) == 0) {
            changes.add(change("lines", lineKey, true, at, orderId, lineNo));
            continue;
          }
          Long product = random.nextInt(8) == 0 ? null : 1L + random.nextInt(products + 2);
          changes.add(
              change(
                  "lines",
                  lineKey,
                  false,
                  at,
                  orderId,
                  lineNo,
                  Column.of("product_id", ColumnType.BIGINT, product),
                  Column.of("quantity", ColumnType.INTEGER, 1L + random.nextInt(9))));
        }
      }
    }
    return changes;
  }

  static Map<String, List<String>> dumpStar(Warehouse warehouse) throws SQLException {
    Map<String, List<String>> tables = new LinkedHashMap<>();
    STAR_ORDER.forEach((table, order) -> tables.put(table, dumpOrThrow(warehouse, table, order)));
    return tables;
  }

  private static List<String> dumpOrThrow(Warehouse warehouse, String table, String order) {
    try {
      return StarContract.dump(warehouse, table, order);
    } catch (SQLException e) {
      throw new IllegalStateException(e);
    }
  }

  private static long changedRows(Map<String, Long> changed) {
    return changed.values().stream().mapToLong(Long::longValue).sum();
  }

  private Warehouse withStar() throws Exception {
    Warehouse warehouse = newWarehouse();
    try (Connection connection = warehouse.connect()) {
      new StarRefresh(warehouse, model()).createTables(connection);
    }
    return warehouse;
  }

  // ---- tests -------------------------------------------------------------------------------

  @Test
  public void refreshingEveryBatchGivesTheTablesOfARebuildFromTheWholeHistory() throws Exception {
    StarRefresh star = null;
    for (int round = 0; round < 5; round++) {
      Random random = new Random(2000 + round);
      List<ChangeRecord> changes = randomHistory(random, 8, 6, 12);
      List<ChangeRecord> delivered = new ArrayList<>(changes);
      for (int i = 0; i < changes.size() / 4; i++) {
        delivered.add(changes.get(random.nextInt(changes.size())));
      }
      Collections.shuffle(delivered, random);

      Warehouse scoped = withStar();
      star = new StarRefresh(scoped, model());
      try (MirrorWriter writer = MirrorWriter.open(scoped)) {
        for (int i = 0; i < delivered.size(); ) {
          int batch = 1 + random.nextInt(16);
          writer.writeHistory(delivered.subList(i, Math.min(delivered.size(), i + batch)));
          star.refresh();
          i += batch;
        }
      }
      Warehouse whole = withStar();
      try (MirrorWriter writer = MirrorWriter.open(whole)) {
        writer.writeHistory(changes);
      }
      new StarRefresh(whole, model()).rebuild();

      String seed = "round " + round;
      Map<String, List<String>> rebuilt = dumpStar(whole);
      Map<String, List<String>> refreshed = dumpStar(scoped);
      for (String table : STAR_ORDER.keySet()) {
        assertEquals(seed + ": " + table, rebuilt.get(table), refreshed.get(table));
      }
      assertEquals(seed + ": a rebuild changes nothing", 0L, changedRows(star.rebuild()));
      for (String source : List.of("customers", "products", "orders", "lines")) {
        assertThat(
            seed + ": touched keys of " + source + " are consumed",
            Tables.count(scoped, "SELECT count(*) FROM " + SqlDialect.touchedTable(source)),
            equalTo(0L));
      }
    }
  }

  @Test
  public void aRefreshRecomputesOnlyTheKeysWhoseHistoryChanged() throws Exception {
    Warehouse warehouse = withStar();
    StarRefresh star = new StarRefresh(warehouse, model());
    List<ChangeRecord> changes = randomHistory(new Random(5), 6, 4, 8);
    try (MirrorWriter writer = MirrorWriter.open(warehouse)) {
      writer.writeHistory(changes);
      star.refresh();
      assertEquals("nothing touched, nothing changed", 0L, changedRows(star.refresh()));

      // a row the star would never derive, for a key no later write touches
      try (Connection c = warehouse.connect();
          Statement s = c.createStatement()) {
        s.executeUpdate("UPDATE dim_product SET category = 'stray' WHERE id = 1");
      }
      writer.writeHistory(
          List.of(
              change(
                  "products",
                  List.of("id"),
                  false,
                  1_000_000,
                  id(2),
                  Column.of("category", ColumnType.STRING, "moved"))));
      Map<String, Long> changed = star.refresh();
      assertThat(changed.get("dim_product"), equalTo(1L));
      assertThat(
          Tables.count(warehouse, "SELECT count(*) FROM dim_product WHERE category = 'stray'"),
          equalTo(1L));
      assertThat(
          Tables.count(
              warehouse, "SELECT count(*) FROM dim_product WHERE id = 2 AND category = 'moved'"),
          equalTo(1L));
    }
    assertThat("the rebuild mends the stray row", star.rebuild().get("dim_product"), equalTo(1L));
    assertThat(
        Tables.count(warehouse, "SELECT count(*) FROM dim_product WHERE category = 'stray'"),
        equalTo(0L));
  }

  @Test
  public void aTruncatedSourceAndAChangedModelAreRefreshedWhole() throws Exception {
    Warehouse warehouse = withStar();
    StarRefresh star = new StarRefresh(warehouse, model());
    List<ChangeRecord> changes = randomHistory(new Random(11), 6, 4, 8);
    try (MirrorWriter writer = MirrorWriter.open(warehouse)) {
      writer.writeHistory(changes);
      star.refresh();
      long live =
          Tables.count(warehouse, "SELECT count(*) FROM dim_customer WHERE NOT is_inferred");
      assertThat(live > 0, equalTo(true));
      writer.truncate(
          Truncation.of(
              "customers",
              SourcePosition.of(0, 2_000_000),
              Instant.ofEpochSecond(StarContract.EPOCH + 2_000_000),
              null));
      star.refresh();
    }
    assertEquals("the truncation reaches every key", 0L, changedRows(star.rebuild()));

    // a model whose star differs (another versioned_by) makes the next refresh a rebuild
    WarehouseModel other =
        WarehouseModel.read(
            new StringReader(MODEL.replace("versioned_by: [segment]", "versioned_by: [name]")),
            "scoped.yaml",
            null);
    try (Connection c = warehouse.connect();
        Statement s = c.createStatement()) {
      s.executeUpdate("UPDATE dim_product SET category = 'stray' WHERE id = 1");
    }
    new StarRefresh(warehouse, other).refresh();
    assertThat(
        Tables.count(warehouse, "SELECT count(*) FROM dim_product WHERE category = 'stray'"),
        equalTo(0L));
  }
}
