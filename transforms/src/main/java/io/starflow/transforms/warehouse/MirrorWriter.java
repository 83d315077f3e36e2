package io.starflow.transforms.warehouse;

import io.starflow.schemas.ChangeRecord;
import io.starflow.schemas.Column;
import io.starflow.schemas.ColumnType;
import io.starflow.schemas.Identifiers;
import io.starflow.schemas.Truncation;
import io.starflow.transforms.compact.RecordOrder;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import javax.annotation.Nullable;

/**
 * Applies batches of change records to mirror tables: one table per source table, holding the
 * source's columns plus {@code _position}, {@code _deleted}, {@code _op} and {@code _event_time}.
 *
 * <p>Each batch of one table is staged in bulk (DuckDB's Appender, PostgreSQL's COPY) and applied
 * by one set-based guarded upsert in one transaction: a row is replaced only by a greater position,
 * and a delete leaves a tombstone ({@code _deleted = true}, the row's last known values) so that a
 * late older change cannot bring it back. Applying the same batch twice changes nothing.
 *
 * <p>Tables are created when missing and gain columns when records bring new ones; column names are
 * matched ignoring case, and a table is not created when the warehouse holds one whose name differs
 * from it only in case ({@link io.starflow.schemas.WarehouseNames}). Two writers must never hold
 * the same key in concurrent transactions (DuckDB fails the second commit): shard batches by key,
 * as {@link ApplyToMirror} does.
 *
 * <p>Nothing a record holds stops a write: a value that does not fit its column, a table whose key
 * or name does not fit the table the warehouse holds, or a row the warehouse refuses (a batch it
 * refuses is split in halves until the refused rows are found) comes back as {@link Rejected}, and
 * the rest of the batch is written. A lost connection is waited out ({@link WarehouseSession}).
 *
 * <p>Not thread-safe: one writer per thread, each with its own connection.
 */
public final class MirrorWriter implements AutoCloseable {
  private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(MirrorWriter.class);

  private final Warehouse warehouse;
  private final SqlDialect dialect;
  private final WarehouseSession session;
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

  /** A record the warehouse cannot take, and why. */
  public static final class Rejected {
    public final ChangeRecord record;
    public final String reason;

    Rejected(ChangeRecord record, String reason) {
      this.record = record;
      this.reason = reason;
    }
  }

  /** What one history write did. */
  public static final class HistoryResult {
    /** Versions added; versions already in the history add none. */
    public final long added;

    /** Versions a history table cannot take, each with its reason. */
    public final List<Rejected> rejected;

    HistoryResult(long added, List<Rejected> rejected) {
      this.added = added;
      this.rejected = rejected;
    }
  }

  private static final class Layout {
    final List<String> keys;
    final List<TableColumn> columns;

    /** The table's columns by their lowercase names: names are matched ignoring case. */
    final Map<String, TableColumn> byName = new HashMap<>();

    Layout(List<String> keys, List<TableColumn> columns) {
      this.keys = keys;
      this.columns = columns;
      columns.forEach(c -> byName.put(lower(c.name()), c));
    }

    boolean has(String column) {
      return byName.containsKey(lower(column));
    }
  }

  /** A record staged as a row of its table, with the columns it left unavailable. */
  private static final class Staged {
    final ChangeRecord record;
    final Object[] row;
    final Set<String> unavailable;

    Staged(ChangeRecord record, Object[] row, Set<String> unavailable) {
      this.record = record;
      this.row = row;
      this.unavailable = unavailable;
    }
  }

  /**
   * A table whose records cannot be written at all (its key or its name does not fit the table the
   * warehouse holds): every record of it is rejected with the reason.
   */
  static final class UnwritableTableException extends Exception {
    UnwritableTableException(String reason) {
      super(reason, null, false, false);
    }
  }

  private MirrorWriter(Warehouse warehouse, WarehouseSession session) {
    this.warehouse = warehouse;
    this.dialect = warehouse.dialect();
    this.session = session;
    // Stages are temporary tables of the connection: gone with it.
    session.onReconnect(stages::clear);
  }

  public static MirrorWriter open(Warehouse warehouse) throws SQLException {
    WarehouseSession session = WarehouseSession.open(warehouse);
    try {
      session.executeDdl(warehouse.dialect().createTruncationsTable());
    } catch (SQLException | RuntimeException e) {
      session.close();
      throw e;
    }
    return new MirrorWriter(warehouse, session);
  }

  /**
   * Stages versions of change records in bulk, for {@link #applyStaged}: every version is coerced
   * to its table (which is made sure of, with its history table when asked) and appended, with its
   * origin and a content hash that breaks ties at one position, to a stage table of this writer.
   * Rows are buffered per table and written in bulk (DuckDB's Appender, PostgreSQL's COPY), each
   * flush committed. A stage follows its table's columns: a record that brings new ones starts a
   * new stage. Not thread-safe.
   */
  public final class VersionStage {
    private static final int FLUSH_ROWS = 20_000;

