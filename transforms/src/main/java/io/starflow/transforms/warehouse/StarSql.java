package io.starflow.transforms.warehouse;

import io.starflow.schemas.ColumnType;
import io.starflow.schemas.Identifiers;
import io.starflow.schemas.model.ColumnRef;
import io.starflow.schemas.model.DateDimensionModel;
import io.starflow.schemas.model.DimensionModel;
import io.starflow.schemas.model.FactModel;
import io.starflow.schemas.model.WarehouseModel;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import javax.annotation.Nullable;

/**
 * The statements of a model's star in one dialect: the queries that compute each dimension's and
 * fact's rows from history (whole, or for the keys of a scope), the scope's queries, and the
 * statements that make a star table hold a scratch table's rows. {@link StarRefresh} runs them; a
 * dialect makes its own with {@link SqlDialect#star}.
 */
class StarSql {
  /** Where every key's first version starts. */
  static final String BEGINNING = "1900-01-01 00:00:00+00";

  private static final String END = "9999-12-31 00:00:00+00";

  private final SqlDialect dialect;
  private final WarehouseModel model;

  StarSql(SqlDialect dialect, WarehouseModel model) {
    this.dialect = dialect;
    this.model = model;
  }

  /** The distinct keys of {@code source} that history writes listed as touched. */
  String touchedKeys(String source) {
    return "SELECT DISTINCT "
        + dialect.quoted(model.source(source).key())
        + " FROM "
        + q(SqlDialect.touchedTable(source));
  }

  /** One row when {@code table} has any. */
  String anyRow(String table) {
    return "SELECT 1 FROM " + q(table) + " LIMIT 1";
  }

  /** Fills {@code scratch} (made like {@code table}) with the rows of the query {@code desired}. */
  String fillScratch(String scratch, StarTables.Table table, String desired) {
    return "INSERT INTO "
        + q(scratch)
        + " ("
        + dialect.quoted(table.columnNames())
        + ") "
        + desired;
  }

  /**
   * Deletes the rows of {@code table} that {@code scratch} does not hold; with {@code scope}, only
   * among the rows whose key is in it.
   */
  String deleteMissing(StarTables.Table table, String scratch, @Nullable String scope) {
    String target = q(table.name);
    String keysMatch =
        table.primaryKey.stream()
            .map(k -> "d." + q(k) + " = " + target + "." + q(k))
            .collect(Collectors.joining(" AND "));
    String inScope = "";
    if (scope != null) {
      List<String> keys = scopeColumns(table.name);
      inScope = " AND " + within(scope, keys, prefixed(target + ".", keys));
    }
    return "DELETE FROM "
        + target
        + " WHERE NOT EXISTS (SELECT 1 FROM "
        + q(scratch)
        + " d WHERE "
        + keysMatch
        + ")"
        + inScope;
  }

  /**
   * Inserts the rows of {@code scratch} that {@code table} does not hold, and updates those that
   * differ from it in any column.
   */
  String upsertChanged(StarTables.Table table, String scratch) {
    List<String> columns = table.columnNames();
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
    return "INSERT INTO "
        + q(table.name)
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
        + changedColumns;
  }

  /** A fact's grains whose source row or lookup rows changed (see {@link Scope}). */
  String directGrains(FactModel fact, Map<String, String> touched) {
    List<String> grain = fact.grain();
    List<String> selects = new ArrayList<>();
    selects.add("SELECT " + dialect.quoted(grain) + " FROM " + q(touched.get(fact.source())));
    for (FactModel.Lookup lookup : fact.lookups()) {
      List<String> targets = new ArrayList<>();
      List<String> columns = new ArrayList<>();
      lookup
          .on()
          .forEach(
              (column, target) -> {
                targets.add(target);
                columns.add("s." + q(column));
              });
      selects.add(
          "SELECT "
              + String.join(", ", prefixed("s.", grain))
              + " FROM "
              + q(SqlDialect.historyTable(fact.source()))
              + " s WHERE s."
              + q(SqlDialect.IS_CURRENT)
              + " AND "
              + within(touched.get(lookup.source()), targets, columns));
    }
    return String.join(" UNION ", selects);
  }

