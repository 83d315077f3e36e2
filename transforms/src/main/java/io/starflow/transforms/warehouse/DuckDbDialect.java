package io.starflow.transforms.warehouse;

import io.github.resilience4j.core.IntervalFunction;
import io.github.resilience4j.retry.Retry;
import io.github.resilience4j.retry.RetryConfig;
import io.starflow.schemas.ColumnType;
import java.math.BigDecimal;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import javax.annotation.Nullable;
import org.duckdb.DuckDBAppender;
import org.duckdb.DuckDBConnection;

/**
 * DuckDB: one process holds the database file; connections in that process share it. Rows are
 * staged through DuckDB's Appender into a connection-local temporary table.
 */
final class DuckDbDialect extends SqlDialect {
  /** DuckDB's widest decimal. */
  static final int MAX_PRECISION = 38;

  /** The scale a decimal of varying scale is stored with: 20 integer and 18 fraction digits. */
  static final int VARIABLE_SCALE = 18;

  @Override
  public String name() {
    return "duckdb";
  }

  @Override
  void loadDriver() {
    try {
      Class.forName("org.duckdb.DuckDBDriver");
    } catch (ClassNotFoundException e) {
      throw new IllegalStateException("the DuckDB JDBC driver is not on the classpath", e);
    }
  }

  /** One open of a database file at a time in this process: see {@link #open}. */
  private static final ConcurrentHashMap<String, Object> OPENING = new ConcurrentHashMap<>();

  /** Waits 10 ms doubling up to 0.5 s between tries, about 30 s in all. */
  private static final RetryConfig OPEN_RACE =
      RetryConfig.custom()
          .maxAttempts(70)
          .intervalFunction(
              IntervalFunction.ofExponentialBackoff(
                  java.time.Duration.ofMillis(10), 2, java.time.Duration.ofMillis(500)))
          .retryOnException(
              e -> e.getMessage() != null && e.getMessage().contains("Unique file handle conflict"))
          .build();

  /**
   * Opens a connection; the first one of a process (or the first after the last one closed) opens
   * the database file. Two threads doing that at once, or one while another's last connection is
   * still closing the file, get DuckDB's "Unique file handle conflict": opens of one file are
   * serialized here, and one that meets a file still being closed waits for it and tries again.
   */
  @Override
  Connection open(String url, Properties properties) throws SQLException {
    synchronized (OPENING.computeIfAbsent(url, u -> new Object())) {
      try {
        return Retry.of("duckdb-open", OPEN_RACE)
            .executeCheckedSupplier(() -> DriverManager.getConnection(url, properties));
      } catch (SQLException | RuntimeException e) {
        throw e;
      } catch (Throwable e) {
        throw new SQLException("cannot open " + url, e);
      }
    }
  }

  @Override
  String decimalType(ColumnType type) {
    if (type.scale() == null) {
      return "DECIMAL(" + MAX_PRECISION + "," + VARIABLE_SCALE + ")";
    }
    int precision =
        type.precision() == null || type.precision() > MAX_PRECISION
            ? MAX_PRECISION
            : Math.max(type.precision(), type.scale());
    return "DECIMAL(" + precision + "," + Math.min(type.scale(), precision) + ")";
  }

  @Override
  String realType() {
    return "FLOAT";
  }

  @Override
  String doubleType() {
    return "DOUBLE";
  }

  @Override
  String bytesType() {
    return "BLOB";
  }

  @Override
  String positionType() {
    return "VARCHAR";
  }

  @Override
  String textType() {
    return "VARCHAR";
  }

