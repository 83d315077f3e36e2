package io.starflow.transforms.warehouse;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import javax.annotation.Nullable;

/**
 * Rows of one fixed layout staged in bulk, for a later step to read back set-based and in any order
 * it asks for, then drop: DuckDB writes them to Parquet files next to the database file (from a
 * connection's temporary buffer, through its Appender), PostgreSQL to an unlogged table (COPY).
 * What a bounded step hands to a step that needs all of it, without holding it in the pipeline.
 *
 * <p>A stage is written by one writer ({@link #append}, {@link #flush}); {@link #parts} names what
 * it holds (files by their absolute paths, or tables), for {@link #relation} to read and {@link
 * #drop} to remove. Not thread-safe.
 */
public final class RowStage implements AutoCloseable {
  private static final int FLUSH_ROWS = 20_000;

  private final Warehouse warehouse;
  private final SqlDialect dialect;
  private final WarehouseSession session;
  private final String name;
  private final List<TableColumn> columns;
  private final @Nullable Path directory;

  /** PostgreSQL: the rows appended since the last flush. */
  private final List<Object[]> rows = new ArrayList<>();

  /** DuckDB: how many rows the buffer holds since the last flush. */
  private int buffered;

  private final List<String> parts = new ArrayList<>();

  /** DuckDB: the writer of the connection's temporary buffer, between flushes. */
  private @Nullable SqlDialect.StageWriter buffer;

  /** Whether the buffer (DuckDB) or the stage table (PostgreSQL) exists yet. */
  private boolean tableMade;

  private RowStage(
      Warehouse warehouse,
      WarehouseSession session,
      String name,
      List<TableColumn> columns,
      @Nullable Path directory) {
    this.warehouse = warehouse;
    this.dialect = warehouse.dialect();
    this.session = session;
    this.name = name;
    this.columns = List.copyOf(columns);
    this.directory = directory;
  }

  /**
   * Opens a stage of rows with {@code columns}, named after {@code prefix} and unique, written
   * through {@code session} (which stays its caller's to close; several stages may share one).
   */
  public static RowStage open(WarehouseSession session, String prefix, List<TableColumn> columns)
      throws SQLException {
    String name = prefix + "_" + UUID.randomUUID().toString().replace("-", "").substring(0, 16);
    MirrorWriter.LIVE_STAGES.add(name);
    Warehouse warehouse = session.warehouse();
    Path directory = warehouse.dialect().stageDirectory(session.connection());
    if (directory != null) {
      MirrorWriter.removeStaleStages(directory);
      directory = directory.resolve(name);
      try {
        Files.createDirectories(directory);
      } catch (IOException e) {
        throw new SQLException("cannot create the stage directory " + directory, e);
      }
    }
    return new RowStage(warehouse, session, name, columns, directory);
  }

  /** Appends a row: one value per column, of the Java type its column type stages. */
  public void append(Object... row) throws SQLException {
    if (directory == null) {
      rows.add(row);
      if (rows.size() >= FLUSH_ROWS) {
        flush();
      }
      return;
    }
    if (buffer == null) {
      if (!tableMade) {
        session.inTransaction(
            c -> MirrorWriter.execute(c, dialect.createVersionBuffer(name, columns)));
        tableMade = true;
      }
      buffer = dialect.openVersionStage(session.connection(), name, columns);
    }
    buffer.append(row);
    if (++buffered >= FLUSH_ROWS) {
      flush();
    }
  }

  /** Commits every row appended so far to the stage. */
  public void flush() throws SQLException {
    if (directory != null) {
      if (buffered == 0) {
        return;
      }
      buffer.close(); // the rows are in the buffer now
      buffer = null;
      Path file = directory.resolve(parts.size() + ".parquet");
      session.inTransaction(
          c -> {
            MirrorWriter.execute(c, dialect.copyToFile(name, file));
            return MirrorWriter.execute(c, dialect.deleteAll(name));
          });
      parts.add(file.toString());
      buffered = 0;
      return;
    }
    if (rows.isEmpty()) {
      return;
    }
    if (!tableMade) {
      session.executeDdl(dialect.createVersionStage(name, columns));
      tableMade = true;
      parts.add(name);
    }
    session.inTransaction(
        WarehouseLocks.forWrites(warehouse),
        c -> {
          try (SqlDialect.StageWriter writer = dialect.openVersionStage(c, name, columns)) {
            for (Object[] row : rows) {
              writer.append(row);
            }
          }
          return (long) rows.size();
        },
        c -> {});
    rows.clear();
  }

  /** What the stage holds so far, once flushed: files or tables, for {@link #relation}. */
  public List<String> parts() {
    return List.copyOf(parts);
  }

  /**
   * A relation of every row of {@code parts} (at least one; of stages with {@code columns}), for a
   * query's FROM clause on a connection of {@code warehouse}.
   */
  public static String relation(
      Warehouse warehouse, List<String> parts, List<TableColumn> columns) {
    SqlDialect dialect = warehouse.dialect();
    List<String> names = new ArrayList<>();
    columns.forEach(c -> names.add(dialect.quote(c.name())));
    if (parts.isEmpty()) {
      throw new IllegalArgumentException("relation(parts): no parts to read");
    }
    if (Path.of(parts.get(0)).isAbsolute()) {
      List<Path> files = new ArrayList<>();
      parts.forEach(p -> files.add(Path.of(p)));
      return "(" + dialect.filesQuery(files) + ")";
    }
    return "(" + dialect.unionOfParts(parts, names) + ")";
  }

  /** Removes {@code parts}, once what they hold is read. */
  public static void drop(Warehouse warehouse, List<String> parts) throws SQLException {
    java.util.Set<Path> directories = new java.util.LinkedHashSet<>();
    List<String> tables = new ArrayList<>();
    for (String part : parts) {
      Path file = Path.of(part);
      if (file.isAbsolute()) {
        directories.add(file.getParent()); // a stage's directory holds only its own files
      } else {
        tables.add(warehouse.dialect().dropTable(part));
      }
    }
    for (Path directory : directories) {
      MirrorWriter.deleteStage(directory);
    }
    if (!tables.isEmpty()) {
      try (Connection c = warehouse.connect()) {
        warehouse.executeDdl(c, tables.toArray(new String[0]));
      }
    }
  }

  /** Lets go of the buffer; rows appended since the last {@link #flush} are not kept. */
  @Override
  public void close() throws SQLException {
    if (buffer != null) {
      buffer.close();
      buffer = null;
    }
  }
}
