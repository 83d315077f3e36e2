package io.starflow.transforms.warehouse;

import io.starflow.schemas.ChangeRecord;
import io.starflow.schemas.Column;
import io.starflow.schemas.ColumnType;
import io.starflow.schemas.Identifiers;
import io.starflow.transforms.compact.RecordOrder;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.locks.Lock;

/**
 * Applies batches of change records to mirror tables: one table per source table, holding the
 * source's columns plus {@code _position}, {@code _deleted}, {@code _op} and {@code _event_time}.
 *
 * <p>Each batch of one table is staged in bulk (DuckDB's Appender, PostgreSQL's COPY) and applied
 * by one set-based guarded upsert in one transaction: a row is replaced only by a greater position,
 * and a delete leaves a tombstone ({@code _deleted = true}, the row's last known values) so that a
 * late older change cannot bring it back. Applying the same batch twice changes nothing.
 *
 * <p>Tables are created when missing and gain columns when records bring new ones. Two writers must
 * never hold the same key in concurrent transactions (DuckDB fails the second commit): shard
 * batches by key, as {@link ApplyToMirror} does.
 *
 * <p>Not thread-safe: one writer per thread, each with its own connection.
 */
public final class MirrorWriter implements AutoCloseable {

  private final Warehouse warehouse;
  private final SqlDialect dialect;
  private final Connection connection;
  private final Map<String, Layout> layouts = new HashMap<>();

  /** Tables whose history table this writer has made sure of. */
  private final java.util.Set<String> historyEnsured = new java.util.HashSet<>();

  private final Map<String, String> stages = new HashMap<>();

  /** What one write did. */
  public static final class Result {
    /** Rows handed to the guarded upsert. */
    public final long applied;

    /** Rows the upsert inserted or replaced; the others were older than the table's. */
    public final long changed;

    /** Records that could not be written, each with its reason. */
    public final List<Rejected> rejected;

    Result(long applied, long changed, List<Rejected> rejected) {
      this.applied = applied;
      this.changed = changed;
      this.rejected = rejected;
    }
  }

  /** A record a warehouse column cannot hold, and why. */
  public static final class Rejected {
    public final ChangeRecord record;
    public final String reason;

    Rejected(ChangeRecord record, String reason) {
      this.record = record;
      this.reason = reason;
    }
  }

  private static final class Layout {
    final List<String> keys;
    final List<TableColumn> columns;
    final Map<String, TableColumn> byName = new HashMap<>();

    Layout(List<String> keys, List<TableColumn> columns) {
      this.keys = keys;
      this.columns = columns;
      columns.forEach(c -> byName.put(c.name(), c));
    }
  }

  private MirrorWriter(Warehouse warehouse, Connection connection) {
    this.warehouse = warehouse;
    this.dialect = warehouse.dialect();
    this.connection = connection;
  }

  public static MirrorWriter open(Warehouse warehouse) throws SQLException {
    Connection connection = warehouse.connect();
    connection.setAutoCommit(false);
    return new MirrorWriter(warehouse, connection);
  }

  /**
   * Writes {@code batch}, one transaction per table in it. When a batch holds several changes of
   * one row, only the latest by position is written.
   */
  public Result write(List<ChangeRecord> batch) throws SQLException {
    Map<String, Map<String, ChangeRecord>> byTable = new LinkedHashMap<>();
    for (ChangeRecord record : batch) {
      byTable
          .computeIfAbsent(record.table(), t -> new LinkedHashMap<>())
          .merge(record.key(), record, RecordOrder::newer);
    }
    long applied = 0;
    long changed = 0;
    List<Rejected> rejected = new ArrayList<>();
    for (Map.Entry<String, Map<String, ChangeRecord>> entry : byTable.entrySet()) {
      List<ChangeRecord> records = new ArrayList<>(entry.getValue().values());
      Layout layout = ensureTable(entry.getKey(), records, false);
      List<Object[]> rows = new ArrayList<>(records.size());
      Set<String> unavailable = new LinkedHashSet<>();
      for (ChangeRecord record : records) {
        try {
          rows.add(stageRow(layout, record, unavailable));
        } catch (Coercion.DoesNotFitException e) {
          rejected.add(new Rejected(record, e.getMessage()));
        }
      }
      if (!rows.isEmpty()) {
        applied += rows.size();
        String table = entry.getKey();
        changed +=
            applyWithRetries(
                table, layout, rows, stage -> upsertMirror(table, layout, stage, unavailable));
      }
    }
    return new Result(applied, changed, rejected);
  }

