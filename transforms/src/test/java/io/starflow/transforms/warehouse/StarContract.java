package io.starflow.transforms.warehouse;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.Assert.assertEquals;

import io.starflow.schemas.ChangeRecord;
import io.starflow.schemas.Column;
import io.starflow.schemas.ColumnType;
import io.starflow.schemas.SourcePosition;
import io.starflow.schemas.model.WarehouseModel;
import java.io.StringReader;
import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.function.Supplier;
import org.junit.Test;

/**
 * Dimensions and facts built from history, against an in-memory oracle, over randomized histories
 * written shuffled, duplicated and in batches with refreshes in between; run on DuckDB and
 * PostgreSQL.
 */
public abstract class StarContract {
  static final String MODEL =
      String.join(
          "\n",
          "sources:",
          "  customers:",
          "    kind: cdc",
          "    key: [id]",
          "    columns: {id: bigint, segment: string, name: string}",
          "  orders:",
          "    kind: cdc",
          "    key: [id]",
          "    columns: {id: bigint, customer_id: bigint, ordered_at: timestamptz,"
              + " amount: 'decimal(12,2)'}",
          "dimensions:",
          "  dim_customer:",
          "    source: customers",
          "    attributes: [segment, name]",
          "    versioned_by: [segment]",
          "  dim_customer_now:",
          "    source: customers",
          "    scd: 1",
          "    attributes: [segment, name]",
          "  dim_date:",
          "    kind: date",
          "    from: 2023-11-14",
          "    to: 2023-11-20",
          "facts:",
          "  fact_order:",
          "    source: orders",
          "    event_time: ordered_at",
          "    measures: [amount]",
          "    dimensions:",
          "      - dimension: dim_customer",
          "        key: [customer_id]",
          "      - dimension: dim_customer_now",
          "        key: [customer_id]",
          "      - dimension: dim_date",
          "");

  /** Commit times are 1,700,000,000 s + position: 2023-11-14T22:13:20Z onwards. */
  static final long EPOCH = 1_700_000_000L;

  protected abstract Warehouse newWarehouse() throws Exception;

  static WarehouseModel model() throws Exception {
    return WarehouseModel.read(new StringReader(MODEL), "star.yaml", null);
  }

  // ---- input -------------------------------------------------------------------------------

  static ChangeRecord customer(long id, long position, String segment, String name) {
    return record(
        "customers",
        ChangeRecord.Op.UPSERT,
        id,
        position,
        Column.of("segment", ColumnType.STRING, segment),
        Column.of("name", ColumnType.STRING, name));
  }

  static ChangeRecord order(long id, long position, Long customer, Instant at, String amount) {
    return record(
        "orders",
        ChangeRecord.Op.UPSERT,
        id,
        position,
        Column.of("customer_id", ColumnType.BIGINT, customer),
        Column.of("ordered_at", ColumnType.TIMESTAMPTZ, at),
        Column.of("amount", ColumnType.decimal(12, 2), new BigDecimal(amount)));
  }

  static ChangeRecord deleted(String table, long id, long position) {
    return record(table, ChangeRecord.Op.DELETE, id, position);
  }

  private static ChangeRecord record(
      String table, ChangeRecord.Op op, long id, long position, Column... columns) {
    List<Column> all = new ArrayList<>();
    all.add(Column.of("id", ColumnType.BIGINT, id));
    all.addAll(List.of(columns));
    return ChangeRecord.builder()
        .setTable(table)
        .setKeyColumns(List.of("id"))
        .setOp(op)
        .setSourceOp(op == ChangeRecord.Op.DELETE ? "d" : "u")
        .setPosition(SourcePosition.of(0, position))
        .setEventTime(Instant.ofEpochSecond(EPOCH + position))
        .putSource("connector", "postgresql")
        .setColumns(all)
        .build();
  }

