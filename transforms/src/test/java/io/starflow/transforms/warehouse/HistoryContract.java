package io.starflow.transforms.warehouse;

import static io.starflow.transforms.testing.Records.UNAVAILABLE;
import static io.starflow.transforms.testing.Records.delete;
import static io.starflow.transforms.testing.Records.upsert;
import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.equalTo;

import io.starflow.schemas.ChangeRecord;
import io.starflow.schemas.Column;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import org.junit.After;
import org.junit.Before;
import org.junit.Test;

/** History tables, maintained in the warehouse; run against DuckDB and PostgreSQL. */
public abstract class HistoryContract {
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

  /** The history of table t as text rows, in key and position order. */
  private List<String> history() throws SQLException {
    List<String> rows = new ArrayList<>();
    try (Connection c = warehouse.connect();
        Statement s = c.createStatement();
        ResultSet rs =
            s.executeQuery(
                "SELECT id, _position, _deleted, valid_from, valid_to, is_current, name"
                    + " FROM t_history ORDER BY id, _position")) {
      while (rs.next()) {
        OffsetDateTime to = rs.getObject(5, OffsetDateTime.class);
        rows.add(
            rs.getLong(1)
                + "|"
                + Long.parseLong(rs.getString(2).substring(20))
                + "|"
                + (rs.getBoolean(3) ? "deleted" : "version")
                + "|"
                + rs.getObject(4, OffsetDateTime.class).toInstant()
                + "|"
                + (to == null ? "open" : to.toInstant())
                + "|"
                + (rs.getBoolean(6) ? "current" : "past")
                + "|"
                + rs.getString(7));
      }
    }
    return rows;
  }

  /** What the history must hold for {@code changes}, computed the straightforward way. */
  static List<String> oracle(List<ChangeRecord> changes) {
    Map<Long, TreeMap<Long, ChangeRecord>> byKey = new TreeMap<>();
    for (ChangeRecord change : changes) {
      long id = (Long) change.column("id").value();
      byKey.computeIfAbsent(id, k -> new TreeMap<>()).put(change.position().component(1), change);
    }
    List<String> rows = new ArrayList<>();
    for (Map.Entry<Long, TreeMap<Long, ChangeRecord>> key : byKey.entrySet()) {
      List<ChangeRecord> versions = new ArrayList<>(key.getValue().values());
      String previousName = null;
      for (int i = 0; i < versions.size(); i++) {
        ChangeRecord v = versions.get(i);
        boolean deleted = v.op() == ChangeRecord.Op.DELETE;
        Column name = v.column("name");
        String value;
        if (deleted) {
          value = name == null ? null : (String) name.value();
        } else if (name != null && name.isUnavailable()) {
          value = previousName;
        } else {
          value = name == null ? null : (String) name.value();
        }
        previousName = value;
        Instant to = i + 1 < versions.size() ? versions.get(i + 1).eventTime() : null;
        boolean current = i + 1 == versions.size() && !deleted;
        rows.add(
            key.getKey()
                + "|"
                + v.position().component(1)
                + "|"
                + (deleted ? "deleted" : "version")
                + "|"
                + v.eventTime()
                + "|"
                + (to == null ? "open" : to)
                + "|"
                + (current ? "current" : "past")
                + "|"
                + value);
      }
    }
    return rows;
  }

  private void write(ChangeRecord... versions) throws SQLException {
    writer.writeHistory(List.of(versions));
  }

  @Test
  public void versionsGetIntervalsAndTheLastLiveOneIsCurrent() throws Exception {
    write(upsert("t", 1, 10, "name", "a"), upsert("t", 1, 20, "name", "b"));
    write(delete("t", 1, 30), upsert("t", 1, 40, "name", "again"));
    List<ChangeRecord> all =
        List.of(
            upsert("t", 1, 10, "name", "a"),
            upsert("t", 1, 20, "name", "b"),
            delete("t", 1, 30),
            upsert("t", 1, 40, "name", "again"));
    assertThat(history(), equalTo(oracle(all)));
    assertThat(history().get(3).endsWith("|open|current|again"), equalTo(true));
    assertThat(history().get(2).contains("|deleted|"), equalTo(true));
  }

  @Test
  public void deleteClosesTheCurrentVersion() throws Exception {
    write(upsert("t", 1, 10, "name", "a"));
    write(delete("t", 1, 30));
    assertThat(
        history(), equalTo(oracle(List.of(upsert("t", 1, 10, "name", "a"), delete("t", 1, 30)))));
    assertThat(history().get(0).contains("|past|"), equalTo(true));
  }

