package io.starflow.transforms.warehouse;

import io.starflow.schemas.ColumnType;
import java.io.ByteArrayOutputStream;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import javax.annotation.Nullable;
import org.postgresql.PGConnection;
import org.postgresql.copy.CopyIn;

/**
 * PostgreSQL: rows are staged with {@code COPY ... FROM STDIN (FORMAT csv)} into a temporary table
 * that empties itself at commit. {@code _position} uses the "C" collation so that it sorts
 * byte-wise whatever the database's default collation.
 */
final class PostgresDialect extends SqlDialect {
  private static final Set<String> RETRYABLE_STATES = Set.of("40001", "40P01");
  private static final long DDL_LOCK_ID = 0x5374_6172_666c_6f77L;
  private static final int COPY_CHUNK = 1 << 16;

  @Override
  public String name() {
    return "postgresql";
  }

  @Override
  void loadDriver() {
    try {
      Class.forName("org.postgresql.Driver");
    } catch (ClassNotFoundException e) {
      throw new IllegalStateException("the PostgreSQL JDBC driver is not on the classpath", e);
    }
  }

  @Override
  String decimalType(ColumnType type) {
    if (type.precision() == null || type.scale() == null) {
      return "NUMERIC";
    }
    return "NUMERIC(" + Math.max(type.precision(), type.scale()) + "," + type.scale() + ")";
  }

  @Override
  String realType() {
    return "REAL";
  }

  @Override
  String doubleType() {
    return "DOUBLE PRECISION";
  }

  @Override
  String bytesType() {
    return "BYTEA";
  }

  @Override
  String positionType() {
    return "TEXT COLLATE \"C\"";
  }

  @Override
  String textType() {
    return "TEXT";
  }

  @Override
  ColumnType columnTypeOf(String dataType, @Nullable Integer precision, @Nullable Integer scale) {
    switch (dataType.toLowerCase()) {
      case "boolean":
        return ColumnType.BOOLEAN;
      case "smallint":
        return ColumnType.SMALLINT;
      case "integer":
        return ColumnType.INTEGER;
      case "bigint":
        return ColumnType.BIGINT;
      case "real":
        return ColumnType.REAL;
      case "double precision":
        return ColumnType.DOUBLE;
      case "numeric":
        return precision == null
            ? ColumnType.VARIABLE_DECIMAL
            : ColumnType.decimal(precision, scale);
      case "bytea":
        return ColumnType.BYTES;
      case "date":
        return ColumnType.DATE;
      case "time without time zone":
        return ColumnType.TIME;
      case "timestamp without time zone":
        return ColumnType.TIMESTAMP;
      case "timestamp with time zone":
        return ColumnType.TIMESTAMPTZ;
      case "json":
      case "jsonb":
        return ColumnType.JSON;
      case "uuid":
        return ColumnType.UUID;
      default:
        return ColumnType.STRING;
    }
  }

  @Override
  int maxDecimalPrecision() {
    return 1000;
  }

  @Override
  boolean allowsNulCharacter() {
    return false;
  }

  @Override
  void lockForDdl(Connection connection) throws SQLException {
    try (Statement statement = connection.createStatement()) {
      statement.execute("SELECT pg_advisory_xact_lock(" + DDL_LOCK_ID + ")");
    }
  }