  /** A random history of customers and orders, each change at a distinct position. */
  static List<ChangeRecord> randomHistory(Random random, int customers, int orders) {
    List<Long> positions = new ArrayList<>();
    for (long p = 1; p <= customers * 8L + orders * 4L; p++) {
      positions.add(p * 60);
    }
    Collections.shuffle(positions, random);
    Supplier<Long> position =
        new java.util.Iterator<Long>() {
              int next = 0;

              @Override
              public boolean hasNext() {
                return true;
              }

              @Override
              public Long next() {
                return positions.get(next++);
              }
            }
            ::next;
    String[] segments = {"retail", "business", "vip"};
    List<ChangeRecord> changes = new ArrayList<>();
    for (long id = 1; id <= customers; id++) {
      int count = 1 + random.nextInt(6);
      for (int i = 0; i < count; i++) {
        long at = position.get();
        if (random.nextInt(7) == 0) {
          changes.add(deleted("customers", id, at));
        } else {
          changes.add(
              customer(
                  id,
                  at,
                  segments[random.nextInt(segments.length)],
                  random.nextInt(3) == 0 ? null : "name" + random.nextInt(4)));
        }
      }
    }
    long span = (customers * 8L + orders * 4L) * 60;
    for (long id = 1; id <= orders; id++) {
      int count = 1 + random.nextInt(3);
      for (int i = 0; i < count; i++) {
        long at = position.get();
        if (i > 0 && random.nextInt(6) == 0) {
          changes.add(deleted("orders", id, at));
          continue;
        }
        // customers that may not exist (inferred), or no customer at all
        Long customer = random.nextInt(10) == 0 ? null : 1L + random.nextInt(customers + 2);
        Instant orderedAt =
            random.nextInt(15) == 0
                ? null
                : Instant.ofEpochSecond(
                    EPOCH - 3600 + (long) (random.nextDouble() * (span + 7200)));
        changes.add(
            order(
                id,
                at,
                customer,
                orderedAt,
                (1 + random.nextInt(500)) + "." + random.nextInt(10) + "0"));
      }
    }
    return changes;
  }

  // ---- running -----------------------------------------------------------------------------

  /**
   * Writes {@code changes} to history in batches of {@code batch}, refreshing every few batches.
   */
  void build(Warehouse warehouse, List<ChangeRecord> changes, int batch, int refreshEvery)
      throws Exception {
    StarRefresh refresh = new StarRefresh(warehouse, model());
    try (MirrorWriter writer = MirrorWriter.open(warehouse);
        Connection connection = warehouse.connect()) {
      refresh.createTables(connection);
      for (int i = 0, n = 0; i < changes.size(); i += batch, n++) {
        List<ChangeRecord> slice = changes.subList(i, Math.min(changes.size(), i + batch));
        writer.writeHistory(slice);
        if (refreshEvery > 0 && n % refreshEvery == 0) {
          refresh.refresh();
        }
      }
      refresh.refresh();
    }
  }

  static List<String> dump(Warehouse warehouse, String table, String order) throws SQLException {
    List<String> rows = new ArrayList<>();
    try (Connection c = warehouse.connect();
        Statement s = c.createStatement();
        ResultSet rs = s.executeQuery("SELECT * FROM " + table + " ORDER BY " + order)) {
      ResultSetMetaData meta = rs.getMetaData();
      while (rs.next()) {
        StringBuilder row = new StringBuilder();
        for (int i = 1; i <= meta.getColumnCount(); i++) {
          Object value = rs.getObject(i);
          if (value instanceof java.time.OffsetDateTime) {
            value = ((java.time.OffsetDateTime) value).toInstant();
          } else if (value instanceof java.sql.Timestamp) {
            value = ((java.sql.Timestamp) value).toInstant();
          } else if (value instanceof BigDecimal) {
            value = ((BigDecimal) value).toPlainString();
          } else if (value instanceof java.sql.Date) {
            value = ((java.sql.Date) value).toLocalDate();
          } else if (value instanceof Number && !(value instanceof Double)) {
            value = ((Number) value).longValue();
          }
          row.append(i > 1 ? "|" : "").append(value);
        }
        rows.add(row.toString());
      }
    }
    return rows;
  }

