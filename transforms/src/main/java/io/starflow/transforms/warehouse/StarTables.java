package io.starflow.transforms.warehouse;

import io.starflow.schemas.ColumnType;
import io.starflow.schemas.Identifiers;
import io.starflow.schemas.model.ColumnRef;
import io.starflow.schemas.model.DateDimensionModel;
import io.starflow.schemas.model.DimensionModel;
import io.starflow.schemas.model.FactModel;
import io.starflow.schemas.model.SourceModel;
import io.starflow.schemas.model.WarehouseModel;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * The tables a warehouse model makes: a mirror and a history table per source, then its dimensions,
 * date dimension and facts, with their columns, and the DDL that creates them.
 */
public final class StarTables {
  static final String IS_INFERRED = "is_inferred";
  static final String IS_DELETED = "is_deleted";

  /** The surrogate key of every dimension's unknown member and of dim_date's unknown day. */
  public static final long UNKNOWN_KEY = 0;

  private StarTables() {}

  /** A table of the star: its columns, which of them may not be null, and its primary key. */
  static final class Table {
    final String name;
    final List<TableColumn> columns;
    final Set<String> notNull;
    final List<String> primaryKey;

    Table(String name, List<TableColumn> columns, Set<String> notNull, List<String> primaryKey) {
      this.name = name;
      this.columns = List.copyOf(columns);
      this.notNull = Set.copyOf(notNull);
      this.primaryKey = List.copyOf(primaryKey);
    }

    List<String> columnNames() {
      List<String> names = new ArrayList<>();
      columns.forEach(c -> names.add(c.name()));
      return names;
    }

    String create(DdlDialect dialect) {
      List<String> definitions = new ArrayList<>();
      for (TableColumn column : columns) {
        String type =
            column.name().equals(Identifiers.POSITION)
                ? dialect.positionType()
                : dialect.sqlType(column.type());
        definitions.add(
            dialect.quote(column.name())
                + " "
                + type
                + (notNull.contains(column.name()) ? " NOT NULL" : ""));
      }
      definitions.add(dialect.primaryKey(primaryKey));
      return dialect.createTable(name, definitions);
    }
  }

  /**
   * Every CREATE TABLE statement of the model, sources first (mirror, history, and the keys history
   * writes touched), in dependency order.
   */
  public static List<String> ddl(WarehouseModel model, DdlDialect dialect) {
    List<String> statements = new ArrayList<>();
    for (SourceModel source : model.sources().values()) {
      List<TableColumn> columns = sourceColumns(source);
      statements.add(dialect.createMirrorTable(source.name(), source.key(), columns));
      statements.add(dialect.createHistoryTable(source.name(), source.key(), columns));
      List<TableColumn> keys = new ArrayList<>();
      source.key().forEach(key -> keys.add(TableColumn.of(key, source.columnType(key))));
      statements.add(dialect.createTouchedTable(source.name(), keys));
    }
    for (Table table : starTables(model)) {
      statements.add(table.create(dialect));
    }
    return statements;
  }

  /** The dimensions, date dimension and facts, in the order they are refreshed. */
  static List<Table> starTables(WarehouseModel model) {
    List<Table> tables = new ArrayList<>();
    for (DimensionModel dimension : model.dimensions().values()) {
      tables.add(dimension(model, dimension));
    }
    if (model.dateDimension() != null) {
      tables.add(dateDimension(model.dateDimension()));
    }
    for (FactModel fact : model.facts().values()) {
      tables.add(fact(model, fact));
    }
    return tables;
  }

  static List<TableColumn> sourceColumns(SourceModel source) {
    List<TableColumn> columns = new ArrayList<>();
    source.columns().forEach((name, type) -> columns.add(TableColumn.of(name, type)));
    return columns;
  }