  @Override
  ColumnType columnTypeOf(String dataType, @Nullable Integer precision, @Nullable Integer scale) {
    String type = dataType.toUpperCase();
    if (type.startsWith("DECIMAL") || type.startsWith("NUMERIC")) {
      return ColumnType.decimal(precision, scale);
    }
    switch (type) {
      case "BOOLEAN":
        return ColumnType.BOOLEAN;
      case "TINYINT":
      case "UTINYINT":
      case "SMALLINT":
        return ColumnType.SMALLINT;
      case "USMALLINT":
      case "INTEGER":
        return ColumnType.INTEGER;
      case "UINTEGER":
      case "BIGINT":
        return ColumnType.BIGINT;
      case "UBIGINT":
      case "HUGEINT":
        return ColumnType.decimal(MAX_PRECISION, 0);
      case "FLOAT":
        return ColumnType.REAL;
      case "DOUBLE":
        return ColumnType.DOUBLE;
      case "BLOB":
        return ColumnType.BYTES;
      case "DATE":
        return ColumnType.DATE;
      case "TIME":
        return ColumnType.TIME;
      case "TIMESTAMP":
      case "TIMESTAMP_S":
      case "TIMESTAMP_MS":
      case "TIMESTAMP_NS":
        return ColumnType.TIMESTAMP;
      case "TIMESTAMP WITH TIME ZONE":
        return ColumnType.TIMESTAMPTZ;
      case "JSON":
        return ColumnType.JSON;
      case "UUID":
        return ColumnType.UUID;
      default:
        // VARCHAR, and types Starflow does not create: staged as text, cast on insert.
        return ColumnType.STRING;
    }
  }

  @Override
  int maxDecimalPrecision() {
    return MAX_PRECISION;
  }

  @Override
  boolean allowsNulCharacter() {
    return true;
  }

  @Override
  void lockForDdl(Connection connection) {
    // One process owns a DuckDB file; writers in it serialize DDL through WarehouseLocks.
  }

  /**
   * DuckDB fails the second of two transactions that touch the same row (with no SQLState): at
   * commit, or at once with a duplicate-key error when both insert a new key (a batch never holds a
   * key twice, so that error can only come from another transaction). The guarded upsert is
   * idempotent, so running the batch again is always safe.
   */
  /** An embedded database has no connection to lose. */
  @Override
  boolean isConnectionFailure(SQLException e) {
    return false;
  }

  @Override
  boolean isRetryable(SQLException e) {
    String message = e.getMessage();
    return message != null
        && (message.contains("TransactionContext Error")
            || message.contains("Constraint Error: Duplicate key"));
  }

  @Override
  String createStage(String stage, List<TableColumn> columns) {
    return "CREATE OR REPLACE TEMP TABLE " + quote(stage) + " (" + definitions(columns) + ")";
  }

  @Override
  String clearStage(String stage) {
    // The Appender commits on its own, outside the batch's transaction.
    return "DELETE FROM " + quote(stage);
  }

  @Override
  String createVersionStage(String stage, List<TableColumn> columns) {
    return "CREATE TABLE IF NOT EXISTS " + quote(stage) + " (" + definitions(columns) + ")";
  }

  @Override
  String createVersionBuffer(String buffer, List<TableColumn> columns) {
    return "CREATE OR REPLACE TEMP TABLE " + quote(buffer) + " (" + definitions(columns) + ")";
  }

  /**
   * Next to the database file: stored tables pay for their write-ahead log and checkpoints on every
   * insert, Parquet files written from a connection's temporary buffer do not, and several writers
   * write theirs at once.
   */
  @Override
  @Nullable
  Path stageDirectory(Connection connection) throws SQLException {
    try (Statement query = connection.createStatement();
        ResultSet rs =
            query.executeQuery(
                "SELECT path FROM duckdb_databases() WHERE database_name = current_database()")) {
      String path = rs.next() ? rs.getString(1) : null;
      return path == null || path.isEmpty() ? null : Path.of(path + ".stage").toAbsolutePath();
    }
  }

  @Override
  String copyToFile(String table, Path file) {
    return "COPY "
        + quote(table)
        + " TO "
        + literal(file.toString())
        + " (FORMAT parquet, COMPRESSION lz4)";
  }

  @Override
  String filesQuery(List<Path> files) {
    StringBuilder list = new StringBuilder();
    for (Path file : files) {
      list.append(list.length() == 0 ? "" : ", ").append(literal(file.toString()));
    }
    return "SELECT * FROM read_parquet([" + list + "], union_by_name = true)";
  }

  private static String literal(String text) {
    return "'" + text.replace("'", "''") + "'";
  }

  /** Versions are appended to their temporary buffer, which is much faster than a stored table. */
  @Override
  StageWriter openVersionStage(Connection connection, String stage, List<TableColumn> columns)
      throws SQLException {
    return appending(
        connection.unwrap(DuckDBConnection.class).createAppender("temp", "main", stage), columns);
  }

