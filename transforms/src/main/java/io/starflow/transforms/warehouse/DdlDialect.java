package io.starflow.transforms.warehouse;

import io.starflow.schemas.ColumnType;
import io.starflow.schemas.Identifiers;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

/**
 * How one kind of warehouse names types and declares tables: all Starflow needs to write a
 * warehouse's DDL, also for warehouses it does not connect to itself.
 */
public abstract class DdlDialect implements Serializable {
  public abstract String name();

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

  /** {@code CREATE TABLE IF NOT EXISTS} of {@code name} with the column and key definitions. */
  String createTable(String name, List<String> definitions) {
    return "CREATE TABLE IF NOT EXISTS "
        + quote(name)
        + " (\n  "
        + String.join(",\n  ", definitions)
        + "\n)";
  }

  /** The type of {@code _position}: text that sorts byte-wise. */
  abstract String positionType();

  abstract String textType();

  public String quote(String identifier) {
    return '"' + Identifiers.check("identifier", identifier) + '"';
  }

  String quoted(List<String> names) {
    return names.stream().map(this::quote).collect(Collectors.joining(", "));
  }

  /** The table constraint that declares {@code keys} the primary key. */
  String primaryKey(List<String> keys) {
    return "PRIMARY KEY (" + quoted(keys) + ")";
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
    definitions.add(quote(Identifiers.DELETED) + " " + sqlType(ColumnType.BOOLEAN) + " NOT NULL");
    definitions.add(quote(Identifiers.OP) + " " + textType() + " NOT NULL");
    definitions.add(
        quote(Identifiers.EVENT_TIME) + " " + sqlType(ColumnType.TIMESTAMPTZ) + " NOT NULL");
    definitions.add(primaryKey(keys));
    return "CREATE TABLE IF NOT EXISTS "
        + quote(table)
        + " (\n  "
        + String.join(",\n  ", definitions)
        + "\n)";
  }

  /**
   * A history table: the source's columns, {@code _position}, {@code _deleted} (a row that marks a
   * deletion), {@code _op}, {@code valid_from} (commit time), {@code valid_to} (the next version's
   * valid_from, null while current), {@code is_current}, and {@code _unavailable} (the columns this
   * version did not carry, filled from the version before it).
   */
  public String createHistoryTable(String table, List<String> keys, List<TableColumn> columns) {
    List<String> definitions = new ArrayList<>();
    for (TableColumn column : columns) {
      definitions.add(
          quote(column.name())
              + " "
              + sqlType(column.type())
              + (keys.contains(column.name()) ? " NOT NULL" : ""));
    }
    definitions.add(quote(Identifiers.POSITION) + " " + positionType() + " NOT NULL");
    definitions.add(quote(Identifiers.DELETED) + " " + sqlType(ColumnType.BOOLEAN) + " NOT NULL");
    definitions.add(quote(Identifiers.OP) + " " + textType() + " NOT NULL");
    definitions.add(
        quote(SqlDialect.VALID_FROM) + " " + sqlType(ColumnType.TIMESTAMPTZ) + " NOT NULL");
    definitions.add(quote(SqlDialect.VALID_TO) + " " + sqlType(ColumnType.TIMESTAMPTZ));
    definitions.add(quote(SqlDialect.IS_CURRENT) + " " + sqlType(ColumnType.BOOLEAN) + " NOT NULL");
    definitions.add(quote(SqlDialect.UNAVAILABLE) + " " + textType());
    if (historyPrimaryKey()) {
      List<String> primaryKey = new ArrayList<>(keys);
      primaryKey.add(Identifiers.POSITION);
      definitions.add(primaryKey(primaryKey));
    }
    return "CREATE TABLE IF NOT EXISTS "
        + quote(SqlDialect.historyTable(table))
        + " (\n  "
        + String.join(",\n  ", definitions)
        + "\n)";
  }

  /**
   * The keys of {@code table} whose history changed since its star was last refreshed: one row per
   * key and history write, no primary key (writers only append, a refresh deletes what it read).
   */
  public String createTouchedTable(String table, List<TableColumn> keyColumns) {
    List<String> definitions = new ArrayList<>();
    for (TableColumn column : keyColumns) {
      definitions.add(quote(column.name()) + " " + sqlType(column.type()) + " NOT NULL");
    }
    return "CREATE TABLE IF NOT EXISTS "
        + quote(SqlDialect.touchedTable(table))
        + " (\n  "
        + String.join(",\n  ", definitions)
        + "\n)";
  }

  /** Whether history tables declare their primary key, (natural key, position). */
  boolean historyPrimaryKey() {
    return true;
  }

  public String createDeadLetterTableSql() {
    String text = textType();
    return "CREATE TABLE IF NOT EXISTS "
        + quote(SqlDialect.DEAD_LETTER_TABLE)
        + " (\n  "
        + String.join(
            ",\n  ",
            quote("id") + " " + text + " NOT NULL",
            quote("stage") + " " + text + " NOT NULL",
            quote("source") + " " + text + " NOT NULL",
            quote("reason") + " " + text + " NOT NULL",
            quote("raw_record") + " " + text,
            quote("failed_at") + " " + sqlType(ColumnType.TIMESTAMPTZ) + " NOT NULL",
            primaryKey(List.of("id")))
        + "\n)";
  }
}
