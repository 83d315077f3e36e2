package io.starflow.transforms.warehouse;

import io.starflow.schemas.ColumnType;
import io.starflow.schemas.Identifiers;
import io.starflow.schemas.model.ColumnRef;
import io.starflow.schemas.model.DateDimensionModel;
import io.starflow.schemas.model.DimensionModel;
import io.starflow.schemas.model.FactModel;
import io.starflow.schemas.model.WarehouseModel;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * Builds a model's dimensions and facts from the history tables, set-based in the warehouse, in one
 * transaction.
 *
 * <p>Each table's rows are computed whole from history and compared with what the table holds: rows
 * that differ are updated, missing rows inserted, rows no longer derived deleted. So a refresh
 * writes only what changed (a back-dated dimension change re-keys just the facts it affects), and
 * running it again, or after the same input arrived in another order or in several runs, leaves
 * identical tables.
 *
 * <p>Type 2 dimension: the changes of a key, ordered by position, open a version at the first
 * change, after a deletion, and whenever an attribute in {@code versioned_by} differs from the
 * change before; the other attributes take the values of the last change within the version. A
 * version is valid from its opening change's commit time until the next version or deletion (the
 * key's first version from {@value #BEGINNING}, so that facts older than the first change seen,
 * such as a snapshot's, find it; also after a first change that was a deletion). Surrogate keys are
 * {@link StarKeys} of the natural key and the opening position. Each dimension has an unknown
 * member (key 0) and an inferred member (key of the natural key and an empty position, {@code
 * is_inferred}) for every natural key a fact uses that its source has not delivered yet; it gives
 * way to the real versions when they arrive.
 *
 * <p>Facts: one row per live row of the fact's source, joined to the live rows of its lookups; each
 * type 2 dimension key is the version with the latest {@code valid_from} at or before the event
 * time (the version valid then, or the last one before the key was deleted); a null natural key
 * gives the unknown member, a null event time the latest version.
 */
public final class StarRefresh {
  /** Where every key's first version starts. */
  static final String BEGINNING = "1900-01-01 00:00:00+00";

  private static final String END = "9999-12-31 00:00:00+00";
  private static final String SCRATCH = "_starflow_refresh";

  private final Warehouse warehouse;
  private final WarehouseModel model;
  private final SqlDialect dialect;

  public StarRefresh(Warehouse warehouse, WarehouseModel model) {
    this.warehouse = warehouse;
    this.model = model;
    this.dialect = warehouse.dialect();
  }

  /** Creates the model's mirror, history, dimension and fact tables that do not exist yet. */
  public void createTables(Connection connection) throws SQLException {
    warehouse.executeDdl(connection, StarTables.ddl(model, dialect).toArray(new String[0]));
  }

  /**
   * Brings every dimension and fact of the model up to date with the history tables, in one
   * transaction on a session of its own (see {@link #refresh(WarehouseSession)}).
   */
  public Map<String, Long> refresh() throws SQLException {
    try (WarehouseSession session = WarehouseSession.open(warehouse)) {
      return refresh(session);
    }
  }

  /**
   * Brings every dimension and fact of the model up to date with the history tables, in one
   * transaction (run again if the warehouse reports a transient conflict or the connection is
   * lost). Returns the rows changed per table.
   */
  public Map<String, Long> refresh(WarehouseSession session) throws SQLException {
    session.executeDdl(StarTables.ddl(model, dialect).toArray(new String[0]));
    return session.inTransaction(
        WarehouseLocks.forDdl(warehouse),
        c -> {
          dialect.lockForDdl(c);
          Map<String, Long> changed = new LinkedHashMap<>();
          int n = 0;
          for (StarTables.Table table : StarTables.starTables(model)) {
            changed.put(table.name, apply(c, table, desiredRows(table), SCRATCH + n++));
          }
          return changed;
        },
        c -> {});
  }

