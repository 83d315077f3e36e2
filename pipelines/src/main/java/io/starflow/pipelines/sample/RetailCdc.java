package io.starflow.pipelines.sample;

import io.starflow.schemas.model.ModelException;
import io.starflow.schemas.model.WarehouseModel;
import io.starflow.transforms.debezium.DebeziumTable;
import io.starflow.transforms.debezium.DebeziumTable.LogPosition;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;

/**
 * A sample retail database captured by Debezium's PostgreSQL connector: {@code customers}, {@code
 * products}, {@code orders} and {@code order_lines}, from an initial snapshot through ten days of
 * changes around Black Friday 2025.
 *
 * <p>The generator simulates the source database, so it knows each table's true final state.
 * Delivery is then made as unkind as real pipelines see it: every delete is followed by a Kafka
 * tombstone, some records are delivered twice, some out of order or very late, and a few malformed
 * records are mixed in. Mirroring the delivered files must give exactly the final state.
 */
public final class RetailCdc {
  /** Key columns of the sample tables, as {@code --key} specs. */
  public static final List<String> KEY_SPECS = List.of("id", "order_lines=order_id,line_no");

  /** The sample retail star schema's model, bundled in the jar from {@code models/retail.yaml}. */
  public static final String MODEL_RESOURCE = "models/retail.yaml";

  /**
   * The revenue of order lines by the customer's segment at the time of the order (not today's
   * segment): the star query the README shows.
   */
  public static final String REVENUE_BY_SEGMENT =
      String.join(
          "\n",
          "SELECT COALESCE(c.segment, '(unknown)') AS segment_at_order_time,",
          "       count(DISTINCT f.order_id) AS orders,",
          "       sum(f.quantity * f.unit_price) AS revenue",
          "FROM fact_order_line f",
          "JOIN dim_customer c ON c.customer_key = f.customer_key",
          "GROUP BY 1",
          "ORDER BY revenue DESC");

  /**
   * The key the demo and tests mask the sample's personal data with when {@code STARFLOW_PII_KEY}
   * is not set: public, so only for sample data.
   */
  public static final String SAMPLE_PII_KEY = "starflow-sample-data-only-not-a-secret";

  /** Masking of the retail model's PII columns with {@link #SAMPLE_PII_KEY}. */
  public static io.starflow.transforms.pii.PiiMasking samplePii() {
    return io.starflow.transforms.pii.PiiMasking.withKey(model().piiColumns(), SAMPLE_PII_KEY);
  }

  /** The bundled retail model (its source locations are relative to nothing and not used). */
  public static WarehouseModel model() {
    try (InputStream in = RetailCdc.class.getClassLoader().getResourceAsStream(MODEL_RESOURCE)) {
      if (in == null) {
        throw new IllegalStateException(MODEL_RESOURCE + " is missing from the jar");
      }
      return WarehouseModel.read(
          new InputStreamReader(in, StandardCharsets.UTF_8), MODEL_RESOURCE + " (bundled)", null);
    } catch (IOException | ModelException e) {
      throw new IllegalStateException("the bundled model " + MODEL_RESOURCE + " cannot be read", e);
    }
  }

  public static final List<String> TABLES =
      List.of("customers", "products", "orders", "order_lines");

  private static final Instant START = Instant.parse("2025-11-20T00:00:00Z");
  private static final List<String> SEGMENTS = List.of("consumer", "small_business", "enterprise");
  private static final List<String> CATEGORIES =
      List.of("electronics", "toys", "kitchen", "garden", "books", "apparel");
  private static final List<String> STATUSES = List.of("paid", "shipped", "delivered");