  private Object[] stageRow(Layout layout, ChangeRecord record, Set<String> unavailable)
      throws Coercion.DoesNotFitException {
    int n = layout.columns.size();
    Object[] row = new Object[n + 5];
    StringBuilder missing = null;
    for (int i = 0; i < n; i++) {
      TableColumn target = layout.columns.get(i);
      Column column = record.column(target.name());
      if (column == null) {
        continue;
      }
      if (column.isUnavailable()) {
        if (record.op() == ChangeRecord.Op.UPSERT) {
          missing = (missing == null ? new StringBuilder(",") : missing).append(target.name());
          missing.append(',');
          unavailable.add(target.name());
        }
        continue;
      }
      row[i] = Coercion.fit(column, target, dialect);
    }
    row[n] = record.position().encoded();
    row[n + 1] = record.op() == ChangeRecord.Op.DELETE;
    row[n + 2] = record.sourceOp();
    row[n + 3] = record.eventTime();
    row[n + 4] = missing == null ? null : missing.toString();
    return row;
  }

  /** Statements run on a batch once its rows are staged, in the batch's transaction. */
  private interface StagedWork {
    long run(String stage) throws SQLException;
  }

  /** Stages {@code rows}, runs {@code work} and commits; again if the failure was transient. */
  private long applyWithRetries(String table, Layout layout, List<Object[]> rows, StagedWork work)
      throws SQLException {
    return WarehouseRetries.inTransaction(
        connection,
        dialect,
        WarehouseLocks.forWrites(warehouse),
        () -> {
          String stage = stageFor(table, layout);
          try (SqlDialect.StageWriter writer =
              dialect.openStage(connection, stage, stageColumns(layout))) {
            for (Object[] row : rows) {
              writer.append(row);
            }
          }
          return work.run(stage);
        },
        () -> clearStage(table));
  }

  /** The guarded upsert of staged rows into the mirror table. */
  private long upsertMirror(String table, Layout layout, String stage, Set<String> unavailable)
      throws SQLException {
    for (String column : unavailable) {
      try (PreparedStatement fill =
          connection.prepareStatement(dialect.fillUnavailable(table, stage, layout.keys, column))) {
        fill.setString(1, "," + column + ",");
        fill.executeUpdate();
      }
    }
    try (Statement merge = connection.createStatement()) {
      return merge.executeUpdate(dialect.mergeFromStage(table, stage, layout.keys, layout.columns));
    }
  }

  /**
   * Adds staged versions to the history and rebuilds the history of their keys: values of columns a
   * version left out, then validity intervals.
   */
  private long appendHistory(String table, Layout layout, String stage) throws SQLException {
    long added;
    try (Statement insert = connection.createStatement()) {
      added =
          insert.executeUpdate(
              dialect.insertHistoryFromStage(table, stage, layout.keys, layout.columns));
    }
    Set<String> unavailable = new LinkedHashSet<>();
    try (Statement query = connection.createStatement();
        ResultSet rs =
            query.executeQuery(dialect.unavailableInHistory(table, stage, layout.keys))) {
      while (rs.next()) {
        for (String name : rs.getString(1).split(",")) {
          if (!name.isEmpty() && layout.byName.containsKey(name)) {
            unavailable.add(name);
          }
        }
      }
    }
    for (String column : unavailable) {
      try (PreparedStatement fill =
          connection.prepareStatement(
              dialect.fillHistoryUnavailable(table, stage, layout.keys, column))) {
        fill.setString(1, "," + column + ",");
        fill.setString(2, "," + column + ",");
        fill.executeUpdate();
      }
    }
    try (Statement recompute = connection.createStatement()) {
      recompute.executeUpdate(dialect.recomputeHistoryIntervals(table, stage, layout.keys));
    }
    return added;
  }