    private final String prefix;
    private final boolean history;
    private final Map<String, TableStage> tables = new HashMap<>();
    private final Map<String, Set<String>> staged = new LinkedHashMap<>();
    private int stagesMade;

    private VersionStage(String prefix, boolean history) {
      LIVE_STAGES.add(prefix);
      this.prefix = prefix;
      this.history = history;
    }

    private final class TableStage {
      final String name;
      final Layout layout;
      final List<TableColumn> columns;

      /** A connection-private table rows are appended to, then moved to the stage; or null. */
      final @Nullable String buffer;

      /** Where the stage's files go, for a warehouse that stages in files; else null. */
      final @Nullable Path directory;

      int filesWritten;

      final Set<String> exactNames = new java.util.HashSet<>();
      final List<Object[]> rows = new ArrayList<>();
      @Nullable SqlDialect.StageWriter writer;
      long buffered;

      TableStage(String name, Layout layout, @Nullable String buffer, @Nullable Path directory) {
        this.name = name;
        this.layout = layout;
        this.columns = dialect.versionStageColumns(layout.columns);
        this.buffer = buffer;
        this.directory = directory;
        layout.columns.forEach(c -> exactNames.add(c.name()));
      }

      boolean holds(ChangeRecord record) {
        for (Column column : record.columns()) {
          if (!exactNames.contains(column.name()) && !layout.has(column.name())) {
            return false;
          }
        }
        return true;
      }

      void append(Object[] row) throws SQLException {
        if (buffer == null) {
          rows.add(row);
          if (rows.size() >= FLUSH_ROWS) {
            flush(this);
          }
          return;
        }
        if (writer == null) {
          writer = dialect.openVersionStage(session.connection(), buffer, columns);
        }
        writer.append(row);
        buffered++;
      }
    }

    /**
     * Stages one version; returns the reason it cannot land (a value that does not fit, a table
     * whose key or name does not fit the warehouse's), or null.
     */
    public @Nullable String add(ChangeRecord record) throws SQLException {
      String table = record.table();
      TableStage stage = tables.get(table);
      if (stage == null || !stage.holds(record)) {
        if (stage != null) {
          flush(stage);
        }
        Layout layout;
        try {
          layout = ensureTable(table, List.of(record), history);
        } catch (UnwritableTableException e) {
          return e.getMessage();
        }
        stage = newStage(table, layout);
      }
      Object[] row;
      try {
        row = stageRow(stage.layout, record, new LinkedHashSet<>());
      } catch (Coercion.DoesNotFitException e) {
        return e.getMessage();
      }
      Object[] versioned = Arrays.copyOf(row, row.length + 1);
      versioned[row.length] = record.origin();
      stage.append(versioned);
      return null;
    }

    private TableStage newStage(String table, Layout layout) throws SQLException {
      String name = prefix + "_" + stagesMade++;
      List<TableColumn> columns = dialect.versionStageColumns(layout.columns);
      Path directory = stageDirectory();
      if (directory == null) {
        session.executeDdl(dialect.createVersionStage(name, columns));
      } else {
        removeStaleStages(directory);
        directory = directory.resolve(name);
        try {
          Files.createDirectories(directory);
        } catch (IOException e) {
          throw new SQLException("cannot create the stage directory " + directory, e);
        }
      }
      String buffer = dialect.createVersionBuffer(name + "_buffer", columns);
      if (buffer != null) {
        session.inTransaction(c -> execute(c, buffer));
      }
      TableStage stage =
          new TableStage(name, layout, buffer == null ? null : name + "_buffer", directory);
      tables.put(table, stage);
      staged.computeIfAbsent(table, t -> new LinkedHashSet<>()).add(name);
      return stage;
    }

    /** Writes every row added so far to its stage; returns the stages that hold rows, by table. */
    public Map<String, Set<String>> flush() throws SQLException {
      for (TableStage stage : tables.values()) {
        flush(stage);
      }
      return staged;
    }

    private void flush(TableStage stage) throws SQLException {
      if (stage.buffer != null) {
        if (stage.writer == null) {
          return;
        }
        stage.writer.close(); // the rows are in the buffer now
        stage.writer = null;
        if (stage.directory != null) {
          Path file = stage.directory.resolve(stage.filesWritten++ + ".parquet");
          session.inTransaction(
              c -> {
                execute(c, dialect.copyToFile(stage.buffer, file));
                return execute(c, dialect.deleteAll(stage.buffer));
              });
          stage.buffered = 0;
          return;
        }
        session.inTransaction(
            WarehouseLocks.forWrites(warehouse),
            c -> {
              execute(c, dialect.copyRows(stage.buffer, stage.name));
              execute(c, dialect.deleteAll(stage.buffer));
              return 0L;
            },
            c -> {});
        stage.buffered = 0;
        return;
      }
      if (stage.rows.isEmpty()) {
        return;
      }
      session.inTransaction(
          WarehouseLocks.forWrites(warehouse),
          c -> {
            try (SqlDialect.StageWriter writer =
                dialect.openVersionStage(c, stage.name, stage.columns)) {
              for (Object[] row : stage.rows) {
                writer.append(row);
              }
            }
            return (long) stage.rows.size();
          },
          c -> {});
      stage.rows.clear();
    }
  }

