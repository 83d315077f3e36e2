package io.starflow.transforms.warehouse;

import io.starflow.schemas.ColumnType;
import io.starflow.schemas.Identifiers;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import javax.annotation.Nullable;

/**
 * The SQL Starflow runs against one kind of warehouse, all of it in one place per dialect.
 * Identifiers are validated and quoted here; values are always bound parameters or staged.
 */
public abstract class SqlDialect extends DdlDialect {
  /** The table dead letters land in, in every warehouse. */
  public static final String DEAD_LETTER_TABLE = "dead_letter";

  /** Lists which source columns of a staged row were unavailable, as {@code ,a,b,}. */
  static final String UNAVAILABLE = "_unavailable";

  static SqlDialect forUrl(String url) {
    if (url.startsWith("jdbc:duckdb:")) {
      return new DuckDbDialect();
    }
    if (url.startsWith("jdbc:postgresql:")) {
      return new PostgresDialect();
    }
    throw new IllegalArgumentException(
        "unsupported warehouse URL '"
            + Warehouse.display(url)
            + "': use jdbc:duckdb:FILE or jdbc:postgresql://HOST:PORT/DB?user=USER");
  }

  abstract void loadDriver();

  /** The column type of an existing column, from {@code information_schema.columns}. */
  abstract ColumnType columnTypeOf(
      String dataType, @Nullable Integer precision, @Nullable Integer scale);

  /** Largest decimal precision the warehouse stores. */
  abstract int maxDecimalPrecision();

  /** Whether a string may hold the NUL character. */
  abstract boolean allowsNulCharacter();

  /**
   * A signed 64-bit integer from the first 16 hex digits of the MD5 of the text {@code text}: the
   * same value in every warehouse, and in Java ({@link StarKeys#hash}).
   */
  abstract String hash64(String text);

  /** The length in UTF-8 bytes of the text {@code text}. */
  abstract String byteLength(String text);

  /** Creates an empty, connection-private copy of {@code table}'s columns, named {@code name}. */
  abstract String createScratchLike(String name, String table);

  /** Takes the lock that serializes DDL across writers, for the current transaction. */
  abstract void lockForDdl(Connection connection) throws SQLException;

  /** Whether {@code e} says the connection was lost or could not be made. */
  abstract boolean isConnectionFailure(SQLException e);

  /** Whether a failed transaction may simply be run again (serialization failure, deadlock). */
  abstract boolean isRetryable(SQLException e);

  abstract String createStage(String stage, List<TableColumn> columns);

  /** Empties the stage after a batch, whether it committed or not. Null when nothing is needed. */
  abstract @Nullable String clearStage(String stage);

  abstract StageWriter openStage(Connection connection, String stage, List<TableColumn> columns)
      throws SQLException;

  /** The columns of a mirror table that follow the source's own. */
  List<TableColumn> metadataColumns() {
    return List.of(
        TableColumn.of(Identifiers.POSITION, ColumnType.STRING),
        TableColumn.of(Identifiers.DELETED, ColumnType.BOOLEAN),
        TableColumn.of(Identifiers.OP, ColumnType.STRING),
        TableColumn.of(Identifiers.EVENT_TIME, ColumnType.TIMESTAMPTZ));
  }

  String addColumn(String table, TableColumn column) {
    return "ALTER TABLE "
        + quote(table)
        + " ADD COLUMN IF NOT EXISTS "
        + quote(column.name())
        + " "
        + sqlType(column.type());
  }

  String readColumns() {
    return "SELECT column_name, data_type, numeric_precision, numeric_scale"
        + " FROM information_schema.columns"
        + " WHERE table_schema = current_schema() AND table_name = ?"
        + " ORDER BY ordinal_position";
  }

  /** The tables of the current schema whose name equals the bound one ignoring case. */
  String findTableIgnoringCase() {
    return "SELECT table_name FROM information_schema.tables"
        + " WHERE table_schema = current_schema() AND lower(table_name) = lower(?)";
  }

  String readPrimaryKey() {
    return "SELECT kcu.column_name"
        + " FROM information_schema.table_constraints tc"
        + " JOIN information_schema.key_column_usage kcu"
        + " ON tc.constraint_name = kcu.constraint_name"
        + " AND tc.table_schema = kcu.table_schema AND tc.table_name = kcu.table_name"
        + " WHERE tc.constraint_type = 'PRIMARY KEY' AND tc.table_schema = current_schema()"
        + " AND tc.table_name = ?"
        + " ORDER BY kcu.ordinal_position";
  }