  static Map<String, List<String>> dumpStar(Warehouse warehouse) throws SQLException {
    Map<String, List<String>> tables = new LinkedHashMap<>();
    tables.put("dim_customer", dump(warehouse, "dim_customer", "customer_key"));
    tables.put("dim_customer_now", dump(warehouse, "dim_customer_now", "customer_now_key"));
    tables.put("dim_date", dump(warehouse, "dim_date", "date_key"));
    tables.put("fact_order", dump(warehouse, "fact_order", "id"));
    return tables;
  }

  // ---- the oracle --------------------------------------------------------------------------

  static final Instant BEGINNING = Instant.parse("1900-01-01T00:00:00Z");

  /** A dimension version as the oracle computes it. */
  static final class Version {
    long key;
    long id;
    String segment;
    String name;
    Instant from;
    Instant to;
    boolean current;
    boolean inferred;
    String position;

    @Override
    public String toString() {
      return key + "|" + id + "|" + segment + "|" + name + "|" + from + "|" + to + "|" + current
          + "|" + inferred + "|" + position;
    }
  }

  /** Every distinct change per table and key, by position. */
  static Map<Long, List<ChangeRecord>> byKey(List<ChangeRecord> changes, String table) {
    Map<Long, TreeMap<SourcePosition, ChangeRecord>> keys = new TreeMap<>();
    for (ChangeRecord change : changes) {
      if (change.table().equals(table)) {
        keys.computeIfAbsent((Long) change.column("id").value(), k -> new TreeMap<>())
            .put(change.position(), change);
      }
    }
    Map<Long, List<ChangeRecord>> result = new TreeMap<>();
    keys.forEach((k, v) -> result.put(k, new ArrayList<>(v.values())));
    return result;
  }

  static String text(ChangeRecord change, String column) {
    Column c = change.column(column);
    return c == null ? null : (String) c.value();
  }

  static List<Version> oracleVersions(List<ChangeRecord> changes, List<Long> referenced) {
    List<Version> versions = new ArrayList<>();
    Map<Long, List<ChangeRecord>> customers = byKey(changes, "customers");
    for (Map.Entry<Long, List<ChangeRecord>> entry : customers.entrySet()) {
      List<ChangeRecord> rows = entry.getValue();
      // groups: [opening change, last change, deleted?]
      List<ChangeRecord[]> groups = new ArrayList<>();
      for (int i = 0; i < rows.size(); i++) {
        ChangeRecord row = rows.get(i);
        boolean deleted = row.op() == ChangeRecord.Op.DELETE;
        boolean opens =
            i == 0
                || deleted
                || rows.get(i - 1).op() == ChangeRecord.Op.DELETE
                || !java.util.Objects.equals(
                    text(row, "segment"), text(rows.get(i - 1), "segment"));
        if (opens) {
          groups.add(new ChangeRecord[] {row, row});
        } else {
          groups.get(groups.size() - 1)[1] = row;
        }
      }
      boolean first = true;
      for (int g = 0; g < groups.size(); g++) {
        ChangeRecord open = groups.get(g)[0];
        ChangeRecord last = groups.get(g)[1];
        if (open.op() == ChangeRecord.Op.DELETE) {
          continue;
        }
        Version v = new Version();
        v.id = entry.getKey();
        v.position = open.position().encoded();
        v.key = StarKeys.of(List.of(Long.toString(v.id)), v.position);
        v.segment = text(last, "segment");
        v.name = text(last, "name");
        v.from = first ? BEGINNING : open.eventTime();
        first = false;
        v.to = g + 1 < groups.size() ? groups.get(g + 1)[0].eventTime() : null;
        v.current = g + 1 == groups.size();
        versions.add(v);
      }
    }
    for (long id : referenced) {
      if (versions.stream().noneMatch(v -> v.id == id)) {
        Version v = new Version();
        v.id = id;
        v.key = StarKeys.of(List.of(Long.toString(id)), "");
        v.from = BEGINNING;
        v.current = true;
        v.inferred = true;
        versions.add(v);
      }
    }
    versions.sort(Comparator.comparingLong(v -> v.key));
    return versions;
  }

