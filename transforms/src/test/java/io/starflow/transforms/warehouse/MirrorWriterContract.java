package io.starflow.transforms.warehouse;

import static io.starflow.transforms.testing.Records.UNAVAILABLE;
import static io.starflow.transforms.testing.Records.delete;
import static io.starflow.transforms.testing.Records.upsert;
import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasSize;

import io.starflow.schemas.ChangeRecord;
import io.starflow.schemas.Column;
import io.starflow.schemas.ColumnType;
import io.starflow.schemas.Truncation;
import io.starflow.transforms.testing.Tables;
import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import org.junit.After;
import org.junit.Before;
import org.junit.Test;

/** What every warehouse dialect must do with mirror writes; run against DuckDB and PostgreSQL. */
public abstract class MirrorWriterContract {
  protected Warehouse warehouse;
  private MirrorWriter writer;

  protected abstract Warehouse newWarehouse() throws Exception;

  @Before
  public void openWriter() throws Exception {
    warehouse = newWarehouse();
    writer = MirrorWriter.open(warehouse);
  }

  @After
  public void closeWriter() throws Exception {
    writer.close();
  }

  private MirrorWriter.Result write(ChangeRecord... records) throws Exception {
    return writer.write(List.of(records));
  }

  private Object value(long id, String column) throws Exception {
    return Tables.value(warehouse, "customers", id, column);
  }

  @Test
  public void createsTheTableAndWritesEveryTypeExactly() throws Exception {
    ChangeRecord record =
        upsert(
            "customers",
            1,
            10,
            "credit",
            Column.of("credit", ColumnType.decimal(12, 2), new BigDecimal("1234567890.12")),
            "weight",
            Column.of("weight", ColumnType.VARIABLE_DECIMAL, new BigDecimal("0.000001")),
            "born",
            Column.of("born", ColumnType.DATE, LocalDate.parse("1960-02-29")),
            "wakes",
            Column.of("wakes", ColumnType.TIME, LocalTime.parse("06:30:00.123456")),
            "signed_up",
            Column.of(
                "signed_up",
                ColumnType.TIMESTAMP,
                LocalDateTime.parse("2024-02-29T23:59:59.999999")),
            "seen",
            Column.of("seen", ColumnType.TIMESTAMPTZ, Instant.parse("2025-11-28T14:00:00.5Z")),
            "photo",
            Column.of("photo", ColumnType.BYTES, new byte[] {0, 1, -1}),
            "prefs",
            Column.of("prefs", ColumnType.JSON, "{\"a\":[1,2]}"),
            "uid",
            Column.of("uid", ColumnType.UUID, "855ac320-1067-4d99-b4f1-6d46c64c514f"),
            "vip",
            Column.of("vip", ColumnType.BOOLEAN, true),
            "score",
            Column.of("score", ColumnType.DOUBLE, 0.1),
            "name",
            "Ann \"quoted\", with comma\nand newline");
    MirrorWriter.Result result = write(record);
    assertThat(result.applied, equalTo(1L));
    assertThat(result.changed, equalTo(1L));
    assertThat(
        ((BigDecimal) value(1, "credit")).compareTo(new BigDecimal("1234567890.12")), equalTo(0));
    assertThat(((BigDecimal) value(1, "weight")).compareTo(new BigDecimal("0.000001")), equalTo(0));
    assertThat(value(1, "born").toString(), equalTo("1960-02-29"));
    assertThat(value(1, "name"), equalTo("Ann \"quoted\", with comma\nand newline"));
    assertThat((byte[]) value(1, "photo"), equalTo(new byte[] {0, 1, -1}));
    assertThat(value(1, "uid").toString(), equalTo("855ac320-1067-4d99-b4f1-6d46c64c514f"));
    assertThat(value(1, "vip"), equalTo(true));
    assertThat(value(1, "score"), equalTo(0.1));
    assertThat(value(1, "_op"), equalTo("u"));
    assertThat(value(1, "_deleted"), equalTo(false));
    try (Connection c = warehouse.connect();
        Statement s = c.createStatement();
        ResultSet rs =
            s.executeQuery(
                "SELECT CAST(signed_up AS VARCHAR), CAST(prefs AS VARCHAR), seen, _event_time,"
                    + " CAST(wakes AS VARCHAR) FROM customers")) {
      rs.next();
      assertThat(rs.getString(1), equalTo("2024-02-29 23:59:59.999999"));
      assertThat(rs.getString(2), equalTo("{\"a\":[1,2]}"));
      assertThat(
          rs.getObject(3, OffsetDateTime.class).toInstant(),
          equalTo(Instant.parse("2025-11-28T14:00:00.5Z")));
      assertThat(rs.getObject(4, OffsetDateTime.class).toInstant(), equalTo(record.eventTime()));
      assertThat(rs.getString(5), equalTo("06:30:00.123456"));
    }
  }