  /** Copies the target's value into staged rows that left the column unavailable. */
  String fillUnavailable(String table, String stage, List<String> keys, String column) {
    return "UPDATE "
        + quote(stage)
        + " SET "
        + quote(column)
        + " = target."
        + quote(column)
        + " FROM "
        + quote(table)
        + " AS target WHERE "
        + keys.stream()
            .map(k -> quote(stage) + "." + quote(k) + " = target." + quote(k))
            .collect(Collectors.joining(" AND "))
        + " AND strpos("
        + quote(stage)
        + "."
        + quote(UNAVAILABLE)
        + ", ?) > 0";
  }

  /**
   * The guarded upsert: inserts new keys, and replaces a row only when the staged position is
   * greater, so an older change never overwrites a newer one, nor brings back a deleted row.
   */
  String mergeFromStage(String table, String stage, List<String> keys, List<TableColumn> columns) {
    List<String> names = new ArrayList<>();
    columns.forEach(c -> names.add(c.name()));
    metadataColumns().forEach(c -> names.add(c.name()));
    String assignments =
        names.stream()
            .filter(n -> !keys.contains(n))
            .map(n -> quote(n) + " = EXCLUDED." + quote(n))
            .collect(Collectors.joining(", "));
    return "INSERT INTO "
        + quote(table)
        + " AS target ("
        + quoted(names)
        + ") SELECT "
        + quoted(names)
        + " FROM "
        + quote(stage)
        + " ON CONFLICT ("
        + quoted(keys)
        + ") DO UPDATE SET "
        + assignments
        + " WHERE target."
        + quote(Identifiers.POSITION)
        + " < EXCLUDED."
        + quote(Identifiers.POSITION);
  }

  /** The history table of {@code table}: one row per version, with its validity interval. */
  public static String historyTable(String table) {
    String name = table + HISTORY_SUFFIX;
    if (!Identifiers.isValid(name)) {
      throw new IllegalArgumentException(
          "table name '" + table + "' is too long for its history table '" + name + "'");
    }
    return name;
  }

  static final String HISTORY_SUFFIX = "_history";
  static final String VALID_FROM = "valid_from";
  static final String VALID_TO = "valid_to";
  static final String IS_CURRENT = "is_current";

  /** Adds the staged versions to the history; a version already there is left alone. */
  String insertHistoryFromStage(
      String table, String stage, List<String> keys, List<TableColumn> columns) {
    List<String> names = new ArrayList<>();
    columns.forEach(c -> names.add(c.name()));
    names.add(Identifiers.POSITION);
    names.add(Identifiers.DELETED);
    names.add(Identifiers.OP);
    String selected =
        quoted(names)
            + ", "
            + quote(Identifiers.EVENT_TIME)
            + ", NULL, false, "
            + quote(UNAVAILABLE);
    List<String> inserted = new ArrayList<>(names);
    inserted.addAll(List.of(VALID_FROM, VALID_TO, IS_CURRENT, UNAVAILABLE));
    List<String> primaryKey = new ArrayList<>(keys);
    primaryKey.add(Identifiers.POSITION);
    return "INSERT INTO "
        + quote(historyTable(table))
        + " ("
        + quoted(inserted)
        + ") SELECT "
        + selected
        + " FROM "
        + quote(stage)
        + " ON CONFLICT ("
        + quoted(primaryKey)
        + ") DO NOTHING";
  }

  /** The distinct {@code _unavailable} lists in the history of the keys in the stage. */
  String unavailableInHistory(String table, String stage, List<String> keys) {
    return "SELECT DISTINCT "
        + quote(UNAVAILABLE)
        + " FROM "
        + quote(historyTable(table))
        + " AS t WHERE "
        + quote(UNAVAILABLE)
        + " IS NOT NULL AND "
        + touched("t", stage, keys);
  }

  /** Rows of the history of the keys in the stage. */
  private String touched(String historyAlias, String stage, List<String> keys) {
    return "EXISTS (SELECT 1 FROM "
        + quote(stage)
        + " s WHERE "
        + keys.stream()
            .map(k -> "s." + quote(k) + " = " + historyAlias + "." + quote(k))
            .collect(Collectors.joining(" AND "))
        + ")";
  }