  /** The live orders: id to its last change. */
  static Map<Long, ChangeRecord> liveOrders(List<ChangeRecord> changes) {
    Map<Long, ChangeRecord> live = new TreeMap<>();
    byKey(changes, "orders")
        .forEach(
            (id, rows) -> {
              ChangeRecord last = rows.get(rows.size() - 1);
              if (last.op() != ChangeRecord.Op.DELETE) {
                live.put(id, last);
              }
            });
    return live;
  }

  static List<Long> referencedCustomers(List<ChangeRecord> changes) {
    List<Long> ids = new ArrayList<>();
    for (ChangeRecord order : liveOrders(changes).values()) {
      Long customer = (Long) order.column("customer_id").value();
      if (customer != null && !ids.contains(customer)) {
        ids.add(customer);
      }
    }
    return ids;
  }

  static List<String> oracleDimCustomer(List<ChangeRecord> changes) {
    List<String> rows = new ArrayList<>();
    rows.add("0|null|null|null|" + BEGINNING + "|null|true|false|null");
    List<Version> versions = oracleVersions(changes, referencedCustomers(changes));
    for (Version v : versions) {
      rows.add(v.toString());
    }
    rows.sort(Comparator.comparingLong(r -> Long.parseLong(r.substring(0, r.indexOf('|')))));
    return rows;
  }

  static List<String> oracleDimCustomerNow(List<ChangeRecord> changes) {
    List<String> rows = new ArrayList<>();
    rows.add("0|null|null|null|false|false|null");
    Map<Long, List<ChangeRecord>> customers = byKey(changes, "customers");
    List<Long> present = new ArrayList<>();
    customers.forEach(
        (id, history) -> {
          ChangeRecord newest = history.get(history.size() - 1);
          ChangeRecord live = null;
          for (ChangeRecord row : history) {
            if (row.op() != ChangeRecord.Op.DELETE) {
              live = row;
            }
          }
          if (live == null) {
            return;
          }
          present.add(id);
          rows.add(
              StarKeys.of(List.of(Long.toString(id)), "")
                  + "|"
                  + id
                  + "|"
                  + text(live, "segment")
                  + "|"
                  + text(live, "name")
                  + "|"
                  + (newest.op() == ChangeRecord.Op.DELETE)
                  + "|false|"
                  + live.position().encoded());
        });
    for (long id : referencedCustomers(changes)) {
      if (!present.contains(id)) {
        rows.add(
            StarKeys.of(List.of(Long.toString(id)), "") + "|" + id + "|null|null|false|true|null");
      }
    }
    rows.sort(Comparator.comparingLong(r -> Long.parseLong(r.substring(0, r.indexOf('|')))));
    return rows;
  }

  static int dateKey(Instant at, LocalDate from, LocalDate to) {
    if (at == null) {
      return 0;
    }
    LocalDate day = at.atZone(ZoneOffset.UTC).toLocalDate();
    if (day.isBefore(from) || day.isAfter(to)) {
      return 0;
    }
    return day.getYear() * 10000 + day.getMonthValue() * 100 + day.getDayOfMonth();
  }

  static List<String> oracleFacts(List<ChangeRecord> changes) {
    List<Version> versions = oracleVersions(changes, referencedCustomers(changes));
    List<String> rows = new ArrayList<>();
    for (Map.Entry<Long, ChangeRecord> entry : liveOrders(changes).entrySet()) {
      ChangeRecord order = entry.getValue();
      Long customer = (Long) order.column("customer_id").value();
      Instant at = (Instant) order.column("ordered_at").value();
      long key = 0;
      long nowKey = 0;
      if (customer != null) {
        nowKey = StarKeys.of(List.of(Long.toString(customer)), "");
        Version best = null;
        for (Version v : versions) {
          if (v.id == customer
              && (at == null || !v.from.isAfter(at))
              && (best == null || v.from.isAfter(best.from))) {
            best = v;
          }
        }
        key = best.key;
      }
      rows.add(
          entry.getKey()
              + "|"
              + key
              + "|"
              + nowKey
              + "|"
              + dateKey(at, LocalDate.of(2023, 11, 14), LocalDate.of(2023, 11, 20))
              + "|"
              + at
              + "|"
              + ((BigDecimal) order.column("amount").value()).toPlainString());
    }
    return rows;
  }

