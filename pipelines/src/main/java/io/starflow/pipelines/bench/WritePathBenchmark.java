package io.starflow.pipelines.bench;

import io.starflow.schemas.ChangeRecord;
import io.starflow.schemas.Column;
import io.starflow.schemas.Identifiers;
import io.starflow.schemas.KeyColumns;
import io.starflow.transforms.debezium.DebeziumDecoder;
import io.starflow.transforms.warehouse.MirrorWriter;
import io.starflow.transforms.warehouse.SqlDialect;
import io.starflow.transforms.warehouse.Warehouse;
import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

/**
 * Compares two ways of writing the same rows to a mirror table: the common one, a JDBC batch of
 * guarded upserts, one row per statement execution; and Starflow's, bulk staging (DuckDB's
 * Appender, PostgreSQL's COPY) followed by one set-based guarded upsert per batch.
 */
public final class WritePathBenchmark {
  private static final int BATCH = 20_000;

  private WritePathBenchmark() {}

  /** {@code rows} change records of distinct keys, decoded from generated envelopes. */
  public static List<ChangeRecord> rows(int rows, Path work) throws IOException {
    Path directory = work.resolve("write-path-input");
    MirrorBenchmark.generate(rows * 3L, rows, directory);
    DebeziumDecoder decoder =
        new DebeziumDecoder(
            KeyColumns.of("id"), null, DebeziumDecoder.DEFAULT_UNAVAILABLE_PLACEHOLDER);
    java.util.Map<String, ChangeRecord> latest = new java.util.LinkedHashMap<>();
    for (Path file : MirrorBenchmark.inputFiles(directory)) {
      try (BufferedReader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
        String line;
        while ((line = reader.readLine()) != null) {
          ChangeRecord record = decoder.decode(line);
          if (record != null && record.op() == ChangeRecord.Op.UPSERT) {
            latest.put(record.key(), record);
          }
        }
      }
    }
    return new ArrayList<>(latest.values());
  }

  /** Rows per second through staging and one set-based statement per batch. */
  public static double staged(Warehouse warehouse, List<ChangeRecord> rows) throws SQLException {
    freshTable(warehouse, rows);
    try (MirrorWriter writer = MirrorWriter.open(warehouse)) {
      long start = System.nanoTime();
      for (int from = 0; from < rows.size(); from += BATCH) {
        writer.write(rows.subList(from, Math.min(rows.size(), from + BATCH)));
      }
      return rows.size() / ((System.nanoTime() - start) / 1e9);
    }
  }

  /** Rows per second through a JDBC batch of the same guarded upsert, row by row. */
  public static double jdbcBatch(Warehouse warehouse, List<ChangeRecord> rows) throws SQLException {
    freshTable(warehouse, rows);
    ChangeRecord first = rows.get(0);
    SqlDialect dialect = warehouse.dialect();
    List<String> names = new ArrayList<>();
    first.columns().forEach(c -> names.add(c.name()));
    names.addAll(
        List.of(Identifiers.POSITION, Identifiers.DELETED, Identifiers.OP, Identifiers.EVENT_TIME));
    String table = dialect.quote(first.table());
    String sql =
        "INSERT INTO "
            + table
            + " AS target ("
            + names.stream().map(dialect::quote).collect(Collectors.joining(", "))
            + ") VALUES ("
            + names.stream().map(n -> "?").collect(Collectors.joining(", "))
            + ") ON CONFLICT ("
            + dialect.quote("id")
            + ") DO UPDATE SET "
            + names.stream()
                .filter(n -> !n.equals("id"))
                .map(n -> dialect.quote(n) + " = EXCLUDED." + dialect.quote(n))
                .collect(Collectors.joining(", "))
            + " WHERE target."
            + dialect.quote(Identifiers.POSITION)
            + " < EXCLUDED."
            + dialect.quote(Identifiers.POSITION);
    try (Connection connection = warehouse.connect()) {
      connection.setAutoCommit(false);
      long start = System.nanoTime();
      try (PreparedStatement upsert = connection.prepareStatement(sql)) {
        int inBatch = 0;
        for (ChangeRecord row : rows) {
          int i = 1;
          for (Column column : row.columns()) {
            upsert.setObject(i++, jdbcValue(column.value()));
          }
          upsert.setString(i++, row.position().encoded());
          upsert.setBoolean(i++, false);
          upsert.setString(i++, row.sourceOp());
          upsert.setObject(i, row.eventTime().atOffset(ZoneOffset.UTC));
          upsert.addBatch();
          if (++inBatch == BATCH) {
            upsert.executeBatch();
            connection.commit();
            inBatch = 0;
          }
        }
        upsert.executeBatch();
        connection.commit();
      }
      return rows.size() / ((System.nanoTime() - start) / 1e9);
    }
  }

  /** Drops and recreates the rows' table, holding only the first row: outside any measurement. */
  private static void freshTable(Warehouse warehouse, List<ChangeRecord> rows) throws SQLException {
    try (Connection connection = warehouse.connect();
        Statement statement = connection.createStatement()) {
      statement.execute(warehouse.dialect().dropTable(rows.get(0).table()));
    }
    try (MirrorWriter writer = MirrorWriter.open(warehouse)) {
      writer.write(rows.subList(0, 1));
    }
  }

  private static Object jdbcValue(Object value) {
    return value instanceof Instant ? ((Instant) value).atOffset(ZoneOffset.UTC) : value;
  }
}