  /** The prefixes of the version stages made in this process. */
  static final Set<String> LIVE_STAGES = java.util.concurrent.ConcurrentHashMap.newKeySet();

  /** The stage directories this process has cleared of stale stages. */
  private static final Set<Path> CLEARED = java.util.concurrent.ConcurrentHashMap.newKeySet();

  /**
   * Deletes, once per process, the stages in {@code directory} that no writer of this process made:
   * a run that was killed left them. The warehouse is an embedded DuckDB file, which one process at
   * a time holds open, so no other process is staging there.
   */
  static void removeStaleStages(Path directory) throws SQLException {
    if (!CLEARED.add(directory) || !Files.isDirectory(directory)) {
      return;
    }
    try (Stream<Path> stages = Files.list(directory)) {
      for (Path stage : (Iterable<Path>) stages::iterator) {
        String name = stage.getFileName().toString();
        if (LIVE_STAGES.stream()
            .noneMatch(prefix -> name.equals(prefix) || name.startsWith(prefix + "_"))) {
          deleteStage(stage);
        }
      }
    } catch (IOException e) {
      throw new SQLException("cannot list the stages in " + directory, e);
    }
  }

  private boolean stageDirectoryKnown;
  private @Nullable Path stageDirectory;

  /** Where this warehouse's stages are kept as files, or null when they are tables. */
  private @Nullable Path stageDirectory() throws SQLException {
    if (!stageDirectoryKnown) {
      stageDirectory = dialect.stageDirectory(session.connection());
      stageDirectoryKnown = true;
    }
    return stageDirectory;
  }

  /**
   * A stage of versions for {@link #applyStaged}, its tables named after {@code prefix} (unique to
   * this writer in the warehouse); with {@code history}, tables get their history table too.
   */
  public VersionStage versionStage(String prefix, boolean history) {
    return new VersionStage(prefix, history);
  }

  /** What applying one table's staged versions did. */
  public static final class StagedResult {
    /** Versions staged, redeliveries included. */
    public final long staged;

    /** Rows handed to the guarded upsert: the latest version of each key. */
    public final long applied;

    /** Rows the upsert inserted or replaced. */
    public final long changed;

    /** Versions added to the history. */
    public final long historyAdded;

    /** Versions dead-lettered because the warehouse refused the table's batch. */
    public final long refused;

    StagedResult(long staged, long applied, long changed, long historyAdded, long refused) {
      this.staged = staged;
      this.applied = applied;
      this.changed = changed;
      this.historyAdded = historyAdded;
      this.refused = refused;
    }
  }

  private static final String VERSIONS = "starflow_versions";

  /** Whether {@link #VERSIONS} is, in the transaction at hand, a view of the stages. */
  private boolean versionsAreAView;

  /** Whether the last versions collected hold one per key. */
  private boolean oneVersionPerKey;

  /** Whether {@link #LATEST} is a view of {@link #VERSIONS} in the current transaction. */
  private boolean latestIsAView;

  private static final String LATEST = "starflow_latest";

  /**
   * Applies the versions of {@code table} staged in {@code stages}, set-based in one transaction:
   * every distinct version (key and position) to the history (when {@code history}; intervals and
   * values left unavailable recomputed for the keys touched), and the latest per key to the mirror
   * with the guarded upsert, its unavailable columns filled from the newest older version that has
   * them, else from the table. Then drops the stages. When the warehouse refuses the batch (for a
   * reason other than a lost connection), every staged version is dead-lettered with the reason and
   * the stages are dropped all the same.
   */
  public StagedResult applyStaged(String table, List<String> stages, boolean history)
      throws SQLException {
    Path directory = stageDirectory();
    if (directory == null) {
      return applyStaged(table, stages, null, history);
    }
    Map<String, List<Path>> files = new LinkedHashMap<>();
    for (String stage : stages) {
      List<Path> written = stageFiles(directory.resolve(stage));
      if (!written.isEmpty()) {
        files.put(stage, written);
      }
    }
    StagedResult result =
        files.isEmpty()
            ? new StagedResult(0, 0, 0, 0, 0)
            : applyStaged(table, new ArrayList<>(files.keySet()), files, history);
    // only once the versions are in the warehouse, or dead-lettered there
    for (String stage : stages) {
      deleteStage(directory.resolve(stage));
    }
    return result;
  }