  // ---- tests -------------------------------------------------------------------------------

  @Test
  public void starEqualsTheOracleWhateverTheOrderBatchesAndRedeliveries() throws Exception {
    for (int round = 0; round < 10; round++) {
      Random random = new Random(1000 + round);
      List<ChangeRecord> changes = randomHistory(random, 12, 25);
      List<ChangeRecord> delivered = new ArrayList<>(changes);
      for (int i = 0; i < changes.size() / 3; i++) {
        delivered.add(changes.get(random.nextInt(changes.size())));
      }
      Collections.shuffle(delivered, random);
      Warehouse warehouse = newWarehouse();
      build(warehouse, delivered, 1 + random.nextInt(15), 1 + random.nextInt(3));
      Map<String, List<String>> star = dumpStar(warehouse);
      String seed = "round " + round;
      assertEquals(seed, oracleDimCustomer(changes), star.get("dim_customer"));
      assertEquals(seed, oracleDimCustomerNow(changes), star.get("dim_customer_now"));
      assertEquals(seed, oracleFacts(changes), star.get("fact_order"));
      assertInvariants(warehouse);
    }
  }

  @Test
  public void sameInputInOneRunOrInTwoHalvesGivesIdenticalTables() throws Exception {
    Random random = new Random(7);
    List<ChangeRecord> changes = randomHistory(random, 10, 20);
    Warehouse once = newWarehouse();
    build(once, changes, changes.size(), 0);
    Map<String, List<String>> first = dumpStar(once);
    build(once, changes, changes.size(), 0);
    assertThat("a rerun changes nothing", dumpStar(once), equalTo(first));

    Warehouse halves = newWarehouse();
    List<ChangeRecord> reversed = new ArrayList<>(changes);
    Collections.reverse(reversed);
    int half = reversed.size() / 2;
    build(halves, reversed.subList(0, half), 5, 1);
    build(halves, reversed.subList(half, reversed.size()), 7, 1);
    assertThat(dumpStar(halves), equalTo(first));
  }

  @Test
  public void aBackDatedChangeSplitsTheVersionAndRestatesTheFactsAfterIt() throws Exception {
    Warehouse warehouse = newWarehouse();
    Instant early = Instant.ofEpochSecond(EPOCH + 150);
    Instant late = Instant.ofEpochSecond(EPOCH + 450);
    build(
        warehouse,
        List.of(
            customer(1, 100, "retail", "Ann"),
            order(1, 110, 1L, early, "10.00"),
            order(2, 120, 1L, late, "20.00"),
            order(3, 130, 9L, late, "5.00")),
        10,
        0);
    long retail = StarKeys.of(List.of("1"), SourcePosition.of(0, 100).encoded());
    long inferred = StarKeys.of(List.of("9"), "");
    assertThat(
        dump(warehouse, "fact_order", "id"),
        equalTo(
            List.of(
                "1|"
                    + retail
                    + "|"
                    + StarKeys.of(List.of("1"), "")
                    + "|20231114|"
                    + early
                    + "|10.00",
                "2|"
                    + retail
                    + "|"
                    + StarKeys.of(List.of("1"), "")
                    + "|20231114|"
                    + late
                    + "|20.00",
                "3|" + inferred + "|" + inferred + "|20231114|" + late + "|5.00")));
    // the customer became vip at 300, delivered late; customer 9 arrives
    build(
        warehouse,
        List.of(customer(1, 300, "vip", "Ann"), customer(9, 500, "retail", "Bo")),
        10,
        0);
    long vip = StarKeys.of(List.of("1"), SourcePosition.of(0, 300).encoded());
    long nine = StarKeys.of(List.of("9"), SourcePosition.of(0, 500).encoded());
    List<String> facts = dump(warehouse, "fact_order", "id");
    assertThat(facts.get(0).split("\\|")[1], equalTo(Long.toString(retail)));
    assertThat(facts.get(1).split("\\|")[1], equalTo(Long.toString(vip)));
    assertThat(facts.get(2).split("\\|")[1], equalTo(Long.toString(nine)));
    assertThat(
        dump(warehouse, "dim_customer", "valid_from").stream()
            .filter(r -> r.contains("|true|") && r.split("\\|")[7].equals("true"))
            .count(),
        equalTo(0L));
  }

