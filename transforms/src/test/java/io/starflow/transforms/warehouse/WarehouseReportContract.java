package io.starflow.transforms.warehouse;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.equalTo;

import io.starflow.schemas.model.WarehouseModel;
import io.starflow.transforms.testing.Records;
import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.Statement;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import org.junit.Test;

/** What a warehouse report reads, on each dialect, from tables whose contents the test knows. */
public abstract class WarehouseReportContract {
  protected abstract Warehouse newWarehouse() throws Exception;

  @Test
  public void mirrorTablesCountLiveRowsAndTombstonesAndSkipStarflowsOwnTables() throws Exception {
    Warehouse warehouse = newWarehouse();
    try (MirrorWriter writer = MirrorWriter.open(warehouse)) {
      writer.write(
          List.of(
              Records.upsert("users", 1, 10, "name", "a"),
              Records.upsert("users", 2, 11, "name", "b"),
              Records.upsert("users", 3, 12, "name", "c"),
              Records.upsert("orders", 7, 13, "total", 5L)));
      writer.write(List.of(Records.delete("users", 2, 14)));
      writer.writeHistory(List.of(Records.upsert("users", 4, 15, "name", "d")));
    }
    List<String> tables = new ArrayList<>();
    for (WarehouseReport.MirrorTable table : WarehouseReport.of(warehouse).mirrorTables()) {
      tables.add(table.table + " " + table.live + " " + table.tombstones);
    }
    // users_history is a mirror table's history, not Starflow's bookkeeping: it is listed too
    assertThat(tables.get(0), equalTo("orders 1 0"));
    assertThat(tables.get(1), equalTo("users 2 1"));
    assertThat(WarehouseReport.of(warehouse).rows("users"), equalTo(3L));
  }

  @Test
  public void deadLettersByReasonTheMostFrequentFirstWithValuesBound() throws Exception {
    Warehouse warehouse = newWarehouse();
    try (WarehouseSession session = WarehouseSession.open(warehouse)) {
      session.executeDdl(warehouse.dialect().createDeadLetterTableSql());
    }
    String quoted = "it's \"quoted\"; DROP TABLE users";
    try (Connection c = warehouse.connect();
        PreparedStatement insert = c.prepareStatement(warehouse.dialect().insertDeadLetterSql())) {
      String[][] letters = {
        {"1", "decode", quoted}, {"2", "decode", quoted}, {"3", "apply", "too long"},
      };
      for (String[] letter : letters) {
        insert.setString(1, letter[0]);
        insert.setString(2, letter[1]);
        insert.setString(3, "f.jsonl:" + letter[0]);
        insert.setString(4, letter[2]);
        insert.setString(5, "{}");
        insert.setObject(6, Instant.EPOCH.atOffset(ZoneOffset.UTC));
        insert.executeUpdate();
      }
    }
    List<String> reasons = new ArrayList<>();
    for (WarehouseReport.DeadLetterReason r : WarehouseReport.of(warehouse).deadLetterReasons()) {
      reasons.add(r.count + " " + r.stage + " " + r.reason);
    }
    assertThat(reasons, contains("2 decode " + quoted, "1 apply too long"));
  }

  @Test
  public void snapshotTotalsPerInstantWithTheInstantBound() throws Exception {
    Warehouse warehouse = newWarehouse();
    SqlDialect dialect = warehouse.dialect();
    try (Connection c = warehouse.connect();
        Statement s = c.createStatement()) {
      s.execute(
          "CREATE TABLE snaps (as_of "
              + dialect.sqlType(io.starflow.schemas.ColumnType.TIMESTAMPTZ)
              + ", sku VARCHAR(20), on_hand BIGINT, value DECIMAL(18,4))");
      s.execute(
          "INSERT INTO snaps VALUES ('2025-11-28 00:00:00+00', 'a', 2, 1.5),"
              + " ('2025-11-28 00:00:00+00', 'b', 3, 2.25), ('2025-11-29 00:00:00+00', 'a', 9, 9)");
    }
    Instant first = Instant.parse("2025-11-28T00:00:00Z");
    Instant none = Instant.parse("2025-11-30T00:00:00Z");
    List<String> totals = new ArrayList<>();
    for (WarehouseReport.Totals t :
        WarehouseReport.of(warehouse)
            .totalsAsOf("snaps", "as_of", List.of("on_hand", "value"), List.of(first, none))) {
      totals.add(
          t.asOf
              + " "
              + t.rows
              + " "
              + t.sums.get(0).toBigInteger()
              + " "
              + t.sums.get(1).setScale(2, java.math.RoundingMode.UNNECESSARY));
    }
    assertThat(
        totals,
        contains(
            "2025-11-28T00:00:00Z 2 5 3.75",
            "2025-11-30T00:00:00Z 0 0 " + BigDecimal.ZERO.setScale(2)));
  }

  @Test
  public void dimensionRowsCountCurrentAndInferredMembers() throws Exception {
    Warehouse warehouse = newWarehouse();
    WarehouseModel model =
        WarehouseModel.read(
            new java.io.StringReader(
                String.join(
                    "\n",
                    "sources:",
                    "  customers:",
                    "    kind: cdc",
                    "    key: [id]",
                    "    columns: {id: bigint, name: string}",
                    "dimensions:",
                    "  dim_customer:",
                    "    source: customers",
                    "    attributes: [name]",
                    "    versioned_by: [name]",
                    "")),
            "report.yaml",
            null);
    StarRefresh star = new StarRefresh(warehouse, model);
    try (Connection c = warehouse.connect()) {
      star.createTables(c);
    }
    try (MirrorWriter writer = MirrorWriter.open(warehouse)) {
      writer.writeHistory(
          List.of(
              Records.upsert("customers", 1, 10, "name", "a"),
              Records.upsert("customers", 1, 11, "name", "b"),
              Records.upsert("customers", 2, 12, "name", "c")));
    }
    star.rebuild();
    WarehouseReport.DimensionRows rows =
        WarehouseReport.of(warehouse).dimension(model.dimensions().get("dim_customer"));
    // two versions of 1 (one current), one of 2, and the unknown member (key 0), always current
    assertThat(rows.rows + " " + rows.current + " " + rows.inferred, equalTo("4 3 0"));
  }
}