  private StagedResult applyStaged(
      String table, List<String> stages, @Nullable Map<String, List<Path>> files, boolean history)
      throws SQLException {
    long[] counts = new long[5];
    try {
      session.inTransaction(
          WarehouseLocks.forWrites(warehouse),
          c -> {
            long started = System.nanoTime();
            viewStageFiles(c, files);
            Layout layout = withoutMetadata(readLayout(c, table));
            counts[0] = collect(c, table, stages, layout);
            long collected = System.nanoTime();
            if (history) {
              counts[3] = appendHistory(c, table, layout, VERSIONS);
            }
            long historized = System.nanoTime();
            Set<String> unavailable = unavailableColumns(c, VERSIONS, layout);
            // one version per key, each whole, no truncation to honour: the versions are the
            // latest ones as they are, read where they lie instead of copied
            latestIsAView =
                oneVersionPerKey && unavailable.isEmpty() && truncationOf(c, table) == null;
            if (latestIsAView) {
              execute(c, dialect.latestAsView(LATEST, VERSIONS, layout.columns));
              counts[1] = counts[0];
            } else {
              execute(c, dialect.latestVersions(LATEST, VERSIONS, layout.keys, layout.columns));
              counts[1] = count(c, LATEST);
            }
            for (String column : unavailable) {
              try (PreparedStatement fill =
                  c.prepareStatement(
                      dialect.fillLatestFromVersions(LATEST, VERSIONS, layout.keys, column))) {
                for (int i = 1; i <= 3; i++) {
                  fill.setString(i, "," + column + ",");
                }
                fill.executeUpdate();
              }
            }
            counts[2] =
                upsertMirror(
                    c,
                    table,
                    layout,
                    LATEST,
                    latestIsAView ? Set.of() : unavailableColumns(c, LATEST, layout));
            dropAll(c, stages, files != null);
            LOG.debug(
                "{}: {} versions collected in {} ms, history in {} ms, mirror in {} ms",
                table,
                counts[0],
                (collected - started) / 1_000_000,
                (historized - collected) / 1_000_000,
                (System.nanoTime() - historized) / 1_000_000);
            return counts[2];
          },
          c -> {});
    } catch (SQLException e) {
      if (session.isTransient(e)) {
        throw e;
      }
      String reason =
          "mirror table "
              + table
              + ": the warehouse refused the batch: "
              + warehouse.masked(e.getMessage());
      session.executeDdl(dialect.createDeadLetterTableSql());
      counts[4] =
          session.inTransaction(
              WarehouseLocks.forWrites(warehouse),
              c -> {
                viewStageFiles(c, files);
                Layout layout = withoutMetadata(readLayout(c, table));
                long versions = collect(c, table, stages, layout);
                try (PreparedStatement letters =
                    c.prepareStatement(dialect.deadLetterVersions(VERSIONS))) {
                  letters.setString(1, reason);
                  letters.executeUpdate();
                }
                dropAll(c, stages, files != null);
                return versions;
              },
              c -> {});
      counts[0] = counts[4];
    }
    return new StagedResult(counts[0], counts[1], counts[2], counts[3], counts[4]);
  }

  /**
   * Collects the distinct versions of the stages into {@link #VERSIONS}; returns how many were
   * staged.
   */
  private long collect(Connection c, String table, List<String> stages, Layout layout)
      throws SQLException {
    List<List<String>> stageColumns = new ArrayList<>();
    long staged = 0;
    for (String stage : stages) {
      List<String> names = new ArrayList<>();
      Layout stageLayout = readLayout(c, stage);
      if (stageLayout != null) {
        stageLayout.columns.forEach(column -> names.add(column.name()));
      }
      stageColumns.add(names);
      staged += count(c, stage);
    }
    String union = dialect.unionOfStages(stages, stageColumns, layout.columns);
    long repeated;
    try (Statement query = c.createStatement();
        ResultSet rs = query.executeQuery(dialect.countRepeatedVersions(union, layout.keys))) {
      rs.next();
      repeated = rs.getLong(1);
      oneVersionPerKey = rs.getLong(2) == 0;
    }
    latestIsAView = false;
    // Most inputs hold each version once: then the stages are read as they are, not copied.
    versionsAreAView = repeated == 0;
    execute(
        c,
        repeated == 0
            ? dialect.versionsAsView(VERSIONS, union)
            : dialect.distinctVersions(VERSIONS, union, layout.keys, layout.columns));
    return staged;
  }

  private Set<String> unavailableColumns(Connection c, String versions, Layout layout)
      throws SQLException {
    Set<String> unavailable = new LinkedHashSet<>();
    try (Statement query = c.createStatement();
        ResultSet rs = query.executeQuery(dialect.unavailableIn(versions))) {
      while (rs.next()) {
        for (String name : rs.getString(1).split(",")) {
          if (!name.isEmpty() && layout.has(name)) {
            unavailable.add(name);
          }
        }
      }
    }
    return unavailable;
  }