  private static final DebeziumTable CUSTOMERS =
      DebeziumTable.postgres("shop", "public", "customers")
          .column("id", "int64")
          .column("name", "string")
          .column("email", "string")
          .column("segment", "string")
          .decimalColumn("credit_limit", 12, 2)
          .column("signed_up", "int64", "io.debezium.time.MicroTimestamp")
          .column("birth_date", "int32", "io.debezium.time.Date")
          .column("bio", "string")
          .build();
  private static final DebeziumTable PRODUCTS =
      DebeziumTable.postgres("shop", "public", "products")
          .column("id", "int64")
          .column("sku", "string")
          .column("name", "string")
          .column("category", "string")
          .decimalColumn("unit_cost", 10, 2)
          .decimalColumn("price", 10, 2)
          .variableDecimalColumn("weight_kg")
          .column("updated_at", "string", "io.debezium.time.ZonedTimestamp")
          .build();
  private static final DebeziumTable ORDERS =
      DebeziumTable.postgres("shop", "public", "orders")
          .column("id", "int64")
          .column("customer_id", "int64")
          .column("status", "string")
          .column("ordered_at", "int64", "io.debezium.time.MicroTimestamp")
          .decimalColumn("total", 12, 2)
          .build();
  private static final DebeziumTable ORDER_LINES =
      DebeziumTable.postgres("shop", "public", "order_lines")
          .column("order_id", "int64")
          .column("line_no", "int32")
          .column("product_id", "int64")
          .column("quantity", "int32")
          .decimalColumn("unit_price", 10, 2)
          .build();

  /** How much to generate. */
  public static final class Size {
    final int customers;
    final int products;
    final int changes;
    final boolean unchangedToast;

    public Size(int customers, int products, int changes) {
      this(customers, products, changes, true);
    }

    private Size(int customers, int products, int changes, boolean unchangedToast) {
      this.customers = customers;
      this.products = products;
      this.changes = changes;
      this.unchangedToast = unchangedToast;
    }

    /**
     * The same size, with every customer update sending its bio. An unchanged-TOAST value takes its
     * previous value from the same run or the warehouse; inputs split across runs in reverse order
     * need every value sent.
     */
    public Size withoutUnchangedToast() {
      return new Size(customers, products, changes, false);
    }

    /** The demo's size: about 45,000 events. */
    public static Size demo() {
      return new Size(2_000, 400, 14_000);
    }
  }

  /** The generated data: delivered lines per table and the true final state. */
  public static final class Dataset {
    /** Per table, the lines as delivered (tombstones, redeliveries and bad records included). */
    public final Map<String, List<String>> delivered;

    /** Per table, key text to the row's final values; a deleted row maps to null. */
    public final Map<String, Map<String, Map<String, Object>>> finalState;

    public final long changeEvents;
    public final long tombstones;
    public final long redeliveries;
    public final long malformed;

    Dataset(
        Map<String, List<String>> delivered,
        Map<String, Map<String, Map<String, Object>>> finalState,
        long changeEvents,
        long tombstones,
        long redeliveries,
        long malformed) {
      this.delivered = delivered;
      this.finalState = finalState;
      this.changeEvents = changeEvents;
      this.tombstones = tombstones;
      this.redeliveries = redeliveries;
      this.malformed = malformed;
    }

    public long lines() {
      return delivered.values().stream().mapToLong(List::size).sum();
    }

    /** Writes {@code <table>.jsonl} per table into {@code directory}; returns the glob. */
    public String writeTo(Path directory) throws IOException {
      Files.createDirectories(directory);
      for (Map.Entry<String, List<String>> table : delivered.entrySet()) {
        Path file = directory.resolve(table.getKey() + ".jsonl");
        try (BufferedWriter out = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
          for (String line : table.getValue()) {
            out.write(line);
            out.write('\n');
          }
        }
      }
      return directory.toAbsolutePath().resolve("*.jsonl").toString();
    }
  }

  private final Random random;
  private final Size size;
  private final Map<String, List<Event>> events = new LinkedHashMap<>();
  private final Map<String, Map<String, Map<String, Object>>> state = new LinkedHashMap<>();
  private long lsn = 30_000_000L;
  private long lastCommitLsn = 0;
  private Instant now = START;
  private long nextCustomer = 1;
  private long nextOrder = 1;
  private final List<Long> deletedCustomers = new ArrayList<>();

  private static final class Event {
    final String line;
    final boolean delete;

    Event(String line, boolean delete) {
      this.line = line;
      this.delete = delete;
    }
  }

  private RetailCdc(long seed, Size size) {
    this.random = new Random(seed);
    this.size = size;
    for (String table : TABLES) {
      events.put(table, new ArrayList<>());
      state.put(table, new TreeMap<>());
    }
  }

