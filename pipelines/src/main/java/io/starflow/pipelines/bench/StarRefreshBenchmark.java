package io.starflow.pipelines.bench;

import io.starflow.pipelines.sample.RetailCdc;
import io.starflow.schemas.ChangeRecord;
import io.starflow.schemas.Column;
import io.starflow.schemas.ColumnType;
import io.starflow.schemas.SourcePosition;
import io.starflow.schemas.model.WarehouseModel;
import io.starflow.transforms.warehouse.MirrorWriter;
import io.starflow.transforms.warehouse.StarRefresh;
import io.starflow.transforms.warehouse.Warehouse;
import java.io.PrintWriter;
import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * The star refresh of the sample retail model after a few changed keys, beside a full rebuild, on a
 * warehouse whose history holds about {@code versions} versions: what a streaming refresh costs as
 * the warehouse grows.
 */
public final class StarRefreshBenchmark {
  private static final int BATCH = 50_000;
  private static final Instant START = Instant.parse("2025-01-01T00:00:00Z");
  private static final String[] SEGMENTS = {"retail", "business", "vip"};
  private static final String[] CATEGORIES = {"tools", "garden", "kitchen", "toys", "books"};

  private StarRefreshBenchmark() {}

  /** The schema of {@link #runOnPostgres}, created for the run and dropped after it. */
  private static final String POSTGRES_SCHEMA = "starflow_bench_star";

  /**
   * {@link #run} on the PostgreSQL database at {@code jdbcUrl}, in a schema of its own that it
   * drops after the run.
   */
  public static int runOnPostgres(
      String jdbcUrl, long versions, List<Integer> changed, PrintWriter out) throws Exception {
    Warehouse database = Warehouse.at(jdbcUrl);
    dropSchema(database, true);
    try {
      return run(
          Warehouse.at(
              jdbcUrl + (jdbcUrl.contains("?") ? "&" : "?") + "currentSchema=" + POSTGRES_SCHEMA),
          versions,
          changed,
          out);
    } finally {
      dropSchema(database, false);
    }
  }

  private static void dropSchema(Warehouse database, boolean recreate) throws SQLException {
    try (Connection c = database.connect();
        java.sql.Statement s = c.createStatement()) {
      s.execute(database.dialect().dropSchema(POSTGRES_SCHEMA));
      if (recreate) {
        s.execute(database.dialect().createSchema(POSTGRES_SCHEMA));
      }
    }
  }

  /** Where a generated history of the retail sources stands: the next position to use. */
  private static final class Generator {
    final Random random = new Random(42);
    final int customers;
    final int products;
    final int orders;
    long position = 1;

    Generator(long versions) {
      // per 20 versions: 4 customer, 1 product, 8 order and 7 order line versions
      customers = (int) Math.max(10, versions / 20);
      products = (int) Math.max(10, versions / 100);
      orders = (int) Math.max(10, versions / 5);
    }

    ChangeRecord customer(long id) {
      return change(
          "customers",
          List.of("id"),
          Column.of("id", ColumnType.BIGINT, id),
          Column.of("name", ColumnType.STRING, "customer " + id),
          Column.of("email", ColumnType.STRING, "c" + id + "@example.com"),
          Column.of("segment", ColumnType.STRING, SEGMENTS[random.nextInt(SEGMENTS.length)]),
          Column.of(
              "credit_limit", ColumnType.decimal(12, 2), BigDecimal.valueOf(random.nextInt(9000))));
    }

    ChangeRecord product(long id) {
      return change(
          "products",
          List.of("id"),
          Column.of("id", ColumnType.BIGINT, id),
          Column.of("sku", ColumnType.STRING, "SKU-" + id),
          Column.of("name", ColumnType.STRING, "product " + id),
          Column.of("category", ColumnType.STRING, CATEGORIES[random.nextInt(CATEGORIES.length)]),
          Column.of(
              "price",
              ColumnType.decimal(10, 2),
              BigDecimal.valueOf(100 + random.nextInt(9900), 2)));
    }

    ChangeRecord order(long id) {
      return change(
          "orders",
          List.of("id"),
          Column.of("id", ColumnType.BIGINT, id),
          Column.of("customer_id", ColumnType.BIGINT, 1L + random.nextInt(customers)),
          Column.of("status", ColumnType.STRING, random.nextBoolean() ? "placed" : "shipped"),
          Column.of(
              "ordered_at",
              ColumnType.TIMESTAMP,
              LocalDateTime.ofInstant(
                  START.plusSeconds(random.nextInt(700 * 86_400)), ZoneOffset.UTC)));
    }

    ChangeRecord line(long order, long line) {
      return change(
          "order_lines",
          List.of("order_id", "line_no"),
          Column.of("order_id", ColumnType.BIGINT, order),
          Column.of("line_no", ColumnType.INTEGER, line),
          Column.of("product_id", ColumnType.BIGINT, 1L + random.nextInt(products)),
          Column.of("quantity", ColumnType.INTEGER, 1L + random.nextInt(9)),
          Column.of(
              "unit_price",
              ColumnType.decimal(10, 2),
              BigDecimal.valueOf(100 + random.nextInt(9900), 2)));
    }

