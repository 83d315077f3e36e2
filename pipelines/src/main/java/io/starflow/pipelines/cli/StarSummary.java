package io.starflow.pipelines.cli;

import io.starflow.schemas.model.DimensionModel;
import io.starflow.schemas.model.WarehouseModel;
import io.starflow.transforms.warehouse.Warehouse;
import io.starflow.transforms.warehouse.WarehouseReport;
import java.io.PrintWriter;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;

/** Prints what a model's star holds, and the answers of queries against it. */
final class StarSummary {
  private StarSummary() {}

  static void print(Warehouse warehouse, WarehouseModel model, PrintWriter out)
      throws SQLException {
    WarehouseReport report = WarehouseReport.of(warehouse);
    out.printf("  %-24s %12s %12s %12s%n", "star table", "rows", "current", "inferred");
    for (DimensionModel dimension : model.dimensions().values()) {
      WarehouseReport.DimensionRows rows = report.dimension(dimension);
      out.printf(
          "  %-24s %,12d %,12d %,12d%n", dimension.name(), rows.rows, rows.current, rows.inferred);
    }
    List<String> others = new ArrayList<>(model.facts().keySet());
    if (model.dateDimension() != null) {
      others.add(0, model.dateDimension().name());
    }
    for (String name : others) {
      out.printf("  %-24s %,12d%n", name, report.rows(name));
    }
  }

  /** Runs {@code sql} and prints it and its result as a table. */
  static void query(Warehouse warehouse, String sql, PrintWriter out) throws SQLException {
    out.println(sql.strip().indent(2).stripTrailing());
    out.println();
    WarehouseReport.Rows result = WarehouseReport.of(warehouse).query(sql);
    int columns = result.columns.size();
    String[] header = result.columns.toArray(new String[0]);
    int[] widths = new int[columns];
    for (int i = 0; i < columns; i++) {
      widths[i] = header[i].length();
    }
    List<String[]> rows = new ArrayList<>();
    for (List<Object> values : result.rows) {
      String[] row = new String[columns];
      for (int i = 0; i < columns; i++) {
        Object value = values.get(i);
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

  private static void printRow(String[] values, int[] widths, PrintWriter out) {
    StringBuilder line = new StringBuilder(" ");
    for (int i = 0; i < values.length; i++) {
      line.append(' ')
          .append(String.format("%" + (i == 0 ? "-" : "") + widths[i] + "s", values[i]));
    }
    out.println(line);
  }
}
