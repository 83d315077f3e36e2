package io.starflow.transforms.testing;

import io.starflow.transforms.warehouse.Warehouse;
import java.sql.Blob;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Pattern;

/** Reads whole tables back as sorted text rows, to compare warehouse content exactly. */
public final class Tables {
  private Tables() {}

  /** Every row of {@code table}, each as {@code col=value|col=value}, sorted. */
  public static List<String> dump(Warehouse warehouse, String table) throws SQLException {
    try (Connection connection = warehouse.connect()) {
      return dump(connection, table);
    }
  }

  public static List<String> dump(Connection connection, String table) throws SQLException {
    List<String> rows = new ArrayList<>();
    try (Statement statement = connection.createStatement();
        ResultSet rs = statement.executeQuery("SELECT * FROM \"" + table + "\"")) {
      ResultSetMetaData meta = rs.getMetaData();
      while (rs.next()) {
        StringBuilder row = new StringBuilder();
        for (int i = 1; i <= meta.getColumnCount(); i++) {
          if (i > 1) {
            row.append('|');
          }
          Object value = plain(rs.getObject(i));
          String text =
              value instanceof byte[] ? Arrays.toString((byte[]) value) : String.valueOf(value);
          row.append(meta.getColumnName(i)).append('=').append(text);
        }
        rows.add(row.toString());
      }
    }
    rows.sort(null);
    return rows;
  }

  /** The value of {@code column} in the row whose {@code id} is {@code id}, or null. */
  public static Object value(Warehouse warehouse, String table, long id, String column)
      throws SQLException {
    try (Connection connection = warehouse.connect();
        Statement statement = connection.createStatement();
        ResultSet rs =
            statement.executeQuery(
                "SELECT \"" + column + "\" FROM \"" + table + "\" WHERE id = " + id)) {
      return rs.next() ? plain(rs.getObject(1)) : null;
    }
  }

  /** JDBC values as plain Java values: blobs as byte arrays. */
  private static Object plain(Object value) throws SQLException {
    if (value instanceof Blob) {
      Blob blob = (Blob) value;
      return blob.getBytes(1, (int) blob.length());
    }
    return value;
  }

  /**
   * The rows of {@code sql}, each as its values joined by '|', in the order the query gives:
   * instants for timestamps with time zone, plain decimals, whole numbers as longs.
   */
  public static List<String> rows(Warehouse warehouse, String sql) throws SQLException {
    List<String> rows = new ArrayList<>();
    try (Connection connection = warehouse.connect();
        Statement statement = connection.createStatement();
        ResultSet rs = statement.executeQuery(sql)) {
      int columns = rs.getMetaData().getColumnCount();
      while (rs.next()) {
        List<String> values = new ArrayList<>();
        for (int i = 1; i <= columns; i++) {
          Object value = plain(rs.getObject(i));
          if (value instanceof java.time.OffsetDateTime) {
            value = ((java.time.OffsetDateTime) value).toInstant();
          } else if (value instanceof java.sql.Timestamp
              && "timestamptz".equalsIgnoreCase(rs.getMetaData().getColumnTypeName(i))) {
            value = ((java.sql.Timestamp) value).toInstant();
          } else if (value instanceof java.math.BigDecimal) {
            value = ((java.math.BigDecimal) value).toPlainString();
          } else if (value instanceof Integer || value instanceof Short) {
            value = ((Number) value).longValue();
          }
          values.add(String.valueOf(value));
        }
        rows.add(String.join("|", values));
      }
    }
    return rows;
  }

  public static long count(Warehouse warehouse, String sql) throws SQLException {
    try (Connection connection = warehouse.connect();
        Statement statement = connection.createStatement();
        ResultSet rs = statement.executeQuery(sql)) {
      rs.next();
      return rs.getLong(1);
    }
  }

  /** What {@link #scan} read and found. */
  public static final class Scan {
    public final List<String> tables = new ArrayList<>();
    public final List<String> found = new ArrayList<>();
    public long cells;
  }

  /**
   * Reads every cell of every table in the warehouse's current schema; {@code found} lists those
   * {@code pattern} finds something in, as {@code table.column: value}.
   */
  public static Scan scan(Warehouse warehouse, Pattern pattern) throws SQLException {
    Scan scan = new Scan();
    try (Connection connection = warehouse.connect();
        Statement statement = connection.createStatement()) {
      try (ResultSet rs =
          statement.executeQuery(
              "SELECT table_name FROM information_schema.tables"
                  + " WHERE table_schema = current_schema()")) {
        while (rs.next()) {
          scan.tables.add(rs.getString(1));
        }
      }
      for (String table : scan.tables) {
        try (ResultSet rs = statement.executeQuery("SELECT * FROM \"" + table + "\"")) {
          ResultSetMetaData meta = rs.getMetaData();
          while (rs.next()) {
            for (int i = 1; i <= meta.getColumnCount(); i++) {
              String value = rs.getString(i);
              scan.cells++;
              if (value != null && pattern.matcher(value).find()) {
                scan.found.add(table + "." + meta.getColumnName(i) + ": " + value);
              }
            }
          }
        }
      }
    }
    return scan;
  }
}