  @Override
  String createTempView(String name, String query) {
    return "CREATE OR REPLACE TEMP VIEW " + quote(name) + " AS " + query;
  }

  @Override
  String createTempAs(String name, String query) {
    return "CREATE OR REPLACE TEMP TABLE " + quote(name) + " AS " + query;
  }

  /**
   * DuckDB keeps the (key, position) uniqueness of history rows by how they are written (one
   * writer, versions added once): a unique index over long text keys would cost more than the load
   * itself.
   */
  @Override
  boolean historyPrimaryKey() {
    return false;
  }

  @Override
  String contentHash(List<String> columns) {
    return "hash(" + quoted(columns) + ")";
  }

  @Override
  String firstOfEach(String from, List<String> names, String partition, String order) {
    return "SELECT "
        + quoted(names)
        + " FROM "
        + from
        + " u QUALIFY row_number() OVER (PARTITION BY "
        + partition
        + " ORDER BY "
        + order
        + ") = 1";
  }

  @Override
  String rowJson(String alias) {
    return "CAST(to_json(" + alias + ") AS VARCHAR)";
  }

  @Override
  String md5(String text) {
    return "md5(" + text + ")";
  }

  @Override
  StageWriter openStage(Connection connection, String stage, List<TableColumn> columns)
      throws SQLException {
    return appending(
        connection.unwrap(DuckDBConnection.class).createAppender("temp", "main", stage), columns);
  }

  private static StageWriter appending(DuckDBAppender appender, List<TableColumn> columns) {
    ColumnType.Kind[] kinds =
        columns.stream().map(c -> c.type().kind()).toArray(ColumnType.Kind[]::new);
    return new StageWriter() {
      @Override
      public void append(Object[] row) throws SQLException {
        appender.beginRow();
        for (int i = 0; i < row.length; i++) {
          appendValue(appender, kinds[i], row[i]);
        }
        appender.endRow();
      }

      @Override
      public void close() throws SQLException {
        appender.close();
      }
    };
  }

  private static void appendValue(DuckDBAppender appender, ColumnType.Kind kind, Object value)
      throws SQLException {
    if (value == null) {
      appender.appendNull();
      return;
    }
    switch (kind) {
      case BOOLEAN:
        appender.append((boolean) (Boolean) value);
        return;
      case SMALLINT:
        appender.append((short) (long) (Long) value);
        return;
      case INTEGER:
        appender.append((int) (long) (Long) value);
        return;
      case BIGINT:
        appender.append((long) (Long) value);
        return;
      case REAL:
        appender.append((float) (double) (Double) value);
        return;
      case DOUBLE:
        appender.append((double) (Double) value);
        return;
      case DECIMAL:
        appender.append((BigDecimal) value);
        return;
      case STRING:
      case JSON:
        appender.append((String) value);
        return;
      case UUID:
        appender.append(UUID.fromString((String) value));
        return;
      case BYTES:
        appender.append((byte[]) value);
        return;
      case DATE:
        appender.append((LocalDate) value);
        return;
      case TIME:
        appender.append((LocalTime) value);
        return;
      case TIMESTAMP:
        appender.append((LocalDateTime) value);
        return;
      case TIMESTAMPTZ:
        appender.append(((Instant) value).atOffset(ZoneOffset.UTC));
        return;
    }
    throw new AssertionError(kind);
  }

  @Override
  String hash64(String text) {
    // DuckDB reads '0x...' as an unsigned integer; shifting by 2^63 modulo 2^64 makes it signed.
    return "CAST((CAST(CAST(('0x' || substr(md5("
        + text
        + "), 1, 16)) AS UBIGINT) AS HUGEINT) + 9223372036854775808) % 18446744073709551616"
        + " - 9223372036854775808 AS BIGINT)";
  }

  @Override
  String byteLength(String text) {
    return "strlen(" + text + ")";
  }

  @Override
  String createScratchAs(String name, String query) {
    return "CREATE OR REPLACE TEMP TABLE " + quote(name) + " AS " + query;
  }
}