  /** Generates a dataset; the same seed and size always give the same data. */
  public static Dataset generate(long seed, Size size) {
    return new RetailCdc(seed, size).run();
  }

  private Dataset run() {
    snapshot();
    for (int i = 0; i < size.changes; i++) {
      now = now.plus(Duration.ofMillis(1 + random.nextInt(110_000)));
      transaction();
    }
    return deliver();
  }

  private void snapshot() {
    long snapshotLsn = lsn;
    for (int i = 0; i < size.customers / 2; i++) {
      write(CUSTOMERS, "r", DebeziumTable.pg(0, snapshotLsn), newCustomer(nextCustomer++));
    }
    for (long id = 1; id <= size.products; id++) {
      write(PRODUCTS, "r", DebeziumTable.pg(0, snapshotLsn), newProduct(id));
    }
    lsn += 1_000;
  }

  private void transaction() {
    int pick = random.nextInt(100);
    if (pick < 10 && nextCustomer <= size.customers) {
      write(CUSTOMERS, "c", next(), newCustomer(nextCustomer++));
    } else if (pick < 25) {
      updateCustomer();
    } else if (pick < 27) {
      deleteCustomer();
    } else if (pick < 28 && !deletedCustomers.isEmpty()) {
      long id = deletedCustomers.remove(random.nextInt(deletedCustomers.size()));
      write(CUSTOMERS, "c", next(), newCustomer(id));
    } else if (pick < 38) {
      updateProduct();
    } else if (pick < 83) {
      newOrder();
    } else if (pick < 97) {
      updateOrder();
    } else {
      cancelOrder();
    }
    lastCommitLsn = lsn++;
  }

  private LogPosition next() {
    lsn += 1 + random.nextInt(40);
    return DebeziumTable.pg(lastCommitLsn, lsn);
  }

  private Map<String, Object> newCustomer(long id) {
    Map<String, Object> row = new LinkedHashMap<>();
    row.put("id", id);
    row.put("name", "Customer " + id);
    row.put("email", "customer" + id + "@example.com");
    row.put("segment", SEGMENTS.get(random.nextInt(SEGMENTS.size())));
    row.put("credit_limit", money(500, 50_000));
    row.put(
        "signed_up",
        LocalDateTime.ofInstant(now.minus(Duration.ofDays(random.nextInt(900))), ZoneOffset.UTC)
            .withNano(random.nextInt(1_000_000) * 1_000));
    row.put(
        "birth_date",
        LocalDate.of(1950 + random.nextInt(55), 1 + random.nextInt(12), 1 + random.nextInt(28)));
    row.put("bio", bio(id));
    return row;
  }

  private String bio(long id) {
    return ("Customer " + id + " likes " + CATEGORIES.get(random.nextInt(CATEGORIES.size())) + ". ")
        .repeat(20 + random.nextInt(40));
  }

  private void updateCustomer() {
    Map<String, Map<String, Object>> customers = state.get("customers");
    Map<String, Object> row = pickLive(customers);
    if (row == null) {
      return;
    }
    Map<String, Object> after = new LinkedHashMap<>(row);
    after.put("segment", SEGMENTS.get(random.nextInt(SEGMENTS.size())));
    after.put("credit_limit", money(500, 50_000));
    Map<String, Object> sent = new LinkedHashMap<>(after);
    if (size.unchangedToast && random.nextInt(10) < 7) {
      sent.put("bio", DebeziumTable.UNAVAILABLE); // unchanged TOAST value
    } else {
      after.put("bio", bio((Long) row.get("id")));
      sent.put("bio", after.get("bio"));
    }
    LogPosition position = next();
    events.get("customers").add(new Event(CUSTOMERS.update(position, now, sent), false));
    customers.put(key(after.get("id")), after);
  }

  private void deleteCustomer() {
    Map<String, Map<String, Object>> customers = state.get("customers");
    Map<String, Object> row = pickLive(customers);
    if (row == null) {
      return;
    }
    long id = (Long) row.get("id");
    delete(CUSTOMERS, "customers", key(id), Map.of("id", id));
    deletedCustomers.add(id);
  }