  /** Makes {@code table} hold exactly the rows of {@code desired}; returns the rows changed. */
  private long apply(Connection connection, StarTables.Table table, String desired, String scratch)
      throws SQLException {
    List<String> columns = table.columnNames();
    String target = q(table.name);
    String keysMatch =
        table.primaryKey.stream()
            .map(k -> "d." + q(k) + " = " + target + "." + q(k))
            .collect(Collectors.joining(" AND "));
    String changedColumns =
        columns.stream()
            .filter(c -> !table.primaryKey.contains(c))
            .map(c -> "target." + q(c) + " IS DISTINCT FROM EXCLUDED." + q(c))
            .collect(Collectors.joining(" OR "));
    String assignments =
        columns.stream()
            .filter(c -> !table.primaryKey.contains(c))
            .map(c -> q(c) + " = EXCLUDED." + q(c))
            .collect(Collectors.joining(", "));
    try (Statement statement = connection.createStatement()) {
      statement.execute(dialect.createScratchLike(scratch, table.name));
      statement.executeUpdate(
          "INSERT INTO " + q(scratch) + " (" + dialect.quoted(columns) + ") " + desired);
      long changed =
          statement.executeUpdate(
              "DELETE FROM "
                  + target
                  + " WHERE NOT EXISTS (SELECT 1 FROM "
                  + q(scratch)
                  + " d WHERE "
                  + keysMatch
                  + ")");
      changed +=
          statement.executeUpdate(
              "INSERT INTO "
                  + target
                  + " AS target ("
                  + dialect.quoted(columns)
                  + ") SELECT "
                  + dialect.quoted(columns)
                  + " FROM "
                  + q(scratch)
                  + " ON CONFLICT ("
                  + dialect.quoted(table.primaryKey)
                  + ") DO UPDATE SET "
                  + assignments
                  + " WHERE "
                  + changedColumns);
      return changed;
    }
  }

  /** The query that gives the rows {@code table} should hold, in its column order. */
  String desiredRows(StarTables.Table table) {
    DimensionModel dimension = model.dimensions().get(table.name);
    if (dimension != null) {
      return dimension.scd() == 2 ? versionedDimension(dimension) : typeOneDimension(dimension);
    }
    if (model.dateDimension() != null && model.dateDimension().name().equals(table.name)) {
      return dates(model.dateDimension());
    }
    return fact(model.facts().get(table.name));
  }