  /** A dimension's natural keys to recompute (see {@link Scope}). */
  String affectedKeys(
      DimensionModel dimension, Map<String, String> touched, Map<String, String> direct) {
    List<String> key = dimension.naturalKey();
    List<String> selects = new ArrayList<>();
    selects.add("SELECT " + dialect.quoted(key) + " FROM " + q(touched.get(dimension.source())));
    for (FactModel fact : model.facts().values()) {
      for (int i = 0; i < fact.dimensions().size(); i++) {
        if (!fact.dimensions().get(i).dimension().equals(dimension.name())) {
          continue;
        }
        String directGrains = direct.get(fact.name());
        List<String> now = new ArrayList<>();
        List<String> notNull = new ArrayList<>();
        for (int j = 0; j < key.size(); j++) {
          now.add("f." + keyAlias(i, j));
          notNull.add("f." + keyAlias(i, j) + " IS NOT NULL");
        }
        selects.add(
            "SELECT "
                + String.join(", ", now)
                + " FROM ("
                + factBase(fact, directGrains, GRAINS)
                + ") f WHERE "
                + String.join(" AND ", notNull));
        selects.add(
            "SELECT "
                + String.join(", ", prefixed("d.", key))
                + " FROM "
                + q(fact.name())
                + " f JOIN "
                + q(dimension.name())
                + " d ON d."
                + q(dimension.surrogateKey())
                + " = f."
                + q(dimension.surrogateKey())
                + " WHERE "
                + within(directGrains, fact.grain(), prefixed("f.", fact.grain()))
                + " AND "
                + key.stream()
                    .map(k -> "d." + q(k) + " IS NOT NULL")
                    .collect(Collectors.joining(" AND ")));
      }
    }
    return String.join(" UNION ", selects);
  }

  /** A fact's grains to recompute (see {@link Scope}). */
  String affectedGrains(FactModel fact, String direct, Map<String, String> keysOf) {
    List<String> grain = fact.grain();
    List<String> selects = new ArrayList<>();
    selects.add("SELECT " + dialect.quoted(grain) + " FROM " + q(direct));
    for (int i = 0; i < fact.dimensions().size(); i++) {
      DimensionModel dimension = model.dimensions().get(fact.dimensions().get(i).dimension());
      if (dimension == null || dimension.scd() != 2) {
        continue;
      }
      selects.add(
          "SELECT "
              + String.join(", ", prefixed("f.", grain))
              + " FROM ("
              + factBase(fact, keysOf.get(dimension.name()), i)
              + ") f");
    }
    return String.join(" UNION ", selects);
  }

  /**
   * Whether the row whose {@code values} are given is among the rows of {@code scratch}, matched
   * column by column on {@code columns}.
   */
  private String within(String scratch, List<String> columns, List<String> values) {
    List<String> match = new ArrayList<>();
    for (int i = 0; i < columns.size(); i++) {
      match.add("x." + q(columns.get(i)) + " = " + values.get(i));
    }
    return "EXISTS (SELECT 1 FROM " + q(scratch) + " x WHERE " + String.join(" AND ", match) + ")";
  }

  /**
   * The columns a scope of star table {@code table} names: a dimension's natural key, a fact's
   * grain.
   */
  private List<String> scopeColumns(String table) {
    DimensionModel dimension = model.dimensions().get(table);
    return dimension != null ? dimension.naturalKey() : model.facts().get(table).grain();
  }

  /**
   * The query that gives the rows {@code table} should hold, in its column order; with {@code
   * scope}, those of the keys in it (the unknown member too).
   */
  String desiredRows(StarTables.Table table, @Nullable String scope) {
    DimensionModel dimension = model.dimensions().get(table.name);
    if (dimension != null) {
      return dimension.scd() == 2
          ? versionedDimension(dimension, scope)
          : typeOneDimension(dimension, scope);
    }
    if (model.dateDimension() != null && model.dateDimension().name().equals(table.name)) {
      return dates(model.dateDimension());
    }
    return fact(model.facts().get(table.name), scope);
  }