  private long count(Connection c, String table) throws SQLException {
    try (Statement query = c.createStatement();
        ResultSet rs = query.executeQuery(dialect.countRows(table))) {
      rs.next();
      return rs.getLong(1);
    }
  }

  private void dropAll(Connection c, List<String> stages, boolean views) throws SQLException {
    // the view of the stages first: the warehouse keeps a table a view depends on
    // a view first: the warehouse keeps a table or view another view depends on
    execute(c, latestIsAView ? dialect.dropView(LATEST) : dialect.dropTable(LATEST));
    execute(c, versionsAreAView ? dialect.dropView(VERSIONS) : dialect.dropTable(VERSIONS));
    for (String stage : stages) {
      execute(c, views ? dialect.dropView(stage) : dialect.dropTable(stage));
    }
  }

  /** Makes each stage kept in files readable as a view named after it. */
  private void viewStageFiles(Connection c, @Nullable Map<String, List<Path>> files)
      throws SQLException {
    if (files != null) {
      for (Map.Entry<String, List<Path>> stage : files.entrySet()) {
        execute(c, dialect.viewOfFiles(stage.getKey(), stage.getValue()));
      }
    }
  }

  private static List<Path> stageFiles(Path directory) throws SQLException {
    if (!Files.isDirectory(directory)) {
      return List.of();
    }
    try (Stream<Path> listed = Files.list(directory)) {
      return listed
          .filter(f -> f.toString().endsWith(".parquet"))
          .sorted()
          .collect(Collectors.toList());
    } catch (IOException e) {
      throw new SQLException("cannot list the stage " + directory, e);
    }
  }

  static void deleteStage(Path directory) throws SQLException {
    if (!Files.isDirectory(directory)) {
      return;
    }
    try (Stream<Path> listed = Files.list(directory)) {
      for (Path file : (Iterable<Path>) listed::iterator) {
        Files.deleteIfExists(file);
      }
      Files.deleteIfExists(directory);
    } catch (IOException e) {
      throw new SQLException("cannot delete the applied stage " + directory, e);
    }
    try {
      Files.deleteIfExists(directory.getParent()); // once no run stages there any more
    } catch (IOException e) {
      // other stages are still in it
    }
  }

  /**
   * Applies a truncate: rows of the table older than its position become tombstones at it (only
   * their key kept), every key of the history with a version before it gets a deletion there, and
   * the truncation is kept so that older versions that arrive later are treated the same. Writes of
   * the table wait while it is applied. Applying it again changes nothing.
   */
  public void truncate(Truncation truncation) throws SQLException {
    String table = truncation.table();
    String position = truncation.position().encoded();
    java.time.OffsetDateTime time = truncation.eventTime().atOffset(java.time.ZoneOffset.UTC);
    session.inTransaction(
        WarehouseLocks.forDdl(warehouse),
        c -> {
          dialect.lockForDdl(c);
          try (PreparedStatement insert = c.prepareStatement(dialect.insertTruncation())) {
            insert.setString(1, table);
            insert.setString(2, position);
            insert.setObject(3, time);
            insert.executeUpdate();
          }
          if (!table.equals(tableIgnoringCase(c, table))) {
            return 0L; // nothing of it written yet: later writes honour the truncation
          }
          Layout layout = withoutMetadata(readLayout(c, table));
          String historyTable = table + SqlDialect.HISTORY_SUFFIX;
          boolean history =
              Identifiers.isValid(historyTable) && readLayout(c, historyTable) != null;
          for (String locked : history ? List.of(table, historyTable) : List.of(table)) {
            String lock = dialect.lockForTruncation(locked);
            if (lock != null) {
              execute(c, lock);
            }
          }
          long rows;
          try (PreparedStatement update =
              c.prepareStatement(dialect.truncateRows(table, layout.keys, layout.columns, false))) {
            bindTruncation(update, position, time);
            rows = update.executeUpdate();
          }
          if (history) {
            try (PreparedStatement insert =
                c.prepareStatement(dialect.truncateHistory(table, layout.keys))) {
              bindTruncation(insert, position, time);
              insert.setString(4, position);
              insert.executeUpdate();
            }
            execute(c, dialect.recomputeHistoryIntervals(table, null, layout.keys));
            markTouched(c, table, layout, SqlDialect.historyTable(table));
          }
          return rows;
        },
        c -> {});
    layouts.remove(table);
  }

  private static void bindTruncation(
      PreparedStatement statement, String position, java.time.OffsetDateTime time)
      throws SQLException {
    statement.setString(1, position);
    statement.setObject(2, time);
    statement.setString(3, position);
  }