  @Test
  public void olderPositionNeverReplacesNewer() throws Exception {
    write(upsert("customers", 1, 20, "name", "new"));
    MirrorWriter.Result late = write(upsert("customers", 1, 10, "name", "old"));
    assertThat(late.applied, equalTo(1L));
    assertThat(late.changed, equalTo(0L));
    assertThat(value(1, "name"), equalTo("new"));
  }

  /**
   * Another transaction holds the row for seconds (DuckDB refuses the write with a conflict at
   * once, PostgreSQL makes it wait): the write is tried again until it goes through, and never
   * dead-lettered for what was only in the way.
   */
  @Test
  public void aRowAnotherTransactionHoldsIsWrittenOnceItIsFreeNotDeadLettered() throws Exception {
    write(upsert("customers", 1, 10, "name", "first"));
    try (Connection other = warehouse.connect()) {
      other.setAutoCommit(false);
      try (Statement s = other.createStatement()) {
        s.executeUpdate("UPDATE customers SET name = 'held' WHERE id = 1");
      }
      Thread release =
          new Thread(
              () -> {
                try {
                  Thread.sleep(4_000);
                  other.rollback();
                } catch (Exception e) {
                  throw new IllegalStateException(e);
                }
              });
      release.start();
      MirrorWriter.Result result = write(upsert("customers", 1, 20, "name", "second"));
      release.join();
      assertThat(result.rejected.stream().map(r -> r.reason).toList(), equalTo(List.of()));
      assertThat(result.changed, equalTo(1L));
    }
    assertThat(value(1, "name"), equalTo("second"));
  }

  @Test
  public void positionsCompareAsNumbersNotAsText() throws Exception {
    write(upsert("customers", 1, 9, "name", "nine"));
    write(upsert("customers", 1, 10, "name", "ten"));
    write(upsert("customers", 1, 100_000_000_000L, "name", "huge"));
    write(upsert("customers", 1, 99, "name", "ninety-nine"));
    assertThat(value(1, "name"), equalTo("huge"));
  }

  @Test
  public void deleteLeavesATombstoneThatLateOlderUpsertsCannotRevive() throws Exception {
    write(upsert("customers", 1, 10, "name", "a"));
    write(delete("customers", 1, 20));
    assertThat(value(1, "_deleted"), equalTo(true));
    assertThat(value(1, "_op"), equalTo("d"));
    MirrorWriter.Result late = write(upsert("customers", 1, 15, "name", "late"));
    assertThat(late.changed, equalTo(0L));
    assertThat(value(1, "_deleted"), equalTo(true));
    write(upsert("customers", 1, 30, "name", "back"));
    assertThat(value(1, "_deleted"), equalTo(false));
    assertThat(value(1, "name"), equalTo("back"));
  }

  @Test
  public void deleteOfAnUnknownKeyIsStillATombstone() throws Exception {
    write(delete("customers", 7, 20));
    write(upsert("customers", 7, 10, "name", "older insert"));
    assertThat(value(7, "_deleted"), equalTo(true));
    assertThat(Tables.dump(warehouse, "customers"), hasSize(1));
  }

  @Test
  public void writingTheSameBatchTwiceChangesNothing() throws Exception {
    List<ChangeRecord> batch = new ArrayList<>();
    for (int i = 0; i < 50; i++) {
      batch.add(upsert("customers", i, 100 + i, "name", "n" + i));
    }
    batch.add(delete("customers", 3, 500));
    writer.write(batch);
    List<String> before = Tables.dump(warehouse, "customers");
    MirrorWriter.Result again = writer.write(batch);
    assertThat(again.changed, equalTo(0L));
    assertThat(Tables.dump(warehouse, "customers"), equalTo(before));
  }

  @Test
  public void severalChangesOfOneKeyInABatchKeepTheLatest() throws Exception {
    write(
        upsert("customers", 1, 30, "name", "c"),
        upsert("customers", 1, 10, "name", "a"),
        upsert("customers", 1, 20, "name", "b"));
    assertThat(value(1, "name"), equalTo("c"));
  }

  @Test
  public void unavailableColumnKeepsTheWarehouseValue() throws Exception {
    write(upsert("customers", 1, 10, "name", "a", "bio", "a long biography"));
    write(upsert("customers", 1, 20, "name", "b", "bio", UNAVAILABLE));
    assertThat(value(1, "name"), equalTo("b"));
    assertThat(value(1, "bio"), equalTo("a long biography"));
  }

  @Test
  public void unavailableColumnOfANewKeyIsNullNotThePlaceholder() throws Exception {
    write(upsert("customers", 1, 20, "name", "b", "bio", UNAVAILABLE));
    assertThat(value(1, "bio"), equalTo(null));
  }

  @Test
  public void newColumnsAreAddedToTheTable() throws Exception {
    write(upsert("customers", 1, 10, "name", "a"));
    write(upsert("customers", 2, 11, "name", "b", "tier", 3));
    assertThat(value(2, "tier"), equalTo(3L));
    assertThat(value(1, "tier"), equalTo(null));
  }

