package io.starflow.pipelines.cli;

import io.starflow.schemas.Identifiers;
import io.starflow.transforms.warehouse.SqlDialect;
import io.starflow.transforms.warehouse.Warehouse;
import java.io.PrintWriter;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;

/** Prints what a warehouse holds: mirror tables with live rows and tombstones, dead letters. */
final class WarehouseSummary {
  private static final int REASON_WIDTH = 90;

  private WarehouseSummary() {}

  static void print(Warehouse warehouse, PrintWriter out) throws SQLException {
    SqlDialect dialect = warehouse.dialect();
    try (Connection connection = warehouse.connect();
        Statement statement = connection.createStatement()) {
      List<String> tables = new ArrayList<>();
      try (ResultSet rs =
          statement.executeQuery(
              "SELECT table_name FROM information_schema.columns"
                  + " WHERE table_schema = current_schema() AND column_name = '"
                  + Identifiers.EVENT_TIME
                  + "' ORDER BY table_name")) {
        while (rs.next()) {
          String table = rs.getString(1);
          if (!table.startsWith("starflow_")) { // Starflow's own bookkeeping
            tables.add(table);
          }
        }
      }
      out.printf("  %-24s %12s %12s%n", "mirror table", "live rows", "tombstones");
      for (String table : tables) {
        try (ResultSet rs =
            statement.executeQuery(
                "SELECT count(*) FILTER (WHERE NOT "
                    + dialect.quote(Identifiers.DELETED)
                    + "), count(*) FILTER (WHERE "
                    + dialect.quote(Identifiers.DELETED)
                    + ") FROM "
                    + dialect.quote(table))) {
          rs.next();
          out.printf("  %-24s %,12d %,12d%n", table, rs.getLong(1), rs.getLong(2));
        }
      }
      String deadLetters = dialect.quote(SqlDialect.DEAD_LETTER_TABLE);
      try (ResultSet rs =
          statement.executeQuery(
              "SELECT stage, reason, count(*) FROM "
                  + deadLetters
                  + " GROUP BY stage, reason ORDER BY count(*) DESC, stage, reason")) {
        int shown = 0;
        long others = 0;
        while (rs.next()) {
          if (shown == 0) {
            out.println();
            out.println("  dead letters in " + SqlDialect.DEAD_LETTER_TABLE + " (all runs):");
          }
          if (shown < 12) {
            String reason = rs.getString(2);
            if (reason.length() > REASON_WIDTH) {
              reason = reason.substring(0, REASON_WIDTH - 3) + "...";
            }
            out.printf("  %6d  %-7s %s%n", rs.getLong(3), rs.getString(1), reason);
            shown++;
          } else {
            others += rs.getLong(3);
          }
        }
        if (others > 0) {
          out.printf("  %6d  (more reasons: SELECT * FROM %s)%n", others, deadLetters);
        }
      }
    }
  }
}