  /**
   * Makes staged rows that a truncation of their table came after tombstones at its position, as
   * the truncation made the rows the table already held.
   */
  private void honourTruncation(Connection c, String table, String stage, Layout layout)
      throws SQLException {
    Object[] truncation = truncationOf(c, table);
    if (truncation == null) {
      return;
    }
    String position = (String) truncation[0];
    Object time = truncation[1];
    try (PreparedStatement update =
        c.prepareStatement(dialect.truncateRows(stage, layout.keys, layout.columns, true))) {
      update.setString(1, position);
      update.setObject(2, time);
      update.setString(3, position);
      update.executeUpdate();
    }
  }

  /** The position and time of the latest truncation of {@code table}, or null when none. */
  private @Nullable Object[] truncationOf(Connection c, String table) throws SQLException {
    try (PreparedStatement latest = c.prepareStatement(dialect.latestTruncation())) {
      latest.setString(1, table);
      try (ResultSet rs = latest.executeQuery()) {
        return rs.next() ? new Object[] {rs.getString(1), rs.getObject(2)} : null;
      }
    }
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
      String table = entry.getKey();
      List<ChangeRecord> records = new ArrayList<>(entry.getValue().values());
      List<Staged> staged = stage(table, records, false, rejected);
      if (staged == null) {
        continue;
      }
      Layout layout = layouts.get(table);
      long[] appliedHere = {0};
      changed +=
          applyOrBisect(
              table,
              staged,
              rejected,
              part -> {
                Set<String> unavailable = new LinkedHashSet<>();
                part.forEach(r -> unavailable.addAll(r.unavailable));
                long done =
                    applyWithRetries(
                        table,
                        layout,
                        part,
                        (c, stage) -> upsertMirror(c, table, layout, stage, unavailable));
                appliedHere[0] += part.size();
                return done;
              });
      applied += appliedHere[0];
    }
    return new Result(applied, changed, rejected);
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
      String table = entry.getKey();
      List<Staged> staged =
          stage(table, new ArrayList<>(entry.getValue().values()), true, rejected);
      if (staged == null) {
        continue;
      }
      Layout layout = layouts.get(table);
      added +=
          applyOrBisect(
              table,
              staged,
              rejected,
              part ->
                  applyWithRetries(
                      table, layout, part, (c, stage) -> appendHistory(c, table, layout, stage)));
    }
    return new HistoryResult(added, rejected);
  }

  /**
   * The records of one table as rows of it, after making sure of the table; records whose values do
   * not fit it are rejected. Null when no record of the table can be written.
   */
  private List<Staged> stage(
      String table, List<ChangeRecord> records, boolean history, List<Rejected> rejected)
      throws SQLException {
    Layout layout;
    try {
      layout = ensureTable(table, records, history);
    } catch (UnwritableTableException e) {
      records.forEach(r -> rejected.add(new Rejected(r, e.getMessage())));
      return null;
    }
    List<Staged> staged = new ArrayList<>(records.size());
    for (ChangeRecord record : records) {
      Set<String> unavailable = new LinkedHashSet<>();
      try {
        staged.add(new Staged(record, stageRow(layout, record, unavailable), unavailable));
      } catch (Coercion.DoesNotFitException e) {
        rejected.add(new Rejected(record, e.getMessage()));
      }
    }
    return staged;
  }

  /** What one transaction writes of a part of a table's rows. */
  private interface PartWrite {
    long write(List<Staged> part) throws SQLException;
  }

  /**
   * Writes {@code rows} in one transaction; when the warehouse refuses it (for a reason other than
   * a lost connection or a conflict, which the session waits out), writes each half on its own,
   * down to single rows, so that only the rows the warehouse refuses are rejected. Returns what the
   * writes count.
   */
  private long applyOrBisect(
      String table, List<Staged> rows, List<Rejected> rejected, PartWrite write)
      throws SQLException {
    if (rows.isEmpty()) {
      return 0;
    }
    try {
      return write.write(rows);
    } catch (SQLException e) {
      if (session.isTransient(e)) {
        throw e; // the warehouse stayed out of reach or in conflict too long: the run fails
      }
      if (rows.size() == 1) {
        rejected.add(
            new Rejected(
                rows.get(0).record,
                "the warehouse refused the row of table "
                    + table
                    + ": "
                    + warehouse.masked(e.getMessage())));
        return 0;
      }
      int half = rows.size() / 2;
      return applyOrBisect(table, new ArrayList<>(rows.subList(0, half)), rejected, write)
          + applyOrBisect(table, new ArrayList<>(rows.subList(half, rows.size())), rejected, write);
    }
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
        column = record.columnIgnoringCase(target.name());
        if (column == null) {
          continue;
        }
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
    long run(Connection connection, String stage) throws SQLException;
  }

  /** Stages {@code rows}, runs {@code work} and commits; again if the failure was transient. */
  private long applyWithRetries(String table, Layout layout, List<Staged> rows, StagedWork work)
      throws SQLException {
    return session.inTransaction(
        WarehouseLocks.forWrites(warehouse),
        c -> {
          String stage = stageFor(c, table, layout);
          try (SqlDialect.StageWriter writer = dialect.openStage(c, stage, stageColumns(layout))) {
            for (Staged row : rows) {
              writer.append(row.row);
            }
          }
          return work.run(c, stage);
        },
        c -> clearStage(c, table));
  }

  /** The guarded upsert of staged rows into the mirror table. */
  private long upsertMirror(
      Connection c, String table, Layout layout, String stage, Set<String> unavailable)
      throws SQLException {
    for (String column : unavailable) {
      try (PreparedStatement fill =
          c.prepareStatement(dialect.fillUnavailable(table, stage, layout.keys, column))) {
        fill.setString(1, "," + column + ",");
        fill.executeUpdate();
      }
    }
    honourTruncation(c, table, stage, layout);
    try (Statement merge = c.createStatement()) {
      return merge.executeUpdate(dialect.mergeFromStage(table, stage, layout.keys, layout.columns));
    }
  }

  /**
   * Adds staged versions to the history and rebuilds the history of their keys: values of columns a
   * version left out, then validity intervals.
   */
  private long appendHistory(Connection c, String table, Layout layout, String stage)
      throws SQLException {
    long started = System.nanoTime();
    boolean hadVersions;
    try (Statement query = c.createStatement();
        ResultSet rs = query.executeQuery(dialect.historyOfStagedKeys(table, stage, layout.keys))) {
      rs.next();
      hadVersions = rs.getBoolean(1);
    }
    long added;
    try (Statement insert = c.createStatement()) {
      added =
          insert.executeUpdate(
              dialect.insertHistoryFromStage(table, stage, layout.keys, layout.columns));
    }
    long truncated;
    try (PreparedStatement truncations =
        c.prepareStatement(dialect.truncationsOfStagedVersions(table, stage, layout.keys))) {
      truncations.setString(1, table);
      truncated = truncations.executeUpdate();
    }
    Set<String> unavailable = new LinkedHashSet<>();
    try (Statement query = c.createStatement();
        ResultSet rs =
            query.executeQuery(dialect.unavailableInHistory(table, stage, layout.keys))) {
      while (rs.next()) {
        for (String name : rs.getString(1).split(",")) {
          if (!name.isEmpty() && layout.has(name)) {
            unavailable.add(name);
          }
        }
      }
    }
    for (String column : unavailable) {
      try (PreparedStatement fill =
          c.prepareStatement(dialect.fillHistoryUnavailable(table, stage, layout.keys, column))) {
        fill.setString(1, "," + column + ",");
        fill.setString(2, "," + column + ",");
        fill.executeUpdate();
      }
    }
    markTouched(c, table, layout, stage);
    long filled = System.nanoTime();
    // New versions got their intervals as they were added; the ones already there, or next to a
    // truncation added after them, may have to change.
    if (hadVersions || truncated > 0) {
      try (Statement recompute = c.createStatement()) {
        recompute.executeUpdate(dialect.recomputeHistoryIntervals(table, stage, layout.keys));
      }
    }
    LOG.debug(
        "{}: {} versions added to the history in {} ms, intervals in {} ms",
        table,
        added,
        (filled - started) / 1_000_000,
        (System.nanoTime() - filled) / 1_000_000);
    return added;
  }

  /**
   * Lists the keys of {@code rows} (staged versions, or the whole history) as touched, for the
   * key-scoped refresh of a star built from {@code table}; nothing when no star is (its touched
   * table is made with the star's tables).
   */
  private void markTouched(Connection c, String table, Layout layout, String rows)
      throws SQLException {
    String touched = SqlDialect.touchedTable(table);
    if (touched.equals(tableIgnoringCase(c, touched))) {
      execute(c, dialect.insertTouched(table, rows, layout.keys));
    }
  }

  private void clearStage(Connection c, String table) throws SQLException {
    String stage = stages.get(table);
    String clear = stage == null ? null : dialect.clearStage(stage);
    if (clear != null) {
      try (Statement statement = c.createStatement()) {
        statement.execute(clear);
      }
      c.commit();
    }
  }

  private List<TableColumn> stageColumns(Layout layout) {
    List<TableColumn> columns = new ArrayList<>(layout.columns);
    columns.addAll(dialect.metadataColumns());
    columns.add(TableColumn.of(SqlDialect.UNAVAILABLE, ColumnType.STRING));
    return columns;
  }

  private String stageFor(Connection c, String table, Layout layout) throws SQLException {
    String stage = stages.get(table);
    if (stage == null) {
      stage = "starflow_stage_" + stages.size();
      try (Statement statement = c.createStatement()) {
        statement.execute(dialect.createStage(stage, stageColumns(layout)));
      }
      c.commit();
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
      throws SQLException, UnwritableTableException {
    List<String> keys = records.get(0).keyColumns();
    Map<String, Column> needed = new LinkedHashMap<>();
    for (ChangeRecord record : records) {
      for (Column column : record.columns()) {
        needed.putIfAbsent(lower(column.name()), column);
      }
    }
    Layout known = layouts.get(table);
    if (known != null
        && known.byName.keySet().containsAll(needed.keySet())
        && (!history || historyEnsured.contains(table))) {
      return known;
    }
    String[] problem = {null};
    Layout layout =
        session.inTransaction(
            WarehouseLocks.forDdl(warehouse),
            c -> {
              dialect.lockForDdl(c);
              String existing = tableIgnoringCase(c, table);
              if (existing != null && !existing.equals(table)) {
                problem[0] =
                    "table '"
                        + table
                        + "' differs only in case from the warehouse's table '"
                        + existing
                        + "': warehouse names ignore case, so its records cannot land there;"
                        + " mirror them into another table (--table)";
                return null;
              }
              Layout found = existing == null ? null : readLayout(c, table);
              if (found == null) {
                List<TableColumn> columns = new ArrayList<>();
                needed
                    .values()
                    .forEach(col -> columns.add(TableColumn.of(col.name(), orText(col))));
                execute(c, dialect.createMirrorTable(table, keys, columns));
              } else {
                for (Column column : needed.values()) {
                  if (!found.has(column.name())) {
                    execute(
                        c, dialect.addColumn(table, TableColumn.of(column.name(), orText(column))));
                  }
                }
              }
              found = readLayout(c, table);
              String historyTable = table + SqlDialect.HISTORY_SUFFIX;
              boolean historyExists =
                  Identifiers.isValid(historyTable) && readLayout(c, historyTable) != null;
              if (found != null && (history || historyExists)) {
                Layout source = withoutMetadata(found);
                execute(c, dialect.createHistoryTable(table, source.keys, source.columns));
                for (TableColumn column : source.columns) {
                  execute(c, dialect.addColumn(SqlDialect.historyTable(table), column));
                }
                historyEnsured.add(table);
              }
              return found;
            },
            c -> {});
    if (problem[0] != null) {
      throw new UnwritableTableException(problem[0]);
    }
    if (layout == null) {
      throw new SQLException("mirror table '" + table + "' is missing after creating it");
    }
    if (!sameNames(layout.keys, keys)) {
      throw new UnwritableTableException(
          "mirror table '"
              + table
              + "' has primary key "
              + layout.keys
              + " but its records are keyed by "
              + keys
              + ": drop the table or configure the same key");
    }
    if (!Identifiers.MIRROR_METADATA.stream().allMatch(layout::has)) {
      throw new UnwritableTableException(
          "table '"
              + table
              + "' exists but is not a mirror table: it lacks "
              + Identifiers.MIRROR_METADATA);
    }
    // The stage follows the table's columns: recreate it on the next write.
    String stage = stages.remove(table);
    if (stage != null) {
      session.inTransaction(c -> execute(c, dialect.dropTable(stage)));
    }
    Layout sourceColumns = withoutMetadata(layout);
    layouts.put(table, sourceColumns);
    return sourceColumns;
  }

  private static boolean sameNames(List<String> a, List<String> b) {
    if (a.size() != b.size()) {
      return false;
    }
    for (int i = 0; i < a.size(); i++) {
      if (!a.get(i).equalsIgnoreCase(b.get(i))) {
        return false;
      }
    }
    return true;
  }

  private static String lower(String name) {
    return name.toLowerCase(Locale.ROOT);
  }

  private static ColumnType orText(Column column) {
    return column.type() == null ? ColumnType.STRING : column.type();
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

  /** The name the warehouse holds a table under, matched ignoring case; null when none. */
  private String tableIgnoringCase(Connection c, String table) throws SQLException {
    try (PreparedStatement statement = c.prepareStatement(dialect.findTableIgnoringCase())) {
      statement.setString(1, table);
      try (ResultSet rs = statement.executeQuery()) {
        String found = null;
        while (rs.next()) {
          String name = rs.getString(1);
          if (found == null || name.equals(table)) {
            found = name;
          }
        }
        return found;
      }
    }
  }

  private Layout readLayout(Connection c, String table) throws SQLException {
    List<TableColumn> columns = new ArrayList<>();
    try (PreparedStatement statement = c.prepareStatement(dialect.readColumns())) {
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
    try (PreparedStatement statement = c.prepareStatement(dialect.readPrimaryKey())) {
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

  static long execute(Connection c, String sql) throws SQLException {
    try (Statement statement = c.createStatement()) {
      statement.execute(sql);
    }
    return 0;
  }

  @Override
  public void close() throws SQLException {
    session.close();
  }
}