  private Map<String, Object> newProduct(long id) {
    Map<String, Object> row = new LinkedHashMap<>();
    BigDecimal cost = money(2, 400);
    row.put("id", id);
    row.put("sku", String.format("SKU-%05d", id));
    row.put("name", "Product " + id);
    row.put("category", CATEGORIES.get(random.nextInt(CATEGORIES.size())));
    row.put("unit_cost", cost);
    row.put("price", cost.multiply(new BigDecimal("1.45")).setScale(2, RoundingMode.HALF_UP));
    row.put("weight_kg", BigDecimal.valueOf(50 + random.nextInt(20_000), 3));
    row.put("updated_at", now.minusMillis(random.nextInt(1_000_000)));
    return row;
  }

  private void updateProduct() {
    long id = 1 + random.nextInt(size.products);
    Map<String, Object> row = new LinkedHashMap<>(state.get("products").get(key(id)));
    BigDecimal factor = BigDecimal.valueOf(80 + random.nextInt(40), 2);
    row.put(
        "price",
        ((BigDecimal) row.get("price")).multiply(factor).setScale(2, RoundingMode.HALF_UP));
    row.put("updated_at", now);
    write(PRODUCTS, "u", next(), row);
  }

  private void newOrder() {
    Map<String, Object> customer = pickLive(state.get("customers"));
    if (customer == null) {
      return;
    }
    long orderId = nextOrder++;
    int lines = 1 + random.nextInt(4);
    BigDecimal total = BigDecimal.ZERO.setScale(2);
    List<Map<String, Object>> lineRows = new ArrayList<>();
    for (int n = 1; n <= lines; n++) {
      long productId = 1 + random.nextInt(size.products);
      BigDecimal price = (BigDecimal) state.get("products").get(key(productId)).get("price");
      int quantity = 1 + random.nextInt(5);
      Map<String, Object> line = new LinkedHashMap<>();
      line.put("order_id", orderId);
      line.put("line_no", n);
      line.put("product_id", productId);
      line.put("quantity", quantity);
      line.put("unit_price", price);
      lineRows.add(line);
      total = total.add(price.multiply(BigDecimal.valueOf(quantity)));
    }
    Map<String, Object> order = new LinkedHashMap<>();
    order.put("id", orderId);
    order.put("customer_id", customer.get("id"));
    order.put("status", "placed");
    order.put("ordered_at", LocalDateTime.ofInstant(now, ZoneOffset.UTC));
    order.put("total", total);
    write(ORDERS, "c", next(), order);
    for (Map<String, Object> line : lineRows) {
      write(ORDER_LINES, "c", next(), line);
    }
  }

  private void updateOrder() {
    Map<String, Object> order = pickLive(state.get("orders"));
    if (order == null) {
      return;
    }
    Map<String, Object> after = new LinkedHashMap<>(order);
    after.put("status", STATUSES.get(random.nextInt(STATUSES.size())));
    write(ORDERS, "u", next(), after);
  }

  private void cancelOrder() {
    Map<String, Object> order = pickLive(state.get("orders"));
    if (order == null) {
      return;
    }
    long orderId = (Long) order.get("id");
    for (String lineKey : new ArrayList<>(state.get("order_lines").keySet())) {
      Map<String, Object> line = state.get("order_lines").get(lineKey);
      if (line != null && line.get("order_id").equals(orderId)) {
        Map<String, Object> keyOnly = new LinkedHashMap<>();
        keyOnly.put("order_id", orderId);
        keyOnly.put("line_no", line.get("line_no"));
        delete(ORDER_LINES, "order_lines", lineKey, keyOnly);
      }
    }
    delete(ORDERS, "orders", key(orderId), Map.of("id", orderId));
  }

  private void write(
      DebeziumTable table, String op, LogPosition position, Map<String, Object> row) {
    String name = tableName(table);
    String line =
        op.equals("r")
            ? table.read(position, now, row)
            : op.equals("c") ? table.insert(position, now, row) : table.update(position, now, row);
    events.get(name).add(new Event(line, false));
    state.get(name).put(keyOf(name, row), row);
  }

  private void delete(DebeziumTable table, String name, String key, Map<String, Object> before) {
    events.get(name).add(new Event(table.delete(next(), now, before), true));
    state.get(name).put(key, null);
  }