  @Test
  public void dateDimensionCoversTheRangeAndAnUnknownDay() throws Exception {
    Warehouse warehouse = newWarehouse();
    build(warehouse, List.of(customer(1, 100, "retail", "Ann")), 1, 0);
    List<String> dates = dump(warehouse, "dim_date", "date_key");
    assertThat(dates.size(), equalTo(8));
    assertThat(dates.get(0), equalTo("0|null|null|null|null|null|null|null|null|null|null"));
    assertThat(
        dates.get(1), equalTo("20231114|2023-11-14|2023|4|11|November|14|2|Tuesday|46|false"));
    assertThat(
        dates.get(7), equalTo("20231120|2023-11-20|2023|4|11|November|20|1|Monday|47|false"));
    assertThat(
        dates.get(5), equalTo("20231118|2023-11-18|2023|4|11|November|18|6|Saturday|46|true"));
  }

  /**
   * One current row per live key, no overlapping versions, facts keyed to the version valid then.
   */
  void assertInvariants(Warehouse warehouse) throws SQLException {
    try (Connection c = warehouse.connect();
        Statement s = c.createStatement()) {
      assertZero(
          s,
          "SELECT count(*) FROM (SELECT id FROM dim_customer WHERE is_current AND id IS NOT NULL"
              + " GROUP BY id HAVING count(*) <> 1) x",
          "keys without exactly one current row");
      assertZero(
          s,
          "SELECT count(*) FROM customers_history h WHERE h.is_current AND NOT EXISTS (SELECT 1"
              + " FROM dim_customer d WHERE d.id = h.id AND d.is_current)",
          "live keys without a current dimension row");
      assertZero(
          s,
          "SELECT count(*) FROM dim_customer a JOIN dim_customer b ON a.id = b.id AND"
              + " a.customer_key <> b.customer_key AND a.valid_from < COALESCE(b.valid_to,"
              + " CAST('9999-12-31 00:00:00+00' AS TIMESTAMPTZ)) AND b.valid_from <"
              + " COALESCE(a.valid_to, CAST('9999-12-31 00:00:00+00' AS TIMESTAMPTZ))",
          "overlapping versions");
      assertZero(
          s,
          "SELECT count(*) FROM fact_order f JOIN dim_customer d ON d.customer_key ="
              + " f.customer_key WHERE f.ordered_at IS NOT NULL AND EXISTS (SELECT 1 FROM"
              + " dim_customer n WHERE n.id = d.id AND n.valid_from > d.valid_from AND"
              + " n.valid_from <= f.ordered_at)",
          "facts keyed to a version that a later one replaced before their event time");
      assertZero(
          s,
          "SELECT count(*) FROM fact_order f JOIN dim_customer d ON d.customer_key ="
              + " f.customer_key WHERE f.ordered_at >= d.valid_to AND NOT EXISTS (SELECT 1 FROM"
              + " customers_history h WHERE h.id = d.id AND h._deleted AND h.valid_from ="
              + " d.valid_to)",
          "facts keyed to a version that had ended, other than by a deletion, at their event"
              + " time");
      assertZero(
          s,
          "SELECT count(*) FROM fact_order f JOIN dim_customer d ON d.customer_key ="
              + " f.customer_key WHERE f.ordered_at < d.valid_from",
          "facts keyed to a version not valid yet at their event time");
      assertZero(
          s,
          "SELECT count(*) FROM fact_order f WHERE NOT EXISTS (SELECT 1 FROM dim_customer d"
              + " WHERE d.customer_key = f.customer_key)",
          "facts whose key is not in the dimension");
    }
  }

  private static void assertZero(Statement s, String sql, String what) throws SQLException {
    try (ResultSet rs = s.executeQuery(sql)) {
      rs.next();
      assertEquals(what, 0, rs.getLong(1));
    }
  }
}
