package io.starflow.pipelines.cli;

import io.starflow.schemas.model.DimensionModel;
import io.starflow.schemas.model.WarehouseModel;
import io.starflow.transforms.warehouse.Warehouse;
import java.io.PrintWriter;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;

/** Prints what a model's star holds, and the answers of queries against it. */
final class StarSummary {
  private StarSummary() {}

  static void print(Warehouse warehouse, WarehouseModel model, PrintWriter out)
      throws SQLException {
    try (Connection connection = warehouse.connect();
        Statement statement = connection.createStatement()) {
      out.printf("  %-24s %12s %12s %12s%n", "star table", "rows", "current", "inferred");
      for (DimensionModel dimension : model.dimensions().values()) {
        String table = warehouse.dialect().quote(dimension.name());
        String current = dimension.scd() == 2 ? "is_current" : "NOT is_deleted";
        try (ResultSet rs =
            statement.executeQuery(
                "SELECT count(*), count(*) FILTER (WHERE "
                    + current
                    + "), count(*) FILTER (WHERE is_inferred) FROM "
                    + table)) {
          rs.next();
          out.printf(
              "  %-24s %,12d %,12d %,12d%n",
              dimension.name(), rs.getLong(1), rs.getLong(2), rs.getLong(3));
        }
      }
      List<String> others = new ArrayList<>(model.facts().keySet());
      if (model.dateDimension() != null) {
        others.add(0, model.dateDimension().name());
      }
      for (String name : others) {
        try (ResultSet rs =
            statement.executeQuery("SELECT count(*) FROM " + warehouse.dialect().quote(name))) {
          rs.next();
          out.printf("  %-24s %,12d%n", name, rs.getLong(1));
        }
      }
    }
  }

  /** Runs {@code sql} and prints it and its result as a table. */
  static void query(Warehouse warehouse, String sql, PrintWriter out) throws SQLException {
    out.println(sql.strip().indent(2).stripTrailing());
    out.println();
    try (Connection connection = warehouse.connect();
        Statement statement = connection.createStatement();
        ResultSet rs = statement.executeQuery(sql)) {
      ResultSetMetaData meta = rs.getMetaData();
      int columns = meta.getColumnCount();
      List<String[]> rows = new ArrayList<>();
      String[] header = new String[columns];
      int[] widths = new int[columns];
      for (int i = 0; i < columns; i++) {
        header[i] = meta.getColumnLabel(i + 1);
        widths[i] = header[i].length();
      }
      while (rs.next()) {
        String[] row = new String[columns];
        for (int i = 0; i < columns; i++) {
          Object value = rs.getObject(i + 1);
          row[i] =
              value instanceof java.math.BigDecimal
                  ? String.format("%,.2f", value)
                  : String.valueOf(value);
          widths[i] = Math.max(widths[i], row[i].length());
        }
        rows.add(row);
      }
      printRow(header, widths, out);
      String[] rule = new String[columns];
      for (int i = 0; i < columns; i++) {
        rule[i] = "-".repeat(widths[i]);
      }
      printRow(rule, widths, out);
      rows.forEach(row -> printRow(row, widths, out));
    }
  }

  private static void printRow(String[] values, int[] widths, PrintWriter out) {
    StringBuilder line = new StringBuilder(" ");
    for (int i = 0; i < values.length; i++) {
      line.append(' ')
          .append(String.format("%" + (i == 0 ? "-" : "") + widths[i] + "s", values[i]));
    }
    out.println(line);
  }
}
