package io.starflow.transforms.warehouse;

import io.starflow.schemas.ColumnType;
import io.starflow.schemas.Identifiers;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.Set;
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

  /** Opens a connection to {@code url}. */
  Connection open(String url, Properties properties) throws SQLException {
    return DriverManager.getConnection(url, properties);
  }

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
  String createScratchLike(String name, String table) {
    return createScratchAs(name, "SELECT * FROM " + quote(table) + " LIMIT 0");
  }

  /**
   * Creates a connection-private table named {@code name} holding the rows of {@code query}, gone
   * at the end of the transaction or replaced by the next one of that name.
   */
  abstract String createScratchAs(String name, String query);

  /**
   * Gathers the planner's statistics of a table just filled (a stage, a scratch table), so that the
   * joins that read it are planned for its size; null when the warehouse needs none.
   */
  @Nullable
  String analyze(String table) {
    return null;
  }

  /**
   * The statement that stops the warehouse compiling the transaction's queries to machine code;
   * null when it does not. Compiling costs more than it saves on the key-scoped refresh's queries,
   * which the planner overestimates before their scratch tables are analyzed.
   */
  @Nullable
  String withoutQueryCompilation() {
    return null;
  }

  /**
   * The statement that makes the transaction it begins read one snapshot throughout, and touch only
   * rows in it; null when every transaction does.
   */
  @Nullable
  String snapshotIsolation() {
    return null;
  }

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

  /**
   * A stage of versions that outlives transactions and connections (one per writer, dropped once
   * applied): unlogged where the warehouse has the notion.
   */
  abstract String createVersionStage(String stage, List<TableColumn> columns);

  /**
   * A connection-private table that versions are appended to before they move to their stage in one
   * statement (appending to it is much cheaper than to a stored table); null when rows are written
   * to the stage directly.
   */
  @Nullable
  String createVersionBuffer(String buffer, List<TableColumn> columns) {
    return null;
  }

  /**
   * Where versions are staged as files the warehouse reads, for a warehouse that runs in this
   * process and can write and read them (an embedded DuckDB kept in a file); null when they are
   * staged in tables.
   */
  @Nullable
  Path stageDirectory(Connection connection) throws SQLException {
    return null;
  }

  /** Writes every row of {@code table} to the new file {@code file}. */
  String copyToFile(String table, Path file) {
    throw new UnsupportedOperationException(name() + " stages versions in tables");
  }

  /** A connection-private view of the rows of {@code files}, as {@link #copyToFile} wrote them. */
  String viewOfFiles(String view, List<Path> files) {
    return createTempView(view, filesQuery(files));
  }

  /** A query of every row of {@code files}, as {@link #copyToFile} wrote them. */
  String filesQuery(List<Path> files) {
    throw new UnsupportedOperationException(name() + " stages versions in tables");
  }

  /** Copies every row of the buffer {@code from} to the stage {@code to}. */
  String copyRows(String from, String to) {
    return "INSERT INTO " + quote(to) + " SELECT * FROM " + quote(from);
  }

  String deleteAll(String table) {
    return "DELETE FROM " + quote(table);
  }

  /** Opens a writer of rows into the version stage {@code stage}; they are kept at commit. */
  abstract StageWriter openVersionStage(
      Connection connection, String stage, List<TableColumn> columns) throws SQLException;

  /** A connection-private table holding the rows of {@code query}, gone after the transaction. */
  abstract String createTempAs(String name, String query);

  /** The JSON text of the row of the table aliased {@code alias}. */
  abstract String rowJson(String alias);

  /** The MD5 of the text {@code text}, as 32 hex digits. */
  abstract String md5(String text);

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

  /** One row when the table named {@code ?} (bound) exists in the current schema. */
  public String tableExists() {
    return "SELECT 1 FROM information_schema.tables"
        + " WHERE table_schema = current_schema() AND table_name = ?";
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

  static final String TOUCHED_PREFIX = "starflow_touched_";

  /**
   * The table where history writes of {@code table} list the keys they touched, for the key-scoped
   * star refresh; {@code table} is followed by a hash of it when the name would be too long.
   */
  public static String touchedTable(String table) {
    String name = TOUCHED_PREFIX + table;
    if (Identifiers.isValid(name)) {
      return name;
    }
    String hash =
        Long.toHexString(
            java.util
                .UUID
                .nameUUIDFromBytes(table.getBytes(java.nio.charset.StandardCharsets.UTF_8))
                .getMostSignificantBits());
    return name.substring(0, Identifiers.MAX_LENGTH - 17)
        + "_"
        + "0".repeat(16 - hash.length())
        + hash;
  }

  /** Where a refresh keeps the definition of the star it last built whole (one row). */
  static final String STAR_DEFINITION_TABLE = "starflow_star";

  String createStarDefinitionTable() {
    return "CREATE TABLE IF NOT EXISTS "
        + quote(STAR_DEFINITION_TABLE)
        + " ("
        + quote("definition")
        + " "
        + textType()
        + " NOT NULL)";
  }

  String selectStarDefinition() {
    return "SELECT " + quote("definition") + " FROM " + quote(STAR_DEFINITION_TABLE);
  }

  String insertStarDefinition() {
    return "INSERT INTO "
        + quote(STAR_DEFINITION_TABLE)
        + " ("
        + quote("definition")
        + ") VALUES (?)";
  }

  /** Lists the distinct keys of {@code rows} (a stage, or a history table) as touched. */
  String insertTouched(String table, String rows, List<String> keys) {
    return "INSERT INTO "
        + quote(touchedTable(table))
        + " ("
        + quoted(keys)
        + ") SELECT DISTINCT "
        + quoted(keys)
        + " FROM "
        + quote(rows);
  }

  static final String HISTORY_SUFFIX = "_history";
  static final String VALID_FROM = "valid_from";
  static final String VALID_TO = "valid_to";
  static final String IS_CURRENT = "is_current";

  /**
   * Adds the staged versions to the history, with their validity intervals among every version of
   * their keys (those already there included); a version already there is left alone.
   */
  String insertHistoryFromStage(
      String table, String stage, List<String> keys, List<TableColumn> columns) {
    List<String> names = new ArrayList<>();
    columns.forEach(c -> names.add(c.name()));
    names.add(Identifiers.POSITION);
    names.add(Identifiers.DELETED);
    names.add(Identifiers.OP);
    List<String> inserted = new ArrayList<>(names);
    inserted.addAll(List.of(VALID_FROM, VALID_TO, IS_CURRENT, UNAVAILABLE));
    String window =
        " OVER (PARTITION BY " + quoted(keys) + " ORDER BY " + quote(Identifiers.POSITION) + ")";
    return "INSERT INTO "
        + quote(historyTable(table))
        + " ("
        + quoted(inserted)
        + ") SELECT "
        + quoted(inserted)
        + " FROM (SELECT "
        + quoted(names)
        + ", "
        + quote(VALID_FROM)
        + ", LEAD("
        + quote(VALID_FROM)
        + ")"
        + window
        + " AS "
        + quote(VALID_TO)
        + ", (LEAD("
        + quote(Identifiers.POSITION)
        + ")"
        + window
        + " IS NULL AND NOT "
        + quote(Identifiers.DELETED)
        + ") AS "
        + quote(IS_CURRENT)
        + ", "
        + quote(UNAVAILABLE)
        + ", _new FROM (SELECT "
        + names.stream().map(n -> "s." + quote(n)).collect(Collectors.joining(", "))
        + ", s."
        + quote(Identifiers.EVENT_TIME)
        + " AS "
        + quote(VALID_FROM)
        + ", s."
        + quote(UNAVAILABLE)
        + ", true AS _new FROM "
        + quote(stage)
        + " s WHERE "
        + notInHistory(table, "s", keys, "s." + quote(Identifiers.POSITION))
        + " UNION ALL SELECT "
        + quoted(names)
        + ", "
        + quote(VALID_FROM)
        + ", "
        + quote(UNAVAILABLE)
        + ", false AS _new FROM "
        + quote(historyTable(table))
        + " AS t WHERE "
        + touched("t", stage, keys)
        + ") a) w WHERE _new";
  }

  /** Whether the history holds any version of a key in the stage. */
  String historyOfStagedKeys(String table, String stage, List<String> keys) {
    return "SELECT EXISTS (SELECT 1 FROM "
        + quote(historyTable(table))
        + " AS t WHERE "
        + touched("t", stage, keys)
        + ")";
  }

  /**
   * That the history holds no version of the key of the row aliased {@code alias} at {@code
   * position}: how a version is added once (an anti-join, which needs no unique index).
   */
  private String notInHistory(String table, String alias, List<String> keys, String position) {
    return "NOT EXISTS (SELECT 1 FROM "
        + quote(historyTable(table))
        + " h WHERE "
        + keys.stream()
            .map(k -> "h." + quote(k) + " = " + alias + "." + quote(k))
            .collect(Collectors.joining(" AND "))
        + " AND h."
        + quote(Identifiers.POSITION)
        + " = "
        + position
        + ")";
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

  /** Where a staged version was read, for its dead letter. */
  static final String ORIGIN = "_origin";

  /** The columns of a version stage of a table with {@code columns}. */
  List<TableColumn> versionStageColumns(List<TableColumn> columns) {
    List<TableColumn> stage = new ArrayList<>(columns);
    stage.addAll(metadataColumns());
    stage.add(TableColumn.of(UNAVAILABLE, ColumnType.STRING));
    stage.add(TableColumn.of(ORIGIN, ColumnType.STRING));
    return stage;
  }

  /** Drops table {@code name}, when it exists. */
  public String dropTable(String name) {
    return "DROP TABLE IF EXISTS " + quote(name);
  }

  String dropView(String name) {
    return "DROP VIEW IF EXISTS " + quote(name);
  }

  /**
   * Every version in the stages, with the columns of {@code columns} (a stage without one gives
   * NULL): a {@code UNION ALL} of them. {@code stageColumns} holds, per stage, the columns it has.
   */
  String unionOfStages(
      List<String> stages, List<List<String>> stageColumns, List<TableColumn> columns) {
    List<String> selects = new ArrayList<>();
    for (int i = 0; i < stages.size(); i++) {
      Set<String> has = new java.util.HashSet<>(stageColumns.get(i));
      List<String> items = new ArrayList<>();
      for (TableColumn column : versionStageColumns(columns)) {
        items.add(
            has.contains(column.name())
                ? quote(column.name())
                : "CAST(NULL AS " + sqlType(column.type()) + ") AS " + quote(column.name()));
      }
      selects.add("SELECT " + String.join(", ", items) + " FROM " + quote(stages.get(i)));
    }
    return String.join(" UNION ALL ", selects);
  }

  /**
   * Two counts over {@code union}: the keys with a position it holds more than once (0 when all
   * versions are distinct), and the keys with more than one row (0 when each key has one version).
   */
  String countRepeatedVersions(String union, List<String> keys) {
    return "SELECT count(*) FILTER (WHERE n > d), count(*) FILTER (WHERE n > 1) FROM (SELECT"
        + " count(*) AS n, count(DISTINCT "
        + quote(Identifiers.POSITION)
        + ") AS d FROM ("
        + union
        + ") u GROUP BY "
        + quoted(keys)
        + ") r";
  }

  /** The latest versions, when {@code versions} holds one per key: a view of it, nothing copied. */
  String latestAsView(String latest, String versions, List<TableColumn> columns) {
    List<String> names = new ArrayList<>();
    versionStageColumns(columns).forEach(c -> names.add(c.name()));
    return createTempView(latest, "SELECT " + quoted(names) + " FROM " + quote(versions));
  }

  /** The versions of {@code union}, all distinct already: a view, nothing copied. */
  String versionsAsView(String versions, String union) {
    return createTempView(versions, union);
  }

  /** A connection-private view of {@code query}. */
  abstract String createTempView(String name, String query);

  /**
   * The versions of {@code union} once per key and position (of two different ones at one position,
   * the same one whatever their order: by a hash of their content): into the temporary table {@code
   * versions}.
   */
  String distinctVersions(
      String versions, String union, List<String> keys, List<TableColumn> columns) {
    List<String> names = new ArrayList<>();
    versionStageColumns(columns).forEach(c -> names.add(c.name()));
    List<String> partition = new ArrayList<>(keys);
    partition.add(Identifiers.POSITION);
    List<String> content = new ArrayList<>();
    columns.forEach(c -> content.add(c.name()));
    metadataColumns().forEach(c -> content.add(c.name()));
    return createTempAs(
        versions, firstOfEach("(" + union + ")", names, quoted(partition), contentHash(content)));
  }

  /**
   * The rows of {@code from}, the first of each {@code partition} by {@code order}, with the
   * columns {@code names}.
   */
  String firstOfEach(String from, List<String> names, String partition, String order) {
    return "SELECT "
        + quoted(names)
        + " FROM (SELECT *, row_number() OVER (PARTITION BY "
        + partition
        + " ORDER BY "
        + order
        + ") AS _rank FROM "
        + from
        + " u) d WHERE _rank = 1";
  }

  /**
   * A hash of the named columns of a row: the same for the same values, so that of two different
   * versions at one position the same one is kept whatever their order of arrival.
   */
  abstract String contentHash(List<String> columns);

  /** The latest of {@code versions} per key, by position: into {@code latest}. */
  String latestVersions(
      String latest, String versions, List<String> keys, List<TableColumn> columns) {
    List<String> names = new ArrayList<>();
    versionStageColumns(columns).forEach(c -> names.add(c.name()));
    List<String> row = new ArrayList<>(keys);
    row.add(Identifiers.POSITION);
    return createTempAs(
        latest,
        "SELECT "
            + quoted(names)
            + " FROM "
            + quote(versions)
            + " WHERE ("
            + quoted(row)
            + ") IN (SELECT "
            + quoted(keys)
            + ", max("
            + quote(Identifiers.POSITION)
            + ") FROM "
            + quote(versions)
            + " GROUP BY "
            + quoted(keys)
            + ")");
  }

  /** The columns some version in {@code versions} left unavailable, as lists {@code ,a,b,}. */
  String unavailableIn(String versions) {
    return "SELECT DISTINCT "
        + quote(UNAVAILABLE)
        + " FROM "
        + quote(versions)
        + " WHERE "
        + quote(UNAVAILABLE)
        + " IS NOT NULL";
  }

  /**
   * Gives each latest version that left {@code column} unavailable the value of the newest older
   * version of its key in {@code versions} that carries it (none if that one is a deletion), and
   * marks the column available there. Binds {@code ,column,} three times.
   */
  String fillLatestFromVersions(String latest, String versions, List<String> keys, String column) {
    String keysOfV = keys.stream().map(k -> "v." + quote(k)).collect(Collectors.joining(", "));
    String joinLatest =
        keys.stream()
            .map(k -> "v." + quote(k) + " = l." + quote(k))
            .collect(Collectors.joining(" AND "));
    String matchF =
        keys.stream()
            .map(k -> quote(latest) + "." + quote(k) + " = f." + quote(k))
            .collect(Collectors.joining(" AND "));
    return "UPDATE "
        + quote(latest)
        + " SET "
        + quote(column)
        + " = CASE WHEN f."
        + quote(Identifiers.DELETED)
        + " THEN NULL ELSE f."
        + quote(column)
        + " END, "
        + quote(UNAVAILABLE)
        + " = replace("
        + quote(latest)
        + "."
        + quote(UNAVAILABLE)
        + ", ?, ',') FROM (SELECT * FROM (SELECT "
        + keysOfV
        + ", v."
        + quote(column)
        + ", v."
        + quote(Identifiers.DELETED)
        + ", row_number() OVER (PARTITION BY "
        + keysOfV
        + " ORDER BY v."
        + quote(Identifiers.POSITION)
        + " DESC) AS _rank FROM "
        + quote(versions)
        + " v JOIN "
        + quote(latest)
        + " l ON "
        + joinLatest
        + " AND v."
        + quote(Identifiers.POSITION)
        + " < l."
        + quote(Identifiers.POSITION)
        + " WHERE v."
        + quote(Identifiers.DELETED)
        + " OR v."
        + quote(UNAVAILABLE)
        + " IS NULL OR strpos(v."
        + quote(UNAVAILABLE)
        + ", ?) = 0) r WHERE _rank = 1) f WHERE "
        + matchF
        + " AND strpos("
        + quote(latest)
        + "."
        + quote(UNAVAILABLE)
        + ", ?) > 0";
  }

  /**
   * Dead letters of every version in {@code versions}, a batch the warehouse refused: stage {@code
   * apply}, the version's origin, the bound reason, and the version as the stage held it.
   */
  String deadLetterVersions(String versions) {
    String raw = rowJson("v");
    return "INSERT INTO "
        + quote(DEAD_LETTER_TABLE)
        + " (id, stage, source, reason, raw_record, failed_at) SELECT "
        + md5("'apply|' || coalesce(v." + quote(ORIGIN) + ", '') || '|' || " + raw)
        + ", 'apply', coalesce(v."
        + quote(ORIGIN)
        + ", 'unknown'), ?, "
        + raw
        + ", CURRENT_TIMESTAMP FROM "
        + quote(versions)
        + " v ON CONFLICT (id) DO NOTHING";
  }

  /** The rows of every table of {@code parts}, their columns {@code names} (quoted already). */
  String unionOfParts(List<String> parts, List<String> names) {
    List<String> selects = new ArrayList<>();
    for (String part : parts) {
      selects.add("SELECT " + String.join(", ", names) + " FROM " + quote(part));
    }
    return String.join(" UNION ALL ", selects);
  }

  /** Every row of {@code table}. */
  public String selectAll(String table) {
    return "SELECT * FROM " + quote(table);
  }

  /** The rows of {@code table} whose {@code column} equals {@code ?} (bound). */
  public String rowsWhereEqual(String table, String column) {
    return selectAll(table) + " WHERE " + quote(column) + " = ?";
  }

  /** The statements of {@code model}'s star in this dialect. */
  StarSql star(io.starflow.schemas.model.WarehouseModel model) {
    return new StarSql(this, model);
  }

  /** The rows of {@code table} whose {@code columns} equal the bound values, in order. */
  public String rowsWhereEqual(String table, List<String> columns) {
    return selectAll(table)
        + " WHERE "
        + columns.stream().map(c -> quote(c) + " = ?").collect(Collectors.joining(" AND "));
  }

  /**
   * For each of {@code tables} (by its index), how many rows it has where {@code key} equals a
   * bound value (one per table, in order), and their largest {@code version}: (index, count, max).
   */
  public String versionCounts(List<String> tables, String key, String version) {
    List<String> selects = new ArrayList<>();
    for (int i = 0; i < tables.size(); i++) {
      selects.add(
          "SELECT "
              + i
              + ", count(*), max("
              + quote(version)
              + ") FROM "
              + quote(tables.get(i))
              + " WHERE "
              + quote(key)
              + " = ?");
    }
    return String.join(" UNION ALL ", selects);
  }

  /** The {@code version}s in {@code table} where {@code key} equals the bound value, in order. */
  public String versionsOf(String table, String key, String version) {
    return "SELECT "
        + quote(version)
        + " FROM "
        + quote(table)
        + " WHERE "
        + quote(key)
        + " = ? ORDER BY "
        + quote(version);
  }

  /** The rows of {@code table} whose {@code column} is among the values {@code query} selects. */
  public String rowsWhereIn(String table, String column, String query) {
    return selectAll(table) + " WHERE " + quote(column) + " IN (" + query + ")";
  }

  /**
   * {@code columns} of {@code relation} (a table expression, used as it is), {@code text} cast to
   * text, where {@code key} equals the first bound value and {@code version} is at least the
   * second, by version.
   */
  public String fromVersion(
      String relation, List<String> columns, String text, String key, String version) {
    return "SELECT "
        + withText("", columns, Set.of(text))
        + " FROM "
        + quote(relation)
        + " WHERE "
        + quote(key)
        + " = ? AND "
        + quote(version)
        + " >= ? ORDER BY "
        + quote(version);
  }

  /**
   * {@code columns} of {@code relation} (a table expression, used as it is) ordered by {@code
   * order}.
   */
  public String columnsOf(String relation, List<String> columns, List<String> order) {
    return "SELECT "
        + quoted(columns)
        + " FROM "
        + relation
        + " r"
        + (order.isEmpty() ? "" : " ORDER BY " + quoted(order));
  }

  /**
   * The CTE {@code plan(as_of, k, last_version, from_version)} of a point-in-time replay: per
   * instant (one bound value each, {@code instants} of them) and aggregate {@code key} of {@code
   * events}, the last version at or before the instant and the snapshot version to start from, from
   * {@code snapshots} when given (0: the initial state).
   */
  public String asOfPlan(
      String events,
      @Nullable String snapshots,
      String key,
      String version,
      String eventTime,
      int instants) {
    List<String> at = new ArrayList<>();
    for (int i = 0; i < instants; i++) {
      at.add("SELECT CAST(? AS " + sqlType(ColumnType.TIMESTAMPTZ) + ") AS t");
    }
    String lastVersions =
        "SELECT ins.t, e."
            + quote(key)
            + " AS k, max(e."
            + quote(version)
            + ") AS last_version FROM ("
            + String.join(" UNION ALL ", at)
            + ") ins JOIN "
            + quote(events)
            + " e ON e."
            + quote(eventTime)
            + " <= ins.t GROUP BY ins.t, e."
            + quote(key);
    String start =
        snapshots == null
            ? "0"
            : "COALESCE((SELECT max(s."
                + quote(version)
                + ") FROM "
                + quote(snapshots)
                + " s WHERE s."
                + quote(key)
                + " = l.k AND s."
                + quote(version)
                + " <= l.last_version), 0)";
    return "WITH plan AS (SELECT l.t AS as_of, l.k, l.last_version, "
        + start
        + " AS from_version FROM ("
        + lastVersions
        + ") l)";
  }

  /**
   * After {@link #asOfPlan}: per planned instant and aggregate, the events to replay ({@code
   * columns} of {@code events}, {@code text} cast to text), or one row of nulls when none.
   */
  public String asOfEvents(
      String plan, String events, String key, String version, List<String> columns, String text) {
    return plan
        + " SELECT p.as_of, p.k, p.last_version, p.from_version, "
        + withText("e.", columns, Set.of(text))
        + " FROM plan p LEFT JOIN "
        + quote(events)
        + " e ON e."
        + quote(key)
        + " = p.k AND e."
        + quote(version)
        + " > p.from_version AND e."
        + quote(version)
        + " <= p.last_version";
  }

  /** After {@link #asOfPlan}: per planned instant and aggregate, the snapshot to start from. */
  public String asOfSnapshots(String plan, String snapshots, String key, String version) {
    return plan
        + " SELECT p.as_of, p.k, p.last_version, p.from_version, s.* FROM plan p JOIN "
        + quote(snapshots)
        + " s ON s."
        + quote(key)
        + " = p.k AND s."
        + quote(version)
        + " = p.from_version";
  }

  /**
   * The rows of an event-store table: {@code columns} of {@code table}, those in {@code text} cast
   * to text.
   */
  public String selectWithText(String table, List<String> columns, Set<String> text) {
    return "SELECT " + withText("", columns, text) + " FROM " + quote(table);
  }

  /** {@code columns}, each after {@code prefix}, those in {@code text} cast to text. */
  private String withText(String prefix, List<String> columns, Set<String> text) {
    List<String> selected = new ArrayList<>();
    for (String column : columns) {
      String name = prefix + quote(column);
      selected.add(
          text.contains(column)
              ? "CAST(" + name + " AS " + sqlType(ColumnType.STRING) + ")"
              : name);
    }
    return String.join(", ", selected);
  }

  /** Drops schema {@code name} and everything in it, when it exists. */
  public String dropSchema(String name) {
    return "DROP SCHEMA IF EXISTS " + quote(name) + " CASCADE";
  }

  /** Creates the empty schema {@code name}. */
  public String createSchema(String name) {
    return "CREATE SCHEMA " + quote(name);
  }

  /** The number of rows of {@code table}. */
  String countRows(String table) {
    return "SELECT count(*) FROM " + quote(table);
  }

  /** The tables that have column {@code ?} (bound), in the current schema, by name. */
  String tablesWithColumn() {
    return "SELECT DISTINCT table_name FROM information_schema.columns"
        + " WHERE table_schema = current_schema() AND column_name = ? ORDER BY table_name";
  }

  /** The live rows and the tombstones of a mirror table. */
  String liveAndTombstones(String table) {
    String deleted = quote(Identifiers.DELETED);
    return "SELECT count(*) FILTER (WHERE NOT "
        + deleted
        + "), count(*) FILTER (WHERE "
        + deleted
        + ") FROM "
        + quote(table);
  }

  /** The dead letters by stage and reason, the most frequent first. */
  String deadLetterReasons() {
    return "SELECT stage, reason, count(*) FROM "
        + quote(DEAD_LETTER_TABLE)
        + " GROUP BY stage, reason ORDER BY count(*) DESC, stage, reason";
  }

  /**
   * A dimension's rows, those current (type 2: the current version; type 1: not deleted) and the
   * inferred ones.
   */
  String dimensionRows(String table, boolean versioned) {
    return "SELECT count(*), count(*) FILTER (WHERE "
        + (versioned ? quote("is_current") : "NOT " + quote("is_deleted"))
        + "), count(*) FILTER (WHERE "
        + quote("is_inferred")
        + ") FROM "
        + quote(table);
  }

  /**
   * The rows of {@code table} as of the instant {@code ?} (bound), and the sums of {@code summed}.
   */
  String totalsAsOf(String table, String asOf, List<String> summed) {
    StringBuilder sql = new StringBuilder("SELECT count(*)");
    summed.forEach(column -> sql.append(", sum(").append(quote(column)).append(")"));
    return sql.append(" FROM ")
        .append(quote(table))
        .append(" WHERE ")
        .append(quote(asOf))
        .append(" = ?")
        .toString();
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
   * with a version before it (binds position, event time, position, position).
   */
  String truncateHistory(String table, List<String> keys) {
    return "INSERT INTO "
        + quote(historyTable(table))
        + " ("
        + truncationColumns(keys)
        + ") SELECT "
        + quoted(keys)
        + ", CAST(? AS "
        + textType()
        + "), true, 't', CAST(? AS "
        + sqlType(ColumnType.TIMESTAMPTZ)
        + "), "
        + nulls()
        + " FROM (SELECT DISTINCT "
        + quoted(keys)
        + " FROM "
        + quote(historyTable(table))
        + " WHERE "
        + quote(Identifiers.POSITION)
        + " < ?) k WHERE "
        + notInHistory(table, "k", keys, "?");
  }

  /**
   * Adds a deletion at every truncation of the table (bound) that comes after a staged version of a
   * key: the history of a key truncated before its older versions arrived.
   */
  String truncationsOfStagedVersions(String table, String stage, List<String> keys) {
    String keysOfS = keys.stream().map(k -> "s." + quote(k)).collect(Collectors.joining(", "));
    return "INSERT INTO "
        + quote(historyTable(table))
        + " ("
        + truncationColumns(keys)
        + ") SELECT "
        + quoted(keys)
        + ", "
        + quote(Identifiers.POSITION)
        + ", true, 't', "
        + quote(Identifiers.EVENT_TIME)
        + ", "
        + nulls()
        + " FROM (SELECT DISTINCT "
        + keysOfS
        + ", t."
        + quote(Identifiers.POSITION)
        + ", t."
        + quote(Identifiers.EVENT_TIME)
        + " FROM "
        + quote(stage)
        + " s JOIN "
        + quote(TRUNCATIONS_TABLE)
        + " t ON t.table_name = ? AND s."
        + quote(Identifiers.POSITION)
        + " < t."
        + quote(Identifiers.POSITION)
        + ") k WHERE "
        + notInHistory(table, "k", keys, "k." + quote(Identifiers.POSITION));
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