  /**
   * Adds {@code versions} to the history tables ({@code <table>_history}), one transaction per
   * table: every distinct version (by key and position) once, deletions as rows that close the
   * version before them, and the validity intervals of the keys touched recomputed from the order
   * of their versions. Returns the versions added; versions already there add nothing.
   */
  public HistoryResult writeHistory(List<ChangeRecord> versions) throws SQLException {
    Map<String, Map<String, ChangeRecord>> byTable = new LinkedHashMap<>();
    for (ChangeRecord version : versions) {
      byTable
          .computeIfAbsent(version.table(), t -> new LinkedHashMap<>())
          .merge(
              version.key() + '\u0000' + version.position().encoded(), version, RecordOrder::newer);
    }
    long added = 0;
    List<Rejected> rejected = new ArrayList<>();
    for (Map.Entry<String, Map<String, ChangeRecord>> entry : byTable.entrySet()) {
      List<ChangeRecord> records = new ArrayList<>(entry.getValue().values());
      Layout layout = ensureTable(entry.getKey(), records, true);
      List<Object[]> rows = new ArrayList<>(records.size());
      for (ChangeRecord record : records) {
        try {
          rows.add(stageRow(layout, record, new LinkedHashSet<>()));
        } catch (Coercion.DoesNotFitException e) {
          rejected.add(new Rejected(record, e.getMessage()));
        }
      }
      if (!rows.isEmpty()) {
        String table = entry.getKey();
        added +=
            applyWithRetries(table, layout, rows, stage -> appendHistory(table, layout, stage));
      }
    }
    return new HistoryResult(added, rejected);
  }

  /** What one history write did. */
  public static final class HistoryResult {
    /** Versions added; versions already in the history add none. */
    public final long added;

    /** Versions a history column cannot hold, each with its reason. */
    public final List<Rejected> rejected;

    HistoryResult(long added, List<Rejected> rejected) {
      this.added = added;
      this.rejected = rejected;
    }
  }

  private void clearStage(String table) throws SQLException {
    String stage = stages.get(table);
    String clear = stage == null ? null : dialect.clearStage(stage);
    if (clear != null) {
      try (Statement statement = connection.createStatement()) {
        statement.execute(clear);
      }
      connection.commit();
    }
  }

  private List<TableColumn> stageColumns(Layout layout) {
    List<TableColumn> columns = new ArrayList<>(layout.columns);
    columns.addAll(dialect.metadataColumns());
    columns.add(TableColumn.of(SqlDialect.UNAVAILABLE, ColumnType.STRING));
    return columns;
  }

  private String stageFor(String table, Layout layout) throws SQLException {
    String stage = stages.get(table);
    if (stage == null) {
      stage = "starflow_stage_" + stages.size();
      try (Statement statement = connection.createStatement()) {
        statement.execute(dialect.createStage(stage, stageColumns(layout)));
      }
      connection.commit();
      stages.put(table, stage);
    }
    return stage;
  }

