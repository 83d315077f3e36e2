package io.starflow.transforms.warehouse;

import io.starflow.schemas.ColumnType;
import io.starflow.schemas.Identifiers;
import java.io.Serializable;
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
public abstract class SqlDialect implements Serializable {
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
            + url.replaceAll("(?i)password=[^&;]*", "password=***")
            + "': use jdbc:duckdb:FILE or jdbc:postgresql://HOST:PORT/DB?user=USER");
  }

  public abstract String name();

  abstract void loadDriver();

  /** The SQL type a column of {@code type} is created with. */
  public String sqlType(ColumnType type) {
    switch (type.kind()) {
      case BOOLEAN:
        return "BOOLEAN";
      case SMALLINT:
        return "SMALLINT";
      case INTEGER:
        return "INTEGER";
      case BIGINT:
        return "BIGINT";
      case REAL:
        return realType();
      case DOUBLE:
        return doubleType();
      case DECIMAL:
        return decimalType(type);
      case STRING:
        return textType();
      case BYTES:
        return bytesType();
      case DATE:
        return "DATE";
      case TIME:
        return "TIME";
      case TIMESTAMP:
        return "TIMESTAMP";
      case TIMESTAMPTZ:
        return "TIMESTAMPTZ";
      case JSON:
        return "JSON";
      case UUID:
        return "UUID";
    }
    throw new AssertionError(type);
  }

  abstract String decimalType(ColumnType type);

  abstract String realType();

  abstract String doubleType();

  abstract String bytesType();

  /** Column definitions, {@code "name" TYPE, ...}, for a table of {@code columns}. */
  String definitions(List<TableColumn> columns) {
    return columns.stream()
        .map(c -> quote(c.name()) + " " + sqlType(c.type()))
        .collect(Collectors.joining(", "));
  }

  /** The type of {@code _position}: text that sorts byte-wise. */
  abstract String positionType();

  abstract String textType();

  /** The column type of an existing column, from {@code information_schema.columns}. */
  abstract ColumnType columnTypeOf(
      String dataType, @Nullable Integer precision, @Nullable Integer scale);

  /** Largest decimal precision the warehouse stores. */
  abstract int maxDecimalPrecision();

  /** Whether a string may hold the NUL character. */
  abstract boolean allowsNulCharacter();

  /** Takes the lock that serializes DDL across writers, for the current transaction. */
  abstract void lockForDdl(Connection connection) throws SQLException;

  /** Whether a failed transaction may simply be run again (serialization failure, deadlock). */
  abstract boolean isRetryable(SQLException e);

  abstract String createStage(String stage, List<TableColumn> columns);

  /** Empties the stage after a batch, whether it committed or not. Null when nothing is needed. */
  abstract @Nullable String clearStage(String stage);

  abstract StageWriter openStage(Connection connection, String stage, List<TableColumn> columns)
      throws SQLException;

  public String quote(String identifier) {
    return '"' + Identifiers.check("identifier", identifier) + '"';
  }

  /** The columns of a mirror table that follow the source's own. */
  List<TableColumn> metadataColumns() {
    return List.of(
        TableColumn.of(Identifiers.POSITION, ColumnType.STRING),
        TableColumn.of(Identifiers.DELETED, ColumnType.BOOLEAN),
        TableColumn.of(Identifiers.OP, ColumnType.STRING),
        TableColumn.of(Identifiers.EVENT_TIME, ColumnType.TIMESTAMPTZ));
  }

  public String createMirrorTable(String table, List<String> keys, List<TableColumn> columns) {
    List<String> definitions = new ArrayList<>();
    for (TableColumn column : columns) {
      definitions.add(
          quote(column.name())
              + " "
              + sqlType(column.type())
              + (keys.contains(column.name()) ? " NOT NULL" : ""));
    }
    definitions.add(quote(Identifiers.POSITION) + " " + positionType() + " NOT NULL");
    definitions.add(quote(Identifiers.DELETED) + " BOOLEAN NOT NULL");
    definitions.add(quote(Identifiers.OP) + " " + textType() + " NOT NULL");
    definitions.add(quote(Identifiers.EVENT_TIME) + " TIMESTAMPTZ NOT NULL");
    definitions.add("PRIMARY KEY (" + quoted(keys) + ")");
    return "CREATE TABLE IF NOT EXISTS "
        + quote(table)
        + " (\n  "
        + String.join(",\n  ", definitions)
        + "\n)";
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

  public String createDeadLetterTableSql() {
    String text = textType();
    return "CREATE TABLE IF NOT EXISTS "
        + quote(DEAD_LETTER_TABLE)
        + " (\n  "
        + String.join(
            ",\n  ",
            quote("id") + " " + text + " PRIMARY KEY",
            quote("stage") + " " + text + " NOT NULL",
            quote("source") + " " + text + " NOT NULL",
            quote("reason") + " " + text + " NOT NULL",
            quote("raw_record") + " " + text,
            quote("failed_at") + " TIMESTAMPTZ NOT NULL")
        + "\n)";
  }

  public String insertDeadLetterSql() {
    return "INSERT INTO "
        + quote(DEAD_LETTER_TABLE)
        + " (id, stage, source, reason, raw_record, failed_at) VALUES (?, ?, ?, ?, ?, ?)"
        + " ON CONFLICT (id) DO NOTHING";
  }

  String quoted(List<String> names) {
    return names.stream().map(this::quote).collect(Collectors.joining(", "));
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