  private static String tableName(DebeziumTable table) {
    if (table == CUSTOMERS) {
      return "customers";
    }
    if (table == PRODUCTS) {
      return "products";
    }
    return table == ORDERS ? "orders" : "order_lines";
  }

  /** The key text the warehouse gives a row: the JSON array of its key values. */
  static String keyOf(String table, Map<String, Object> row) {
    if (table.equals("order_lines")) {
      return "[" + row.get("order_id") + "," + row.get("line_no") + "]";
    }
    return key(row.get("id"));
  }

  private static String key(Object id) {
    return "[" + id + "]";
  }

  private Map<String, Object> pickLive(Map<String, Map<String, Object>> table) {
    if (table.isEmpty()) {
      return null;
    }
    List<String> keys = new ArrayList<>(table.keySet());
    for (int attempt = 0; attempt < 8; attempt++) {
      Map<String, Object> row = table.get(keys.get(random.nextInt(keys.size())));
      if (row != null) {
        return row;
      }
    }
    return null;
  }

  private BigDecimal money(int min, int max) {
    return BigDecimal.valueOf(min * 100L + random.nextInt((max - min) * 100), 2);
  }

  private Dataset deliver() {
    Map<String, List<String>> delivered = new LinkedHashMap<>();
    long changeEvents = 0;
    long tombstones = 0;
    long redeliveries = 0;
    long malformed = 0;
    for (String table : TABLES) {
      List<String> lines = new ArrayList<>();
      for (Event event : events.get(table)) {
        changeEvents++;
        lines.add(event.line);
        if (event.delete) {
          lines.add(DebeziumTable.tombstone());
          tombstones++;
        }
      }
      // Out of order: nearby swaps, and a few records arriving very late.
      for (int i = 0; i < lines.size(); i++) {
        if (random.nextInt(10) == 0) {
          Collections.swap(lines, i, Math.min(lines.size() - 1, i + 1 + random.nextInt(20)));
        }
      }
      List<String> late = new ArrayList<>();
      for (int i = lines.size() - 1; i >= 0; i--) {
        if (random.nextInt(100) == 0) {
          late.add(lines.remove(i));
        }
      }
      lines.addAll(late);
      // Redeliveries: some records again, a little later (at-least-once delivery).
      int copies = lines.size() / 20;
      for (int i = 0; i < copies; i++) {
        int from = random.nextInt(lines.size());
        String line = lines.get(from);
        if (line.equals(DebeziumTable.tombstone())) {
          tombstones++;
        } else {
          redeliveries++;
        }
        lines.add(Math.min(lines.size(), from + 1 + random.nextInt(300)), line);
      }
      List<String> bad = malformed(table, firstUpsert(table));
      for (String line : bad) {
        lines.add(random.nextInt(lines.size()), line);
      }
      malformed += bad.size();
      delivered.put(table, lines);
    }
    Map<String, Map<String, Map<String, Object>>> finalState = new LinkedHashMap<>();
    state.forEach((table, rows) -> finalState.put(table, Collections.unmodifiableMap(rows)));
    return new Dataset(delivered, finalState, changeEvents, tombstones, redeliveries, malformed);
  }

  private String firstUpsert(String table) {
    for (Event event : events.get(table)) {
      if (!event.delete) {
        return event.line;
      }
    }
    throw new IllegalStateException("no upsert generated for " + table);
  }

  /** A few records a connector or a broken producer could leave in a topic. */
  private static List<String> malformed(String table, String good) {
    List<String> bad = new ArrayList<>();
    bad.add(good.substring(0, good.length() / 2)); // cut short
    bad.add(good.replace("\"op\":\"", "\"opx\":\"")); // no op
    bad.add(good.replaceFirst("\"op\":\"[a-z]\"", "\"op\":\"x\"")); // unknown op
    if (table.equals("customers")) {
      bad.add(good.replaceFirst("\"credit_limit\":\"[^\"]*\"", "\"credit_limit\":\"12,50 EUR\""));
      bad.add(good.replaceFirst("\"after\":\\{\"id\":[0-9]+,", "\"after\":{"));
    }
    return bad;
  }
}