  private String versionedDimension(DimensionModel dimension) {
    List<String> key = dimension.naturalKey();
    String keys = dialect.quoted(key);
    String position = q(Identifiers.POSITION);
    List<String> tracked = dimension.versionedBy();
    StringBuilder lags = new StringBuilder();
    StringBuilder differs = new StringBuilder();
    for (int i = 0; i < tracked.size(); i++) {
      lags.append(", LAG(").append(q(tracked.get(i))).append(") OVER w AS _prev_").append(i);
      differs.append(" OR ").append(q(tracked.get(i))).append(" IS DISTINCT FROM _prev_").append(i);
    }
    String history =
        "_h AS (SELECT "
            + keys
            + ", "
            + dialect.quoted(dimension.attributes())
            + ", "
            + position
            + ", "
            + q(Identifiers.DELETED)
            + ", "
            + q(SqlDialect.VALID_FROM)
            + ", ROW_NUMBER() OVER w AS _rn, LAG("
            + q(Identifiers.DELETED)
            + ") OVER w AS _prev_deleted"
            + lags
            + " FROM "
            + q(SqlDialect.historyTable(dimension.source()))
            + " WINDOW w AS (PARTITION BY "
            + keys
            + " ORDER BY "
            + position
            + "))";
    String groups =
        "_g AS (SELECT _h.*, SUM(CASE WHEN _rn = 1 OR "
            + q(Identifiers.DELETED)
            + " OR COALESCE(_prev_deleted, false)"
            + differs
            + " THEN 1 ELSE 0 END) OVER (PARTITION BY "
            + keys
            + " ORDER BY "
            + position
            + " ROWS UNBOUNDED PRECEDING) AS _grp FROM _h)";
    String spans =
        "_s AS (SELECT _g.*, FIRST_VALUE("
            + position
            + ") OVER p AS _open_pos, FIRST_VALUE("
            + q(SqlDialect.VALID_FROM)
            + ") OVER p AS _open_from, ROW_NUMBER() OVER (PARTITION BY "
            + keys
            + ", _grp ORDER BY "
            + position
            + " DESC) AS _last FROM _g WINDOW p AS (PARTITION BY "
            + keys
            + ", _grp ORDER BY "
            + position
            + "))";
    String versions =
        "_v AS (SELECT _s.*, LEAD(_open_from) OVER o AS _next_from, LEAD(_open_pos) OVER o AS"
            + " _next_pos FROM _s WHERE _last = 1 WINDOW o AS"
            + " (PARTITION BY "
            + keys
            + " ORDER BY _open_pos))";
    String live =
        "_live AS (SELECT "
            + surrogateKey(prefixed("", key), "_open_pos")
            + " AS "
            + q(dimension.surrogateKey())
            + ", "
            + keys
            + ", "
            + dialect.quoted(dimension.attributes())
            + ", CASE WHEN ROW_NUMBER() OVER (PARTITION BY "
            + keys
            + " ORDER BY _open_pos) = 1 THEN "
            + timestamp(BEGINNING)
            + " ELSE _open_from END AS "
            + q(SqlDialect.VALID_FROM)
            + ", _next_from AS "
            + q(SqlDialect.VALID_TO)
            + ", _next_pos IS NULL AS "
            + q(SqlDialect.IS_CURRENT)
            + ", false AS "
            + q(StarTables.IS_INFERRED)
            + ", _open_pos AS "
            + position
            + " FROM _v WHERE NOT "
            + q(Identifiers.DELETED)
            + ")";
    String memberColumns = timestamp(BEGINNING) + ", NULL, true, true";
    return "WITH "
        + String.join(", ", history, groups, spans, versions, live, references(dimension))
        + " SELECT * FROM _live"
        + inferredMembers(dimension, memberColumns)
        + " UNION ALL SELECT "
        + StarTables.UNKNOWN_KEY
        + nulls(key.size() + dimension.attributes().size())
        + ", "
        + timestamp(BEGINNING)
        + ", NULL, true, false, NULL";
  }

  private String typeOneDimension(DimensionModel dimension) {
    List<String> key = dimension.naturalKey();
    String keys = dialect.quoted(key);
    String position = q(Identifiers.POSITION);
    String deleted = q(Identifiers.DELETED);
    String history =
        "_h AS (SELECT "
            + keys
            + ", "
            + dialect.quoted(dimension.attributes())
            + ", "
            + position
            + ", "
            + deleted
            + ", ROW_NUMBER() OVER (PARTITION BY "
            + keys
            + " ORDER BY "
            + position
            + " DESC) AS _newest, ROW_NUMBER() OVER (PARTITION BY "
            + keys
            + " ORDER BY CASE WHEN "
            + deleted
            + " THEN 1 ELSE 0 END, "
            + position
            + " DESC) AS _newest_live FROM "
            + q(SqlDialect.historyTable(dimension.source()))
            + ")";
    String live =
        "_live AS (SELECT "
            + surrogateKey(prefixed("l.", key), "''")
            + " AS "
            + q(dimension.surrogateKey())
            + ", "
            + String.join(", ", prefixed("l.", key))
            + ", "
            + String.join(", ", prefixed("l.", dimension.attributes()))
            + ", n."
            + deleted
            + " AS "
            + q(StarTables.IS_DELETED)
            + ", false AS "
            + q(StarTables.IS_INFERRED)
            + ", l."
            + position
            + " AS "
            + position
            + " FROM _h l JOIN _h n ON "
            + key.stream()
                .map(k -> "n." + q(k) + " = l." + q(k))
                .collect(Collectors.joining(" AND "))
            + " AND n._newest = 1 WHERE l._newest_live = 1 AND NOT l."
            + deleted
            + ")";
    return "WITH "
        + String.join(", ", history, live, references(dimension))
        + " SELECT * FROM _live"
        + inferredMembers(dimension, "false, true")
        + " UNION ALL SELECT "
        + StarTables.UNKNOWN_KEY
        + nulls(key.size() + dimension.attributes().size())
        + ", false, false, NULL";
  }