  /**
   * The table's layout, after creating the table or adding the columns {@code records} need. The
   * history table is created when {@code history} asks for it, and kept in step with the mirror
   * table's columns once it exists.
   */
  private Layout ensureTable(String table, List<ChangeRecord> records, boolean history)
      throws SQLException {
    List<String> keys = records.get(0).keyColumns();
    Map<String, ColumnType> needed = new LinkedHashMap<>();
    for (ChangeRecord record : records) {
      for (Column column : record.columns()) {
        ColumnType known = needed.get(column.name());
        if (known == null) {
          needed.put(column.name(), column.type());
        }
      }
    }
    Layout layout = layouts.get(table);
    if (layout != null
        && layout.byName.keySet().containsAll(needed.keySet())
        && (!history || historyEnsured.contains(table))) {
      return layout;
    }
    Lock ddl = WarehouseLocks.forDdl(warehouse);
    ddl.lock();
    try {
      dialect.lockForDdl(connection);
      layout = readLayout(table);
      if (layout == null) {
        List<TableColumn> columns = new ArrayList<>();
        needed.forEach((name, type) -> columns.add(TableColumn.of(name, orText(type))));
        execute(dialect.createMirrorTable(table, keys, columns));
      } else {
        for (Map.Entry<String, ColumnType> column : needed.entrySet()) {
          if (!layout.byName.containsKey(column.getKey())) {
            execute(
                dialect.addColumn(
                    table, TableColumn.of(column.getKey(), orText(column.getValue()))));
          }
        }
      }
      connection.commit();
      layout = readLayout(table);
      boolean historyExists =
          io.starflow.schemas.Identifiers.isValid(table + SqlDialect.HISTORY_SUFFIX)
              && readLayout(SqlDialect.historyTable(table)) != null;
      if (layout != null && (history || historyExists)) {
        Layout source = withoutMetadata(layout);
        execute(dialect.createHistoryTable(table, source.keys, source.columns));
        for (TableColumn column : source.columns) {
          execute(dialect.addColumn(SqlDialect.historyTable(table), column));
        }
        historyEnsured.add(table);
      }
      connection.commit();
    } catch (SQLException e) {
      connection.rollback();
      throw e;
    } finally {
      ddl.unlock();
    }
    if (layout == null) {
      throw new SQLException("mirror table '" + table + "' is missing after creating it");
    }
    if (!layout.keys.equals(keys)) {
      throw new IllegalStateException(
          "mirror table '"
              + table
              + "' has primary key "
              + layout.keys
              + " but its records are keyed by "
              + keys
              + ": drop the table or configure the same key");
    }
    if (!Identifiers.MIRROR_METADATA.stream().allMatch(layout.byName::containsKey)) {
      throw new IllegalStateException(
          "table '"
              + table
              + "' exists but is not a mirror table: it lacks "
              + Identifiers.MIRROR_METADATA);
    }
    // The stage follows the table's columns: recreate it on the next write.
    String stage = stages.remove(table);
    if (stage != null) {
      execute("DROP TABLE IF EXISTS " + dialect.quote(stage));
      connection.commit();
    }
    Layout sourceColumns = withoutMetadata(layout);
    layouts.put(table, sourceColumns);
    return sourceColumns;
  }

  private static ColumnType orText(ColumnType type) {
    return type == null ? ColumnType.STRING : type;
  }

  private static Layout withoutMetadata(Layout layout) {
    List<TableColumn> columns = new ArrayList<>();
    for (TableColumn column : layout.columns) {
      if (!Identifiers.MIRROR_METADATA.contains(column.name())) {
        columns.add(column);
      }
    }
    return new Layout(layout.keys, columns);
  }

  private Layout readLayout(String table) throws SQLException {
    List<TableColumn> columns = new ArrayList<>();
    try (PreparedStatement statement = connection.prepareStatement(dialect.readColumns())) {
      statement.setString(1, table);
      try (ResultSet rs = statement.executeQuery()) {
        while (rs.next()) {
          Integer precision = intOrNull(rs.getObject(3));
          Integer scale = intOrNull(rs.getObject(4));
          columns.add(
              TableColumn.of(
                  rs.getString(1), dialect.columnTypeOf(rs.getString(2), precision, scale)));
        }
      }
    }
    if (columns.isEmpty()) {
      return null;
    }
    List<String> keys = new ArrayList<>();
    try (PreparedStatement statement = connection.prepareStatement(dialect.readPrimaryKey())) {
      statement.setString(1, table);
      try (ResultSet rs = statement.executeQuery()) {
        while (rs.next()) {
          keys.add(rs.getString(1));
        }
      }
    }
    return new Layout(keys, columns);
  }

  private static Integer intOrNull(Object value) {
    return value == null ? null : ((Number) value).intValue();
  }

  private void execute(String sql) throws SQLException {
    try (Statement statement = connection.createStatement()) {
      statement.execute(sql);
    }
  }

  @Override
  public void close() throws SQLException {
    connection.close();
  }
}
