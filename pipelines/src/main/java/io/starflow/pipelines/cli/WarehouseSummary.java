package io.starflow.pipelines.cli;

import io.starflow.transforms.warehouse.SqlDialect;
import io.starflow.transforms.warehouse.Warehouse;
import io.starflow.transforms.warehouse.WarehouseReport;
import java.io.PrintWriter;
import java.sql.SQLException;
import java.util.List;

/** Prints what a warehouse holds: mirror tables with live rows and tombstones, dead letters. */
final class WarehouseSummary {
  private static final int REASON_WIDTH = 90;
  private static final int REASONS_SHOWN = 12;

  private WarehouseSummary() {}

  static void print(Warehouse warehouse, PrintWriter out) throws SQLException {
    WarehouseReport report = WarehouseReport.of(warehouse);
    out.printf("  %-24s %12s %12s%n", "mirror table", "live rows", "tombstones");
    for (WarehouseReport.MirrorTable table : report.mirrorTables()) {
      out.printf("  %-24s %,12d %,12d%n", table.table, table.live, table.tombstones);
    }
    List<WarehouseReport.DeadLetterReason> reasons = report.deadLetterReasons();
    if (reasons.isEmpty()) {
      return;
    }
    out.println();
    out.println("  dead letters in " + SqlDialect.DEAD_LETTER_TABLE + " (all runs):");
    long others = 0;
    for (int i = 0; i < reasons.size(); i++) {
      WarehouseReport.DeadLetterReason letters = reasons.get(i);
      if (i >= REASONS_SHOWN) {
        others += letters.count;
        continue;
      }
      String reason = letters.reason;
      if (reason.length() > REASON_WIDTH) {
        reason = reason.substring(0, REASON_WIDTH - 3) + "...";
      }
      out.printf("  %6d  %-7s %s%n", letters.count, letters.stage, reason);
    }
    if (others > 0) {
      out.printf(
          "  %6d  (more reasons: %s)%n",
          others, warehouse.dialect().selectAll(SqlDialect.DEAD_LETTER_TABLE));
    }
  }
}