  /**
   * Class 08 (connection exception: refused, broken, closed) and the server's own shutdowns (57P01
   * admin shutdown, as when a backend is terminated; 57P02 crash; 57P03 cannot connect now).
   */
  @Override
  boolean isConnectionFailure(SQLException e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof SQLException) {
        String state = ((SQLException) t).getSQLState();
        if (state != null && (state.startsWith("08") || state.startsWith("57P0"))) {
          return true;
        }
      }
    }
    return false;
  }

  /** Writes take ROW EXCLUSIVE, which this mode waits for and keeps out until the commit. */
  @Override
  String lockForTruncation(String table) {
    return "LOCK TABLE " + quote(table) + " IN SHARE ROW EXCLUSIVE MODE";
  }

  @Override
  boolean isRetryable(SQLException e) {
    return e.getSQLState() != null && RETRYABLE_STATES.contains(e.getSQLState());
  }

  @Override
  String createStage(String stage, List<TableColumn> columns) {
    return "CREATE TEMP TABLE IF NOT EXISTS "
        + quote(stage)
        + " ("
        + definitions(columns)
        + ") ON COMMIT DELETE ROWS";
  }

  @Override
  @Nullable
  String clearStage(String stage) {
    return null;
  }

  /** Unlogged: a stage is rebuilt from its input, never worth a write-ahead log. */
  @Override
  String createVersionStage(String stage, List<TableColumn> columns) {
    return "CREATE UNLOGGED TABLE IF NOT EXISTS "
        + quote(stage)
        + " ("
        + definitions(columns)
        + ")";
  }

  @Override
  StageWriter openVersionStage(Connection connection, String stage, List<TableColumn> columns)
      throws SQLException {
    return openStage(connection, stage, columns);
  }

  @Override
  String createTempView(String name, String query) {
    return "CREATE TEMP VIEW " + quote(name) + " AS " + query;
  }

  @Override
  String createTempAs(String name, String query) {
    return "CREATE TEMP TABLE " + quote(name) + " ON COMMIT DROP AS " + query;
  }

  @Override
  String contentHash(List<String> columns) {
    return "md5(CAST(ROW(" + quoted(columns) + ") AS TEXT))";
  }

  @Override
  String rowJson(String alias) {
    return "CAST(row_to_json(" + alias + ") AS TEXT)";
  }

  @Override
  String md5(String text) {
    return "md5(" + text + ")";
  }

  @Override
  StageWriter openStage(Connection connection, String stage, List<TableColumn> columns)
      throws SQLException {
    String copy =
        "COPY "
            + quote(stage)
            + " ("
            + quoted(columns.stream().map(TableColumn::name).collect(Collectors.toList()))
            + ") FROM STDIN (FORMAT csv)";
    CopyIn copyIn = connection.unwrap(PGConnection.class).getCopyAPI().copyIn(copy);
    ColumnType.Kind[] kinds =
        columns.stream().map(c -> c.type().kind()).toArray(ColumnType.Kind[]::new);
    return new StageWriter() {
      private final ByteArrayOutputStream buffer = new ByteArrayOutputStream(COPY_CHUNK * 2);
      private final StringBuilder line = new StringBuilder(256);

      @Override
      public void append(Object[] row) throws SQLException {
        line.setLength(0);
        for (int i = 0; i < row.length; i++) {
          if (i > 0) {
            line.append(',');
          }
          appendCsv(line, kinds[i], row[i]);
        }
        line.append('\n');
        byte[] bytes = line.toString().getBytes(StandardCharsets.UTF_8);
        buffer.write(bytes, 0, bytes.length);
        if (buffer.size() >= COPY_CHUNK) {
          flush();
        }
      }

      private void flush() throws SQLException {
        copyIn.writeToCopy(buffer.toByteArray(), 0, buffer.size());
        buffer.reset();
      }

      @Override
      public void close() throws SQLException {
        try {
          if (buffer.size() > 0) {
            flush();
          }
          copyIn.endCopy();
        } finally {
          if (copyIn.isActive()) {
            copyIn.cancelCopy();
          }
        }
      }
    };
  }

  private static void appendCsv(StringBuilder out, ColumnType.Kind kind, Object value) {
    if (value == null) {
      return; // an unquoted empty field is NULL in CSV format
    }
    switch (kind) {
      case BOOLEAN:
        out.append((Boolean) value ? 't' : 'f');
        return;
      case DECIMAL:
        out.append(((BigDecimal) value).toPlainString());
        return;
      case REAL:
      case DOUBLE:
        double d = (Double) value;
        out.append(
            Double.isNaN(d)
                ? "NaN"
                : Double.isInfinite(d) ? (d > 0 ? "Infinity" : "-Infinity") : Double.toString(d));
        return;
      case BYTES:
        out.append("\\x").append(HexFormat.of().formatHex((byte[]) value));
        return;
      case STRING:
      case JSON:
        quoteCsv(out, (String) value);
        return;
      default:
        // numbers, UUIDs and ISO-8601 dates and times need no quoting
        out.append(value);
    }
  }

  private static void quoteCsv(StringBuilder out, String value) {
    out.append('"');
    for (int i = 0; i < value.length(); i++) {
      char ch = value.charAt(i);
      if (ch == '"') {
        out.append('"');
      }
      out.append(ch);
    }
    out.append('"');
  }

  @Override
  String hash64(String text) {
    return "('x' || substr(md5(" + text + "), 1, 16))::bit(64)::bigint";
  }

  @Override
  String byteLength(String text) {
    return "octet_length(" + text + ")";
  }

  @Override
  String createScratchAs(String name, String query) {
    return "CREATE TEMP TABLE " + quote(name) + " ON COMMIT DROP AS " + query;
  }

  /** Temporary tables get no statistics until analyzed; without them joins are planned blind. */
  @Override
  String analyze(String table) {
    return "ANALYZE " + quote(table);
  }

  @Override
  String withoutQueryCompilation() {
    return "SET LOCAL jit = off";
  }

  @Override
  String snapshotIsolation() {
    return "SET TRANSACTION ISOLATION LEVEL REPEATABLE READ";
  }
}