  /**
   * Gives every version of {@code column} it did not carry the value of the newest version before
   * it that did (or that deleted the row, after which there is none), for the keys in the stage.
   */
  String fillHistoryUnavailable(String table, String stage, List<String> keys, String column) {
    String history = quote(historyTable(table));
    String partition = quoted(keys);
    String keysMatch =
        keys.stream()
            .map(k -> "h." + quote(k) + " = f." + quote(k))
            .collect(Collectors.joining(" AND "));
    String carried =
        "CASE WHEN "
            + quote(Identifiers.DELETED)
            + " OR "
            + quote(UNAVAILABLE)
            + " IS NULL OR strpos("
            + quote(UNAVAILABLE)
            + ", ?) = 0 THEN 1 ELSE 0 END";
    return "UPDATE "
        + history
        + " AS h SET "
        + quote(column)
        + " = f.filled FROM (SELECT "
        + partition
        + ", "
        + quote(Identifiers.POSITION)
        + ", FIRST_VALUE("
        + quote(column)
        + ") OVER (PARTITION BY "
        + partition
        + ", grp ORDER BY "
        + quote(Identifiers.POSITION)
        + ") AS filled FROM (SELECT *, SUM("
        + carried
        + ") OVER (PARTITION BY "
        + partition
        + " ORDER BY "
        + quote(Identifiers.POSITION)
        + " ROWS UNBOUNDED PRECEDING) AS grp FROM "
        + history
        + " AS t WHERE "
        + touched("t", stage, keys)
        + ") g) f WHERE "
        + keysMatch
        + " AND h."
        + quote(Identifiers.POSITION)
        + " = f."
        + quote(Identifiers.POSITION)
        + " AND strpos(h."
        + quote(UNAVAILABLE)
        + ", ?) > 0";
  }

  /**
   * Recomputes {@code valid_to} and {@code is_current} of the keys in the stage from the order of
   * their versions (of every key when {@code stage} is null): a version is valid until the next one
   * (a deletion included) and current when it is the last and not a deletion. A back-dated version
   * splits the interval it falls in.
   */
  String recomputeHistoryIntervals(String table, @Nullable String stage, List<String> keys) {
    String history = quote(historyTable(table));
    String partition = quoted(keys);
    String window =
        " OVER (PARTITION BY " + partition + " ORDER BY " + quote(Identifiers.POSITION) + ")";
    String keysMatch =
        keys.stream()
            .map(k -> "h." + quote(k) + " = w." + quote(k))
            .collect(Collectors.joining(" AND "));
    return "UPDATE "
        + history
        + " AS h SET "
        + quote(VALID_TO)
        + " = w.next_from, "
        + quote(IS_CURRENT)
        + " = w.current FROM (SELECT "
        + partition
        + ", "
        + quote(Identifiers.POSITION)
        + ", LEAD("
        + quote(VALID_FROM)
        + ")"
        + window
        + " AS next_from, (LEAD("
        + quote(Identifiers.POSITION)
        + ")"
        + window
        + " IS NULL AND NOT "
        + quote(Identifiers.DELETED)
        + ") AS current FROM "
        + history
        + " AS t WHERE "
        + (stage == null ? "true" : touched("t", stage, keys))
        + ") w WHERE "
        + keysMatch
        + " AND h."
        + quote(Identifiers.POSITION)
        + " = w."
        + quote(Identifiers.POSITION)
        + " AND (h."
        + quote(VALID_TO)
        + " IS DISTINCT FROM w.next_from OR h."
        + quote(IS_CURRENT)
        + " IS DISTINCT FROM w.current)";
  }

  /** Where truncations of source tables are kept, so that later writes can honour them. */
  static final String TRUNCATIONS_TABLE = "starflow_truncations";

  String createTruncationsTable() {
    return "CREATE TABLE IF NOT EXISTS "
        + quote(TRUNCATIONS_TABLE)
        + " (table_name "
        + textType()
        + " NOT NULL, "
        + quote(Identifiers.POSITION)
        + " "
        + positionType()
        + " NOT NULL, "
        + quote(Identifiers.EVENT_TIME)
        + " "
        + sqlType(ColumnType.TIMESTAMPTZ)
        + " NOT NULL, PRIMARY KEY (table_name, "
        + quote(Identifiers.POSITION)
        + "))";
  }

  /** Binds table, position, event time. */
  String insertTruncation() {
    return "INSERT INTO "
        + quote(TRUNCATIONS_TABLE)
        + " (table_name, "
        + quote(Identifiers.POSITION)
        + ", "
        + quote(Identifiers.EVENT_TIME)
        + ") VALUES (?, ?, ?) ON CONFLICT DO NOTHING";
  }

  /** The latest truncation of the bound table: position and event time. */
  String latestTruncation() {
    return "SELECT "
        + quote(Identifiers.POSITION)
        + ", "
        + quote(Identifiers.EVENT_TIME)
        + " FROM "
        + quote(TRUNCATIONS_TABLE)
        + " WHERE table_name = ? ORDER BY "
        + quote(Identifiers.POSITION)
        + " DESC LIMIT 1";
  }