  @Test
  public void exactRedeliveryAddsNothing() throws Exception {
    write(upsert("t", 1, 10, "name", "a"), upsert("t", 1, 20, "name", "b"));
    List<String> before = history();
    assertThat(
        writer.writeHistory(
                List.of(upsert("t", 1, 10, "name", "a"), upsert("t", 1, 20, "name", "b")))
            .added,
        equalTo(0L));
    assertThat(history(), equalTo(before));
  }

  @Test
  public void lateBackDatedVersionSplitsTheIntervalItFallsIn() throws Exception {
    write(upsert("t", 1, 10, "name", "a"), upsert("t", 1, 30, "name", "c"));
    write(upsert("t", 1, 20, "name", "b"));
    assertThat(
        history(),
        equalTo(
            oracle(
                List.of(
                    upsert("t", 1, 10, "name", "a"),
                    upsert("t", 1, 20, "name", "b"),
                    upsert("t", 1, 30, "name", "c")))));
  }

  @Test
  public void unchangedToastValueComesFromTheVersionBeforeEvenWhenThatArrivesLater()
      throws Exception {
    write(upsert("t", 1, 30, "name", UNAVAILABLE));
    write(upsert("t", 1, 10, "name", "first"));
    assertThat(history().get(1).endsWith("|first"), equalTo(true));
    write(upsert("t", 1, 20, "name", "second"));
    assertThat(history().get(2).endsWith("|second"), equalTo(true));
  }

  @Test
  public void shuffledDuplicatedAndSplitDeliveriesConvergeToTheOracle() throws Exception {
    Random random = new Random(17);
    for (int trial = 0; trial < 4; trial++) {
      try (Connection c = warehouse.connect();
          Statement s = c.createStatement()) {
        s.execute("DROP TABLE IF EXISTS t_history");
        s.execute("DROP TABLE IF EXISTS t");
      }
      writer.close();
      writer = MirrorWriter.open(warehouse);
      List<ChangeRecord> changes = new ArrayList<>();
      for (long id = 1; id <= 15; id++) {
        int versions = 1 + random.nextInt(6);
        List<Long> positions = new ArrayList<>();
        for (long p = 1; p <= 40; p++) {
          positions.add(p * 10);
        }
        Collections.shuffle(positions, random);
        for (int v = 0; v < versions; v++) {
          long position = positions.get(v);
          int pick = random.nextInt(10);
          if (pick == 0) {
            changes.add(delete("t", id, position));
          } else if (pick < 3) {
            changes.add(upsert("t", id, position, "name", UNAVAILABLE));
          } else {
            changes.add(upsert("t", id, position, "name", "n" + id + "-" + position));
          }
        }
      }
      List<ChangeRecord> delivered = new ArrayList<>(changes);
      for (int i = 0; i < 20; i++) {
        delivered.add(changes.get(random.nextInt(changes.size())));
      }
      Collections.shuffle(delivered, random);
      int from = 0;
      while (from < delivered.size()) {
        int to = Math.min(delivered.size(), from + 1 + random.nextInt(25));
        writer.writeHistory(delivered.subList(from, to));
        from = to;
      }
      assertThat("trial " + trial, history(), equalTo(oracle(changes)));
      assertInvariants();
    }
  }

  /** One current row per live key, none for a deleted one, and no overlapping intervals. */
  private void assertInvariants() throws SQLException {
    try (Connection c = warehouse.connect();
        Statement s = c.createStatement()) {
      try (ResultSet rs =
          s.executeQuery(
              "SELECT count(*) FROM (SELECT id FROM t_history GROUP BY id"
                  + " HAVING sum(CASE WHEN is_current THEN 1 ELSE 0 END) > 1) x")) {
        rs.next();
        assertThat("keys with two current rows", rs.getLong(1), equalTo(0L));
      }
      try (ResultSet rs =
          s.executeQuery(
              "SELECT count(*) FROM t_history a JOIN t_history b ON a.id = b.id"
                  + " AND a._position < b._position"
                  + " AND (a.valid_to IS NULL OR a.valid_to > b.valid_from)")) {
        rs.next();
        assertThat("overlapping intervals", rs.getLong(1), equalTo(0L));
      }
    }
  }
}