  /**
   * A type 2 dimension: surrogate key, natural key, attributes, {@code valid_from}, {@code
   * valid_to}, {@code is_current}, {@code is_inferred}, {@code _position} (of the change that
   * opened the version). A type 1 dimension has {@code is_deleted} instead of the interval.
   */
  static Table dimension(WarehouseModel model, DimensionModel dimension) {
    SourceModel source = model.source(dimension.source());
    List<TableColumn> columns = new ArrayList<>();
    columns.add(TableColumn.of(dimension.surrogateKey(), ColumnType.BIGINT));
    for (String key : dimension.naturalKey()) {
      columns.add(TableColumn.of(key, source.columnType(key)));
    }
    for (String attribute : dimension.attributes()) {
      columns.add(TableColumn.of(attribute, source.columnType(attribute)));
    }
    Set<String> notNull = new LinkedHashSet<>(List.of(dimension.surrogateKey(), IS_INFERRED));
    if (dimension.scd() == 2) {
      columns.add(TableColumn.of(SqlDialect.VALID_FROM, ColumnType.TIMESTAMPTZ));
      columns.add(TableColumn.of(SqlDialect.VALID_TO, ColumnType.TIMESTAMPTZ));
      columns.add(TableColumn.of(SqlDialect.IS_CURRENT, ColumnType.BOOLEAN));
      notNull.add(SqlDialect.VALID_FROM);
      notNull.add(SqlDialect.IS_CURRENT);
    } else {
      columns.add(TableColumn.of(IS_DELETED, ColumnType.BOOLEAN));
      notNull.add(IS_DELETED);
    }
    columns.add(TableColumn.of(IS_INFERRED, ColumnType.BOOLEAN));
    columns.add(TableColumn.of(Identifiers.POSITION, ColumnType.STRING));
    return new Table(dimension.name(), columns, notNull, List.of(dimension.surrogateKey()));
  }

  /** The calendar: one row per day, keyed {@code yyyymmdd}, and the unknown day 0. */
  static Table dateDimension(DateDimensionModel date) {
    List<TableColumn> columns =
        List.of(
            TableColumn.of(DateDimensionModel.KEY, ColumnType.INTEGER),
            TableColumn.of("date", ColumnType.DATE),
            TableColumn.of("year", ColumnType.INTEGER),
            TableColumn.of("quarter", ColumnType.INTEGER),
            TableColumn.of("month", ColumnType.INTEGER),
            TableColumn.of("month_name", ColumnType.STRING),
            TableColumn.of("day_of_month", ColumnType.INTEGER),
            TableColumn.of("day_of_week", ColumnType.INTEGER),
            TableColumn.of("day_name", ColumnType.STRING),
            TableColumn.of("iso_week", ColumnType.INTEGER),
            TableColumn.of("is_weekend", ColumnType.BOOLEAN));
    return new Table(
        date.name(), columns, Set.of(DateDimensionModel.KEY), List.of(DateDimensionModel.KEY));
  }

  /**
   * A fact: its grain (the source's key), one surrogate key per dimension, the event time and the
   * measures.
   */
  static Table fact(WarehouseModel model, FactModel fact) {
    SourceModel source = model.source(fact.source());
    List<TableColumn> columns = new ArrayList<>();
    Set<String> notNull = new LinkedHashSet<>(fact.grain());
    for (String key : fact.grain()) {
      columns.add(TableColumn.of(key, source.columnType(key)));
    }
    for (FactModel.DimensionRef reference : fact.dimensions()) {
      String column = surrogateKeyColumn(model, reference);
      boolean date = column.equals(DateDimensionModel.KEY);
      columns.add(TableColumn.of(column, date ? ColumnType.INTEGER : ColumnType.BIGINT));
      notNull.add(column);
    }
    if (fact.eventTime() != null) {
      columns.add(TableColumn.of(fact.eventTime().column(), typeOf(model, fact.eventTime())));
    }
    for (ColumnRef measure : fact.measures()) {
      columns.add(TableColumn.of(measure.column(), typeOf(model, measure)));
    }
    return new Table(fact.name(), columns, notNull, fact.grain());
  }

  static String surrogateKeyColumn(WarehouseModel model, FactModel.DimensionRef reference) {
    DimensionModel dimension = model.dimensions().get(reference.dimension());
    return dimension == null ? DateDimensionModel.KEY : dimension.surrogateKey();
  }

  static ColumnType typeOf(WarehouseModel model, ColumnRef ref) {
    return model.source(ref.source()).columnType(ref.column());
  }
}