  /**
   * {@code _refs}: the natural keys of {@code dimension} that the model's facts use, named as the
   * dimension's key columns.
   */
  private String references(DimensionModel dimension) {
    List<String> selects = new ArrayList<>();
    for (FactModel fact : model.facts().values()) {
      for (int i = 0; i < fact.dimensions().size(); i++) {
        FactModel.DimensionRef reference = fact.dimensions().get(i);
        if (!reference.dimension().equals(dimension.name())) {
          continue;
        }
        List<String> columns = new ArrayList<>();
        for (int j = 0; j < reference.key().size(); j++) {
          columns.add(keyAlias(i, j) + " AS " + q(dimension.naturalKey().get(j)));
        }
        selects.add("SELECT " + String.join(", ", columns) + " FROM (" + factBase(fact) + ") f");
      }
    }
    if (selects.isEmpty()) {
      return "_refs AS (SELECT "
          + dimension.naturalKey().stream()
              .map(k -> "NULL AS " + q(k))
              .collect(Collectors.joining(", "))
          + " WHERE false)";
    }
    return "_refs AS (" + String.join(" UNION ALL ", selects) + ")";
  }

  /** Rows for the natural keys in {@code _refs} that {@code _live} does not have. */
  private String inferredMembers(DimensionModel dimension, String trailingColumns) {
    List<String> key = dimension.naturalKey();
    return " UNION ALL SELECT "
        + surrogateKey(prefixed("r.", key), "''")
        + ", "
        + String.join(", ", prefixed("r.", key))
        + nulls(dimension.attributes().size())
        + ", "
        + trailingColumns
        + ", NULL FROM (SELECT DISTINCT * FROM _refs) r WHERE "
        + key.stream().map(k -> "r." + q(k) + " IS NOT NULL").collect(Collectors.joining(" AND "))
        + " AND NOT EXISTS (SELECT 1 FROM _live d WHERE "
        + key.stream().map(k -> "d." + q(k) + " = r." + q(k)).collect(Collectors.joining(" AND "))
        + ")";
  }

  /**
   * The live rows of a fact's source joined to the live rows of its lookups: the grain, {@code _et}
   * (the event time), the measures, and each dimension's natural key as {@code _d<i>_<j>}.
   */
  private String factBase(FactModel fact) {
    Map<String, String> aliases = new LinkedHashMap<>();
    aliases.put(fact.source(), "s");
    for (int i = 0; i < fact.lookups().size(); i++) {
      aliases.put(fact.lookups().get(i).source(), "l" + i);
    }
    List<String> columns = new ArrayList<>(prefixed("s.", fact.grain()));
    columns.add((fact.eventTime() == null ? "NULL" : ref(aliases, fact.eventTime())) + " AS _et");
    for (ColumnRef measure : fact.measures()) {
      columns.add(ref(aliases, measure) + " AS " + q(measure.column()));
    }
    for (int i = 0; i < fact.dimensions().size(); i++) {
      List<ColumnRef> key = fact.dimensions().get(i).key();
      for (int j = 0; j < key.size(); j++) {
        columns.add(ref(aliases, key.get(j)) + " AS " + keyAlias(i, j));
      }
    }
    StringBuilder from = new StringBuilder(q(SqlDialect.historyTable(fact.source())) + " s");
    for (int i = 0; i < fact.lookups().size(); i++) {
      FactModel.Lookup lookup = fact.lookups().get(i);
      String alias = "l" + i;
      from.append(" LEFT JOIN ")
          .append(q(SqlDialect.historyTable(lookup.source())))
          .append(' ')
          .append(alias)
          .append(" ON ")
          .append(alias)
          .append('.')
          .append(q(SqlDialect.IS_CURRENT));
      lookup
          .on()
          .forEach(
              (column, target) ->
                  from.append(" AND ")
                      .append(alias)
                      .append('.')
                      .append(q(target))
                      .append(" = s.")
                      .append(q(column)));
    }
    return "SELECT "
        + String.join(", ", columns)
        + " FROM "
        + from
        + " WHERE s."
        + q(SqlDialect.IS_CURRENT);
  }