  /** Takes the lock that keeps writes of {@code table} out while it is truncated; null if none. */
  @Nullable
  String lockForTruncation(String table) {
    return null;
  }

  /**
   * Makes every row of {@code table} (a mirror table or a stage) older than the bound position a
   * tombstone at that position: binds position, event time, position. Only the key is kept, so the
   * tombstone is the same whatever version it replaced.
   */
  String truncateRows(String table, List<String> keys, List<TableColumn> columns, boolean stage) {
    List<String> assignments = new ArrayList<>();
    for (TableColumn column : columns) {
      if (!keys.contains(column.name())) {
        assignments.add(quote(column.name()) + " = NULL");
      }
    }
    assignments.add(quote(Identifiers.DELETED) + " = true");
    assignments.add(quote(Identifiers.OP) + " = 't'");
    assignments.add(quote(Identifiers.POSITION) + " = ?");
    assignments.add(quote(Identifiers.EVENT_TIME) + " = ?");
    if (stage) {
      assignments.add(quote(UNAVAILABLE) + " = NULL");
    }
    return "UPDATE "
        + quote(table)
        + " SET "
        + String.join(", ", assignments)
        + " WHERE "
        + quote(Identifiers.POSITION)
        + " < ?";
  }

  /**
   * Adds a deletion at the bound truncation (position, event time) for every key of the history
   * with a version before it (binds position, event time, position).
   */
  String truncateHistory(String table, List<String> keys) {
    return "INSERT INTO "
        + quote(historyTable(table))
        + " ("
        + truncationColumns(keys)
        + ") SELECT DISTINCT "
        + quoted(keys)
        + ", ?, true, 't', ?, "
        + nulls()
        + " FROM "
        + quote(historyTable(table))
        + " WHERE "
        + quote(Identifiers.POSITION)
        + " < ?"
        + onHistoryConflict(keys);
  }

  /**
   * Adds a deletion at every truncation of the table (bound) that comes after a staged version of a
   * key: the history of a key truncated before its older versions arrived.
   */
  String truncationsOfStagedVersions(String table, String stage, List<String> keys) {
    return "INSERT INTO "
        + quote(historyTable(table))
        + " ("
        + truncationColumns(keys)
        + ") SELECT DISTINCT "
        + keys.stream().map(k -> "s." + quote(k)).collect(Collectors.joining(", "))
        + ", t."
        + quote(Identifiers.POSITION)
        + ", true, 't', t."
        + quote(Identifiers.EVENT_TIME)
        + ", "
        + nulls()
        + " FROM "
        + quote(stage)
        + " s JOIN "
        + quote(TRUNCATIONS_TABLE)
        + " t ON t.table_name = ? AND s."
        + quote(Identifiers.POSITION)
        + " < t."
        + quote(Identifiers.POSITION)
        + onHistoryConflict(keys);
  }

  /** valid_to, is_current and _unavailable of a deletion, typed (a bare NULL is text to some). */
  private String nulls() {
    return "CAST(NULL AS "
        + sqlType(ColumnType.TIMESTAMPTZ)
        + "), false, CAST(NULL AS "
        + textType()
        + ")";
  }

  private String truncationColumns(List<String> keys) {
    return quoted(keys)
        + ", "
        + quoted(
            List.of(
                Identifiers.POSITION,
                Identifiers.DELETED,
                Identifiers.OP,
                VALID_FROM,
                VALID_TO,
                IS_CURRENT,
                UNAVAILABLE));
  }

  private String onHistoryConflict(List<String> keys) {
    List<String> primaryKey = new ArrayList<>(keys);
    primaryKey.add(Identifiers.POSITION);
    return " ON CONFLICT (" + quoted(primaryKey) + ") DO NOTHING";
  }

  public String insertDeadLetterSql() {
    return "INSERT INTO "
        + quote(DEAD_LETTER_TABLE)
        + " (id, stage, source, reason, raw_record, failed_at) VALUES (?, ?, ?, ?, ?, ?)"
        + " ON CONFLICT (id) DO NOTHING";
  }

  /** Receives staged rows, one value per stage column, already of the column's Java class. */
  interface StageWriter extends AutoCloseable {
    void append(Object[] row) throws SQLException;

    /** Makes every appended row visible to the next statement on the connection. */
    @Override
    void close() throws SQLException;
  }

  @Override
  public String toString() {
    return name();
  }
}
