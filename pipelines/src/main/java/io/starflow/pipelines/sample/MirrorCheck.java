package io.starflow.pipelines.sample;

import io.starflow.transforms.warehouse.Warehouse;
import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Compares mirror tables with the source's true final state: every live row with its values, every
 * deleted row as a tombstone, nothing else.
 */
public final class MirrorCheck {
  private static final int MAX_REPORTED = 20;

  private MirrorCheck() {}

  /** The differences, at most twenty; empty when the mirror equals the source. */
  public static List<String> differences(Warehouse warehouse, RetailCdc.Dataset dataset)
      throws SQLException {
    return differences(warehouse, dataset, null);
  }

  /** The same, where {@code pii} masked personal data: the expected values are masked alike. */
  public static List<String> differences(
      Warehouse warehouse,
      RetailCdc.Dataset dataset,
      @javax.annotation.Nullable io.starflow.transforms.pii.PiiMasking pii)
      throws SQLException {
    List<String> differences = new ArrayList<>();
    try (Connection connection = warehouse.connect()) {
      for (Map.Entry<String, Map<String, Map<String, Object>>> table :
          dataset.finalState.entrySet()) {
        Map<String, Map<String, Object>> mirror =
            read(connection, warehouse.dialect(), table.getKey());
        for (Map.Entry<String, Map<String, Object>> expected : table.getValue().entrySet()) {
          String where = table.getKey() + " " + expected.getKey();
          Map<String, Object> actual = mirror.remove(expected.getKey());
          if (actual == null) {
            differences.add(where + ": missing");
          } else if (expected.getValue() == null) {
            if (!Boolean.TRUE.equals(actual.get("_deleted"))) {
              differences.add(where + ": deleted at the source, live in the mirror");
            }
          } else if (!Boolean.FALSE.equals(actual.get("_deleted"))) {
            differences.add(where + ": live at the source, deleted in the mirror");
          } else {
            for (Map.Entry<String, Object> column : expected.getValue().entrySet()) {
              Object want = normalize(column.getValue());
              if (pii != null
                  && want instanceof String
                  && pii.columns()
                      .getOrDefault(table.getKey(), java.util.Set.of())
                      .contains(column.getKey())) {
                want = pii.hmac((String) want);
              }
              Object got = actual.get(column.getKey());
              if (!Objects.equals(want, got)) {
                differences.add(where + "." + column.getKey() + ": " + got + " instead of " + want);
              }
            }
          }
        }
        mirror
            .keySet()
            .forEach(key -> differences.add(table.getKey() + " " + key + ": unexpected"));
      }
    }
    return differences.size() > MAX_REPORTED ? differences.subList(0, MAX_REPORTED) : differences;
  }

  private static Map<String, Map<String, Object>> read(
      Connection connection, io.starflow.transforms.warehouse.SqlDialect dialect, String table)
      throws SQLException {
    Map<String, Map<String, Object>> rows = new HashMap<>();
    try (Statement statement = connection.createStatement();
        ResultSet rs = statement.executeQuery(dialect.selectAll(table))) {
      ResultSetMetaData meta = rs.getMetaData();
      while (rs.next()) {
        Map<String, Object> row = new HashMap<>();
        for (int i = 1; i <= meta.getColumnCount(); i++) {
          row.put(meta.getColumnName(i), value(rs, i, meta.getColumnTypeName(i)));
        }
        rows.put(RetailCdc.keyOf(table, row), row);
      }
    }
    return rows;
  }

  private static Object value(ResultSet rs, int column, String typeName) throws SQLException {
    String type = typeName.toLowerCase();
    if (type.contains("with time zone") || type.equals("timestamptz")) {
      OffsetDateTime value = rs.getObject(column, OffsetDateTime.class);
      return value == null ? null : value.toInstant();
    }
    if (type.startsWith("timestamp")) {
      return rs.getObject(column, LocalDateTime.class);
    }
    if (type.equals("date")) {
      return rs.getObject(column, LocalDate.class);
    }
    return normalize(rs.getObject(column));
  }

  private static Object normalize(Object value) {
    if (value instanceof Integer || value instanceof Short) {
      return ((Number) value).longValue();
    }
    if (value instanceof BigDecimal) {
      return ((BigDecimal) value).stripTrailingZeros();
    }
    if (value instanceof Instant || value instanceof LocalDate || value instanceof LocalDateTime) {
      return value;
    }
    return value;
  }
}