  private String fact(FactModel fact) {
    List<String> grain = fact.grain();
    List<String> ctes = new ArrayList<>();
    ctes.add("_f AS (" + factBase(fact) + ")");
    List<String> columns = new ArrayList<>(prefixed("_f.", grain));
    StringBuilder joins = new StringBuilder();
    String eventTime = fact.eventTime() == null ? null : instant("_f._et", fact);
    for (int i = 0; i < fact.dimensions().size(); i++) {
      FactModel.DimensionRef reference = fact.dimensions().get(i);
      DimensionModel dimension = model.dimensions().get(reference.dimension());
      if (dimension == null) {
        columns.add(dateKey(day("_f._et", fact)));
        continue;
      }
      List<String> key = new ArrayList<>();
      for (int j = 0; j < reference.key().size(); j++) {
        key.add("_f." + keyAlias(i, j));
      }
      String member =
          "CASE WHEN "
              + key.stream().map(k -> k + " IS NULL").collect(Collectors.joining(" OR "))
              + " THEN "
              + StarTables.UNKNOWN_KEY
              + " ELSE "
              + surrogateKey(key, "''")
              + " END";
      if (dimension.scd() == 1) {
        columns.add(member);
        continue;
      }
      String sk = q(dimension.surrogateKey());
      String cte = "_k" + i;
      List<String> match = new ArrayList<>();
      for (int j = 0; j < key.size(); j++) {
        match.add("d." + q(dimension.naturalKey().get(j)) + " = " + key.get(j));
      }
      ctes.add(
          cte
              + " AS (SELECT "
              + String.join(", ", prefixed("", grain))
              + ", "
              + sk
              + " FROM (SELECT "
              + String.join(", ", prefixed("_f.", grain))
              + ", d."
              + sk
              + ", ROW_NUMBER() OVER (PARTITION BY "
              + String.join(", ", prefixed("_f.", grain))
              + " ORDER BY d."
              + q(SqlDialect.VALID_FROM)
              + " DESC) AS _r FROM _f JOIN "
              + q(dimension.name())
              + " d ON "
              + String.join(" AND ", match)
              + " AND d."
              + q(SqlDialect.VALID_FROM)
              + " <= COALESCE("
              + (eventTime == null ? "NULL" : eventTime)
              + ", "
              + timestamp(END)
              + ")) x WHERE _r = 1)");
      columns.add("COALESCE(" + cte + "." + sk + ", " + member + ")");
      joins
          .append(" LEFT JOIN ")
          .append(cte)
          .append(" ON ")
          .append(
              grain.stream()
                  .map(g -> cte + "." + q(g) + " = _f." + q(g))
                  .collect(Collectors.joining(" AND ")));
    }
    if (fact.eventTime() != null) {
      columns.add("_f._et");
    }
    for (ColumnRef measure : fact.measures()) {
      columns.add("_f." + q(measure.column()));
    }
    return "WITH "
        + String.join(", ", ctes)
        + " SELECT "
        + String.join(", ", columns)
        + " FROM _f"
        + joins;
  }