  /** The rows of {@code dimension}'s source history, among the keys of {@code scope} if given. */
  private String historyOf(DimensionModel dimension, @Nullable String scope) {
    String from = q(SqlDialect.historyTable(dimension.source())) + " h";
    if (scope == null) {
      return from;
    }
    List<String> key = dimension.naturalKey();
    return from + " WHERE " + within(scope, key, prefixed("h.", key));
  }

  private String versionedDimension(DimensionModel dimension, @Nullable String scope) {
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
            + historyOf(dimension, scope)
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
        + String.join(", ", history, groups, spans, versions, live, references(dimension, scope))
        + " SELECT * FROM _live"
        + inferredMembers(dimension, memberColumns)
        + " UNION ALL SELECT "
        + StarTables.UNKNOWN_KEY
        + nulls(key.size() + dimension.attributes().size())
        + ", "
        + timestamp(BEGINNING)
        + ", NULL, true, false, NULL";
  }

  private String typeOneDimension(DimensionModel dimension, @Nullable String scope) {
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
            + historyOf(dimension, scope)
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
        + String.join(", ", history, live, references(dimension, scope))
        + " SELECT * FROM _live"
        + inferredMembers(dimension, "false, true")
        + " UNION ALL SELECT "
        + StarTables.UNKNOWN_KEY
        + nulls(key.size() + dimension.attributes().size())
        + ", false, false, NULL";
  }

  /**
   * {@code _refs}: the natural keys of {@code dimension} that the model's facts use, named as the
   * dimension's key columns; with {@code scope}, those among its keys.
   */
  private String references(DimensionModel dimension, @Nullable String scope) {
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
        selects.add(
            "SELECT "
                + String.join(", ", columns)
                + " FROM ("
                + factBase(fact, scope, scope == null ? GRAINS : i)
                + ") f");
      }
    }
    if (selects.isEmpty()) {
      return "_refs AS (SELECT "
          + dimension.naturalKey().stream()
              // typed: an untyped NULL compares as text on PostgreSQL
              .map(
                  k ->
                      "CAST(NULL AS "
                          + dialect.sqlType(model.source(dimension.source()).columnType(k))
                          + ") AS "
                          + q(k))
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
    return factBase(fact, null, GRAINS);
  }

  /** {@code reference} for {@link #factBase(FactModel, String, int)}: the scratch lists grains. */
  private static final int GRAINS = -1;

  /**
   * The rows of {@link #factBase(FactModel)} among those of {@code scratch} (when given): the
   * grains it lists, or with {@code reference} i the rows whose natural key for the fact's i-th
   * dimension it lists (the condition sits on the source or lookup column, so that the warehouse
   * can narrow that table first).
   */
  private String factBase(FactModel fact, @Nullable String scratch, int reference) {
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
        + q(SqlDialect.IS_CURRENT)
        + (scratch == null ? "" : " AND " + withinScratch(fact, aliases, scratch, reference));
  }

  private String withinScratch(
      FactModel fact, Map<String, String> aliases, String scratch, int reference) {
    if (reference == GRAINS) {
      return within(scratch, fact.grain(), prefixed("s.", fact.grain()));
    }
    DimensionModel dimension = model.dimensions().get(fact.dimensions().get(reference).dimension());
    List<String> values = new ArrayList<>();
    fact.dimensions().get(reference).key().forEach(key -> values.add(ref(aliases, key)));
    return within(scratch, dimension.naturalKey(), values);
  }

  private String fact(FactModel fact, @Nullable String scope) {
    List<String> grain = fact.grain();
    List<String> ctes = new ArrayList<>();
    ctes.add("_f AS (" + factBase(fact, scope, GRAINS) + ")");
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