    private ChangeRecord change(String table, List<String> keys, Column... columns) {
      long at = position++;
      return ChangeRecord.builder()
          .setTable(table)
          .setKeyColumns(keys)
          .setOp(ChangeRecord.Op.UPSERT)
          .setSourceOp("u")
          .setPosition(SourcePosition.of(0, at))
          .setEventTime(START.plusSeconds(at * 60))
          .putSource("connector", "postgresql")
          .setColumns(List.of(columns))
          .build();
    }
  }

  /**
   * Builds a history of about {@code versions} versions, rebuilds the star, then for each of {@code
   * changes} changes that many keys (a quarter of each source), times the key-scoped refresh and a
   * full rebuild after it, and checks that the rebuild found nothing to change.
   */
  public static int run(Warehouse warehouse, long versions, List<Integer> changes, PrintWriter out)
      throws SQLException {
    WarehouseModel model = RetailCdc.model();
    StarRefresh star = new StarRefresh(warehouse, model);
    Generator generator = new Generator(versions);
    try (Connection connection = warehouse.connect()) {
      star.createTables(connection);
    }
    long written = 0;
    long started = System.nanoTime();
    try (MirrorWriter writer = MirrorWriter.open(warehouse)) {
      List<ChangeRecord> batch = new ArrayList<>(BATCH);
      for (int round = 0; round < 4; round++) {
        for (long id = 1; id <= generator.customers; id++) {
          written += add(writer, batch, generator.customer(id));
        }
      }
      for (int round = 0; round < 5; round++) {
        for (long id = 1; id <= generator.products; id++) {
          written += add(writer, batch, generator.product(id));
        }
      }
      for (int round = 0; round < 2; round++) {
        for (long id = 1; id <= generator.orders; id++) {
          written += add(writer, batch, generator.order(id));
        }
      }
      for (long id = 1; id <= generator.orders; id++) {
        for (long line = 1; line <= (id % 4 == 0 ? 1 : 2); line++) {
          written += add(writer, batch, generator.line(id, line));
        }
      }
      written += flush(writer, batch);
      out.printf(
          "History: %,d versions (%,d customers, %,d products, %,d orders and their lines),"
              + " written in %.1f s%n",
          written, generator.customers, generator.products, generator.orders, seconds(started));
      out.flush();

      started = System.nanoTime();
      Map<String, Long> built = star.rebuild();
      out.printf("Full rebuild of the star: %.2f s, %s%n", seconds(started), built);
      out.flush();

      int failures = 0;
      for (int changed : changes) {
        List<ChangeRecord> batchOfChanges = new ArrayList<>();
        Random pick = new Random(changed);
        for (int i = 0; i < changed; i++) {
          switch (i % 4) {
            case 0:
              batchOfChanges.add(generator.customer(1L + pick.nextInt(generator.customers)));
              break;
            case 1:
              batchOfChanges.add(generator.product(1L + pick.nextInt(generator.products)));
              break;
            case 2:
              batchOfChanges.add(generator.order(1L + pick.nextInt(generator.orders)));
              break;
            default:
              batchOfChanges.add(generator.line(1L + pick.nextInt(generator.orders), 1));
          }
        }
        started = System.nanoTime();
        writer.writeHistory(batchOfChanges);
        double historySeconds = seconds(started);
        started = System.nanoTime();
        Map<String, Long> refreshed = star.refresh();
        double refreshSeconds = seconds(started);
        started = System.nanoTime();
        Map<String, Long> rebuilt = star.rebuild();
        double rebuildSeconds = seconds(started);
        long left = rebuilt.values().stream().mapToLong(Long::longValue).sum();
        out.printf(
            "%,6d changed keys: history write %.2f s; key-scoped refresh %.3f s (rows changed"
                + " %s); full rebuild %.2f s: %.1fx the refresh; rows the rebuild still changed:"
                + " %d%n",
            changed,
            historySeconds,
            refreshSeconds,
            refreshed,
            rebuildSeconds,
            rebuildSeconds / refreshSeconds,
            left);
        out.flush();
        if (left != 0) {
          failures++;
        }
      }
      if (failures > 0) {
        out.println(
            "The key-scoped refresh left rows a full rebuild changed: these figures do not count.");
        return 1;
      }
      return 0;
    }
  }

  private static long add(MirrorWriter writer, List<ChangeRecord> batch, ChangeRecord record)
      throws SQLException {
    batch.add(record);
    return batch.size() >= BATCH ? flush(writer, batch) : 0;
  }

  private static long flush(MirrorWriter writer, List<ChangeRecord> batch) throws SQLException {
    long n = batch.size();
    if (n > 0) {
      writer.writeHistory(batch);
      batch.clear();
    }
    return n;
  }

  private static double seconds(long started) {
    return (System.nanoTime() - started) / 1e9;
  }
}