  /** The calendar rows, then the unknown day. */
  private String dates(DateDimensionModel date) {
    String day = "_d";
    String isoDay = "CAST(EXTRACT(isodow FROM " + day + ") AS INTEGER)";
    String month = "CAST(EXTRACT(month FROM " + day + ") AS INTEGER)";
    String[] months = {
      "January",
      "February",
      "March",
      "April",
      "May",
      "June",
      "July",
      "August",
      "September",
      "October",
      "November",
      "December"
    };
    String[] days = {"Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"};
    return "SELECT "
        + String.join(
            ", ",
            dateKey(day),
            day,
            "CAST(EXTRACT(year FROM " + day + ") AS INTEGER)",
            "CAST(EXTRACT(quarter FROM " + day + ") AS INTEGER)",
            month,
            names(month, months),
            "CAST(EXTRACT(day FROM " + day + ") AS INTEGER)",
            isoDay,
            names(isoDay, days),
            "CAST(EXTRACT(week FROM " + day + ") AS INTEGER)",
            isoDay + " >= 6")
        + " FROM (SELECT DATE '"
        + date.from()
        + "' + CAST(i AS INTEGER) AS "
        + day
        + " FROM generate_series(0, "
        + (date.days() - 1)
        + ") AS g(i)) days UNION ALL SELECT 0"
        + nulls(10);
  }

  private static String names(String number, String[] names) {
    StringBuilder sql = new StringBuilder("CASE ").append(number);
    for (int i = 0; i < names.length; i++) {
      sql.append(" WHEN ").append(i + 1).append(" THEN '").append(names[i]).append('\'');
    }
    return sql.append(" END").toString();
  }

  /** The {@code yyyymmdd} key of a day in the date dimension's range, else 0 (unknown day). */
  private String dateKey(String day) {
    DateDimensionModel date = model.dateDimension();
    return "CASE WHEN "
        + day
        + " IS NULL OR "
        + day
        + " < DATE '"
        + date.from()
        + "' OR "
        + day
        + " > DATE '"
        + date.to()
        + "' THEN 0 ELSE CAST(EXTRACT(year FROM "
        + day
        + ") * 10000 + EXTRACT(month FROM "
        + day
        + ") * 100 + EXTRACT(day FROM "
        + day
        + ") AS INTEGER) END";
  }

  /** The event time {@code value} of {@code fact} as an instant; zone-less values are UTC. */
  private String instant(String value, FactModel fact) {
    switch (StarTables.typeOf(model, fact.eventTime()).kind()) {
      case TIMESTAMPTZ:
        return value;
      case TIMESTAMP:
        return "(" + value + " AT TIME ZONE 'UTC')";
      default:
        return "(CAST(" + value + " AS TIMESTAMP) AT TIME ZONE 'UTC')";
    }
  }

  /** The UTC day of the event time {@code value} of {@code fact}. */
  private String day(String value, FactModel fact) {
    switch (StarTables.typeOf(model, fact.eventTime()).kind()) {
      case TIMESTAMPTZ:
        return "CAST(" + value + " AT TIME ZONE 'UTC' AS DATE)";
      case TIMESTAMP:
        return "CAST(" + value + " AS DATE)";
      default:
        return value;
    }
  }

  /** The SQL of {@link StarKeys#of}: the key parts as text, and the position text. */
  private String surrogateKey(List<String> parts, String position) {
    String text = dialect.sqlType(ColumnType.STRING);
    List<String> encoded = new ArrayList<>();
    for (String part : parts) {
      String asText = "CAST(" + part + " AS " + text + ")";
      encoded.add("CAST(" + dialect.byteLength(asText) + " AS " + text + ") || ':' || " + asText);
    }
    return dialect.hash64(String.join(" || ", encoded) + " || '|' || " + position);
  }

  private String timestamp(String literal) {
    return "CAST('" + literal + "' AS " + dialect.sqlType(ColumnType.TIMESTAMPTZ) + ")";
  }

  private String ref(Map<String, String> aliases, ColumnRef ref) {
    return aliases.get(ref.source()) + "." + q(ref.column());
  }

  private static String keyAlias(int dimension, int part) {
    return "_d" + dimension + "_" + part;
  }

  private List<String> prefixed(String prefix, List<String> names) {
    return names.stream().map(n -> prefix + q(n)).collect(Collectors.toList());
  }

  private static String nulls(int count) {
    return ", NULL".repeat(count);
  }

  private String q(String identifier) {
    return dialect.quote(identifier);
  }
}
