package io.starflow.transforms.warehouse;

import io.starflow.schemas.Identifiers;
import io.starflow.schemas.model.DimensionModel;
import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * What a warehouse holds, for a command to print: mirror tables with their live rows and
 * tombstones, dead letters by reason, a star's dimensions, totals of point-in-time snapshots. The
 * statements come from the warehouse's dialect, their values bound.
 */
public final class WarehouseReport {
  private final Warehouse warehouse;
  private final SqlDialect dialect;

  private WarehouseReport(Warehouse warehouse) {
    this.warehouse = warehouse;
    this.dialect = warehouse.dialect();
  }

  public static WarehouseReport of(Warehouse warehouse) {
    return new WarehouseReport(warehouse);
  }

  /** A mirror table's live rows and tombstones. */
  public static final class MirrorTable {
    public final String table;
    public final long live;
    public final long tombstones;

    MirrorTable(String table, long live, long tombstones) {
      this.table = table;
      this.live = live;
      this.tombstones = tombstones;
    }
  }

  /** How many dead letters one stage gave for one reason. */
  public static final class DeadLetterReason {
    public final String stage;
    public final String reason;
    public final long count;

    DeadLetterReason(String stage, String reason, long count) {
      this.stage = stage;
      this.reason = reason;
      this.count = count;
    }
  }

  /** A dimension's rows, those current, and the inferred ones. */
  public static final class DimensionRows {
    public final long rows;
    public final long current;
    public final long inferred;

    DimensionRows(long rows, long current, long inferred) {
      this.rows = rows;
      this.current = current;
      this.inferred = inferred;
    }
  }

  /** A query's column labels and rows. */
  public static final class Rows {
    public final List<String> columns;
    public final List<List<Object>> rows;

    Rows(List<String> columns, List<List<Object>> rows) {
      this.columns = Collections.unmodifiableList(columns);
      this.rows = Collections.unmodifiableList(rows);
    }
  }

  /** Snapshot rows as of one instant, and the sums of the columns asked for. */
  public static final class Totals {
    public final Instant asOf;
    public final long rows;
    public final List<BigDecimal> sums;

    Totals(Instant asOf, long rows, List<BigDecimal> sums) {
      this.asOf = asOf;
      this.rows = rows;
      this.sums = Collections.unmodifiableList(sums);
    }
  }

  /** Every mirror table (a table with an event-time column, not Starflow's own), by name. */
  public List<MirrorTable> mirrorTables() throws SQLException {
    List<MirrorTable> tables = new ArrayList<>();
    try (Connection connection = warehouse.connect()) {
      List<String> names = new ArrayList<>();
      try (PreparedStatement select = connection.prepareStatement(dialect.tablesWithColumn())) {
        select.setString(1, Identifiers.EVENT_TIME);
        try (ResultSet rs = select.executeQuery()) {
          while (rs.next()) {
            if (!rs.getString(1).startsWith("starflow_")) { // Starflow's own bookkeeping
              names.add(rs.getString(1));
            }
          }
        }
      }
      try (Statement statement = connection.createStatement()) {
        for (String name : names) {
          try (ResultSet rs = statement.executeQuery(dialect.liveAndTombstones(name))) {
            rs.next();
            tables.add(new MirrorTable(name, rs.getLong(1), rs.getLong(2)));
          }
        }
      }
    }
    return tables;
  }

  /** The dead letters of all runs by stage and reason, the most frequent first. */
  public List<DeadLetterReason> deadLetterReasons() throws SQLException {
    List<DeadLetterReason> reasons = new ArrayList<>();
    try (Connection connection = warehouse.connect();
        Statement statement = connection.createStatement();
        ResultSet rs = statement.executeQuery(dialect.deadLetterReasons())) {
      while (rs.next()) {
        reasons.add(new DeadLetterReason(rs.getString(1), rs.getString(2), rs.getLong(3)));
      }
    }
    return reasons;
  }

  /** The rows of {@code table}. */
  public long rows(String table) throws SQLException {
    try (Connection connection = warehouse.connect();
        Statement statement = connection.createStatement();
        ResultSet rs = statement.executeQuery(dialect.countRows(table))) {
      rs.next();
      return rs.getLong(1);
    }
  }

  /** What {@code dimension}'s table holds. */
  public DimensionRows dimension(DimensionModel dimension) throws SQLException {
    try (Connection connection = warehouse.connect();
        Statement statement = connection.createStatement();
        ResultSet rs =
            statement.executeQuery(dialect.dimensionRows(dimension.name(), dimension.scd() == 2))) {
      rs.next();
      return new DimensionRows(rs.getLong(1), rs.getLong(2), rs.getLong(3));
    }
  }

  /**
   * Per instant: the rows of snapshot table {@code table} whose {@code asOfColumn} is that instant,
   * and the sums of {@code summed} over them (zero when there are none).
   */
  public List<Totals> totalsAsOf(
      String table, String asOfColumn, List<String> summed, List<Instant> instants)
      throws SQLException {
    List<Totals> totals = new ArrayList<>();
    try (Connection connection = warehouse.connect();
        PreparedStatement select =
            connection.prepareStatement(dialect.totalsAsOf(table, asOfColumn, summed))) {
      for (Instant instant : instants) {
        select.setObject(1, OffsetDateTime.ofInstant(instant, ZoneOffset.UTC));
        try (ResultSet rs = select.executeQuery()) {
          rs.next();
          List<BigDecimal> sums = new ArrayList<>();
          for (int i = 0; i < summed.size(); i++) {
            BigDecimal sum = rs.getBigDecimal(i + 2);
            sums.add(sum == null ? BigDecimal.ZERO : sum);
          }
          totals.add(new Totals(instant, rs.getLong(1), sums));
        }
      }
    }
    return totals;
  }

  /** Runs a user's query {@code sql} as given (a query of theirs, not one of Starflow's). */
  public Rows query(String sql) throws SQLException {
    try (Connection connection = warehouse.connect();
        Statement statement = connection.createStatement();
        ResultSet rs = statement.executeQuery(sql)) {
      ResultSetMetaData meta = rs.getMetaData();
      List<String> columns = new ArrayList<>();
      for (int i = 1; i <= meta.getColumnCount(); i++) {
        columns.add(meta.getColumnLabel(i));
      }
      List<List<Object>> rows = new ArrayList<>();
      while (rs.next()) {
        List<Object> row = new ArrayList<>();
        for (int i = 1; i <= columns.size(); i++) {
          row.add(rs.getObject(i));
        }
        rows.add(row);
      }
      return new Rows(columns, rows);
    }
  }
}