  @Test
  public void valueThatDoesNotFitIsRejectedAndTheRestWritten() throws Exception {
    write(upsert("customers", 1, 10, "tier", 1));
    MirrorWriter.Result result =
        write(upsert("customers", 2, 11, "tier", "gold"), upsert("customers", 3, 12, "tier", 3));
    assertThat(result.rejected, hasSize(1));
    assertThat(result.rejected.get(0).reason, containsString("does not fit column 'tier'"));
    assertThat(result.applied, equalTo(1L));
    assertThat(value(3, "tier"), equalTo(3L));
  }

  @Test
  public void decimalThatWouldBeRoundedIsRejected() throws Exception {
    write(upsert("customers", 1, 10, "price", new BigDecimal("1.50")));
    MirrorWriter.Result result =
        write(upsert("customers", 2, 11, "price", new BigDecimal("1.555")));
    assertThat(result.rejected, hasSize(1));
    assertThat(result.rejected.get(0).reason, containsString("price"));
  }

  @Test
  public void aTableKeyedDifferentlyRejectsItsRecordsWithTheReason() throws Exception {
    try (Connection c = warehouse.connect();
        Statement s = c.createStatement()) {
      s.execute(
          "CREATE TABLE customers (id BIGINT, name TEXT, _position TEXT, _deleted BOOLEAN,"
              + " _op TEXT, _event_time TIMESTAMPTZ, PRIMARY KEY (name))");
    }
    MirrorWriter.Result result = write(upsert("customers", 1, 1, "name", "a"));
    assertThat(result.applied, equalTo(0L));
    assertThat(result.rejected.size(), equalTo(1));
    assertThat(result.rejected.get(0).reason, containsString("primary key [name]"));
  }

  private static Truncation truncate(String table, long position) {
    return Truncation.of(
        table,
        io.starflow.schemas.SourcePosition.of(0, position),
        Instant.ofEpochSecond(1_700_000_000L + position),
        "test:truncate@" + position);
  }

  private List<String> dumpMirrorAndHistory() throws Exception {
    List<String> rows = new ArrayList<>(Tables.dump(warehouse, "customers"));
    rows.addAll(Tables.dump(warehouse, "customers_history"));
    return rows;
  }

  @Test
  public void aTruncateMakesOlderRowsTombstonesThatLateOlderChangesCannotUndo() throws Exception {
    List<ChangeRecord> before =
        List.of(upsert("customers", 1, 10, "name", "a"), upsert("customers", 2, 12, "name", "b"));
    writer.write(before);
    writer.writeHistory(before);
    writer.truncate(truncate("customers", 15));
    List<ChangeRecord> later =
        List.of(
            upsert("customers", 3, 20, "name", "after"), // written after the truncate: lives
            upsert("customers", 4, 13, "name", "late"), // an older insert arriving late
            upsert("customers", 1, 11, "name", "older")); // an older update arriving late
    writer.write(later);
    writer.writeHistory(later);
    assertThat(value(3, "name"), equalTo("after"));
    for (long id : new long[] {1, 2, 4}) {
      assertThat("row " + id, value(id, "_deleted"), equalTo(true));
      assertThat("row " + id, value(id, "_op"), equalTo("t"));
      assertThat("row " + id, value(id, "name"), equalTo(null));
    }
    assertThat(
        Tables.rows(
            warehouse,
            "SELECT id FROM customers_history WHERE _op = 't' AND valid_to IS NULL ORDER BY id"),
        equalTo(List.of("1", "2", "4")));
    assertThat(
        Tables.count(warehouse, "SELECT count(*) FROM customers_history WHERE is_current"),
        equalTo(1L));
    // applied again, it changes nothing
    List<String> once = dumpMirrorAndHistory();
    writer.truncate(truncate("customers", 15));
    assertThat(dumpMirrorAndHistory(), equalTo(once));
  }

  @Test
  public void aTruncateGivesTheSameTablesWhetherItArrivesBeforeOrAfterTheChanges()
      throws Exception {
    List<ChangeRecord> changes =
        List.of(
            upsert("customers", 1, 10, "name", "a"),
            upsert("customers", 1, 11, "name", "a2"),
            upsert("customers", 2, 12, "name", "b"),
            upsert("customers", 3, 20, "name", "c"),
            delete("customers", 2, 13));
    for (ChangeRecord change : changes) {
      writer.write(List.of(change));
      writer.writeHistory(List.of(change));
    }
    writer.truncate(truncate("customers", 15));
    writer.truncate(truncate("customers", 17));
    List<String> after = dumpMirrorAndHistory();

    writer.close();
    warehouse = newWarehouse();
    writer = MirrorWriter.open(warehouse);
    writer.truncate(truncate("customers", 17));
    writer.truncate(truncate("customers", 15));
    for (int i = changes.size() - 1; i >= 0; i--) {
      writer.write(List.of(changes.get(i)));
      writer.writeHistory(List.of(changes.get(i)));
    }
    assertThat(dumpMirrorAndHistory(), equalTo(after));
  }
}
