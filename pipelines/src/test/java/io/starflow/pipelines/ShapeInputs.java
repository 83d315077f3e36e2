package io.starflow.pipelines;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.equalTo;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.starflow.pipelines.sample.RetailInventory;
import io.starflow.schemas.KeyColumns;
import io.starflow.transforms.ecst.EcstFormat;
import io.starflow.transforms.enrich.EnrichNotifications;
import io.starflow.transforms.events.EventTables;
import io.starflow.transforms.events.Inventory;
import io.starflow.transforms.testing.Tables;
import io.starflow.transforms.warehouse.Warehouse;
import java.io.IOException;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * Input for the streaming tests of the event shapes other than CDC: domain events, ECST events and
 * thin notifications, each in two halves (the first can be handled whole before the second comes),
 * shuffled, with redeliveries and malformed lines; and how two warehouses that took them compare.
 */
final class ShapeInputs {
  private ShapeInputs() {}

  /** The ECST events' table. */
  static final String PRODUCTS = "products";

  /** The enriched notifications' table. */
  static final String ORDER_DETAILS = "order_details";

  /** Inventory events; the first half holds every aggregate's first 15 versions. */
  static List<List<String>> inventoryEvents() {
    List<String> first = new ArrayList<>();
    List<String> second = new ArrayList<>();
    ObjectMapper json = new ObjectMapper();
    for (String line :
        RetailInventory.generate(7, new RetailInventory.Size(24, 30, 0.05, 0, 0, 2)).lines) {
      long version;
      try {
        version = json.readTree(line).path("version").asLong(0);
      } catch (IOException e) {
        version = 0; // malformed: either half will do
      }
      (version <= 15 ? first : second).add(line);
    }
    return List.of(first, second);
  }

  /** ECST events of 100 products, some deleted, some delivered twice. */
  static List<List<String>> ecstEvents() {
    Random random = new Random(11);
    List<String> first = new ArrayList<>();
    List<String> second = new ArrayList<>();
    Instant time = Instant.parse("2025-11-28T14:00:00Z");
    Map<Integer, Integer> versions = new HashMap<>();
    for (int i = 0; i < 600; i++) {
      int sku = random.nextInt(100);
      int version = versions.merge(sku, 1, Integer::sum);
      time = time.plusMillis(random.nextInt(800));
      String event =
          String.format(
              "{\"event_id\":\"e-%d\",\"event_time\":\"%s\",\"deleted\":%b,"
                  + "\"data\":{\"sku\":\"SKU-%03d\",\"version\":%d,\"price\":%d.%02d}}",
              i, time, random.nextInt(30) == 0, sku, version, random.nextInt(500), i % 100);
      List<String> half = i < 300 ? first : second;
      half.add(event);
      if (random.nextInt(40) == 0) {
        half.add(event); // delivered twice
      }
      if (random.nextInt(300) == 0) {
        half.add("{\"event_id\":");
      }
    }
    Collections.shuffle(first, random);
    Collections.shuffle(second, random);
    return List.of(first, second);
  }

  /** The format of {@link #ecstEvents}, as {@code ecst --table products --key sku ...} reads. */
  static EcstFormat ecstFormat() {
    return EcstFormat.builder()
        .setTable(PRODUCTS)
        .setKeyFields(List.of("sku"))
        .setVersionField("version")
        .build();
  }

  /** The command-line arguments that read {@link #ecstEvents}. */
  static List<String> ecstArgs() {
    return List.of("ecst", "--table", PRODUCTS, "--key", "sku", "--version-field", "version");
  }

  /** Notifications of 250 orders, many of one order, a few malformed. */
  static List<List<String>> notifications() {
    Random random = new Random(13);
    List<String> first = new ArrayList<>();
    List<String> second = new ArrayList<>();
    Instant time = Instant.parse("2025-11-28T14:00:00Z");
    for (int i = 0; i < 500; i++) {
      time = time.plusMillis(random.nextInt(800));
      String line =
          random.nextInt(200) == 0
              ? "{\"event\":"
              : String.format(
                  "{\"event\":\"OrderChanged\",\"id\":\"%d\",\"time\":\"%s\"}",
                  random.nextInt(250), time);
      (i < 250 ? first : second).add(line);
    }
    return List.of(first, second);
  }

  /** Orders the lookup service of {@link #notifications} does not know. */
  static final java.util.Set<String> UNKNOWN_ORDERS = java.util.Set.of("7", "77");

  /** The enrichment of {@link #notifications} from the service at {@code url}. */
  static EnrichNotifications.Settings enrichment(String url) {
    return EnrichNotifications.Settings.builder(url, ORDER_DETAILS).build();
  }

  static MirrorSettings settings(Warehouse warehouse, String key) {
    return MirrorSettings.builder()
        .setWarehouse(warehouse)
        .setKeys(KeyColumns.parse(List.of(key)))
        .build();
  }

  /** Every table of an inventory fold is the same, and so are the dead letters. */
  static void assertSameFold(Warehouse actual, Warehouse expected) throws SQLException {
    EventTables tables = new EventTables(new Inventory());
    for (String table : tables.all()) {
      assertSameRows(table, Tables.dump(actual, table), Tables.dump(expected, table));
    }
    assertSameDeadLetterCount(actual, expected);
  }

  /** {@code actual} and {@code expected} hold the same rows; else the first that differ. */
  static void assertSameRows(String what, List<String> actual, List<String> expected) {
    List<String> missing = new ArrayList<>(expected);
    missing.removeAll(actual);
    List<String> extra = new ArrayList<>(actual);
    extra.removeAll(expected);
    assertThat(
        what
            + ": "
            + actual.size()
            + " rows, "
            + expected.size()
            + " expected; missing "
            + missing.subList(0, Math.min(3, missing.size()))
            + ", not expected "
            + extra.subList(0, Math.min(3, extra.size())),
        actual,
        equalTo(expected));
  }

  /** Mirror, history and bronze rows of {@link #ecstEvents} are the same (but ingest times). */
  static void assertSameLanding(Warehouse actual, Warehouse expected) throws SQLException {
    for (String table : List.of(PRODUCTS, PRODUCTS + "_history")) {
      assertSameRows(table, Tables.dump(actual, table), Tables.dump(expected, table));
    }
    // one bronze row per record read, with its origin; the ingest time is each run's own
    String bronze = "SELECT * EXCLUDE (ingest_time) FROM bronze_" + PRODUCTS + " ORDER BY ALL";
    assertSameRows("bronze", Tables.rows(actual, bronze), Tables.rows(expected, bronze));
    assertSameDeadLetterCount(actual, expected);
  }

  /**
   * The enriched rows and their versions are the same. A row's event time is that of the newest
   * notification in its batch, and batches close by time, so it is left out.
   */
  static void assertSameEnrichment(Warehouse actual, Warehouse expected) throws SQLException {
    String rows = "SELECT * EXCLUDE (_event_time) FROM " + ORDER_DETAILS + " ORDER BY ALL";
    assertSameRows(ORDER_DETAILS, Tables.rows(actual, rows), Tables.rows(expected, rows));
    String versions = "SELECT id, _position FROM " + ORDER_DETAILS + "_history ORDER BY ALL";
    assertSameRows("versions", Tables.rows(actual, versions), Tables.rows(expected, versions));
    assertSameDeadLetterCount(actual, expected);
  }

  private static void assertSameDeadLetterCount(Warehouse actual, Warehouse expected)
      throws SQLException {
    String count = "SELECT count(*) FROM dead_letter";
    assertThat("dead letters", Tables.count(actual, count), equalTo(Tables.count(expected, count)));
  }
}
