package io.starflow.pipelines.bench;

import com.sun.management.GarbageCollectionNotificationInfo;
import io.starflow.pipelines.MirrorPipeline;
import io.starflow.pipelines.MirrorSettings;
import io.starflow.pipelines.RunCounts;
import io.starflow.schemas.ChangeRecord;
import io.starflow.schemas.KeyColumns;
import io.starflow.transforms.compact.LatestVersion;
import io.starflow.transforms.debezium.DebeziumDecoder;
import io.starflow.transforms.debezium.DebeziumTable;
import io.starflow.transforms.warehouse.MirrorWriter;
import io.starflow.transforms.warehouse.Warehouse;
import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.IOException;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.lang.management.MemoryUsage;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;
import javax.management.ListenerNotFoundException;
import javax.management.NotificationEmitter;
import javax.management.NotificationListener;
import javax.management.openmbean.CompositeData;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.PipelineResult;
import org.apache.beam.sdk.options.PipelineOptions;

/**
 * Measures the mirror pipeline against the plain-Java limit: the same decode, compaction and
 * warehouse write on one thread with no Beam, over the same generated input.
 */
public final class MirrorBenchmark {
  private static final DebeziumTable ACCOUNTS =
      DebeziumTable.postgres("bench", "public", "accounts")
          .column("id", "int64")
          .column("name", "string")
          .column("email", "string")
          .column("segment", "string")
          .decimalColumn("balance", 14, 2)
          .column("opened", "int64", "io.debezium.time.MicroTimestamp")
          .column("birth_date", "int32", "io.debezium.time.Date")
          .column("notes", "string")
          .column("updated_at", "string", "io.debezium.time.ZonedTimestamp")
          .build();

  private MirrorBenchmark() {}

  /** One measured run. */
  public static final class Result {
    /** Change events read (tombstones not counted). */
    public final long events;

    public final double seconds;

    /** The most heap in use at any sample (garbage included). */
    public final long peakHeapBytes;

    /** The most heap still in use right after a collection: what the run holds on to. */
    public final long peakHeapAfterGcBytes;

    /** Rows in the mirror tables afterwards. */
    public final long rows;

    Result(long events, double seconds, HeapWatch heap, long rows) {
      this.events = events;
      this.seconds = seconds;
      this.peakHeapBytes = heap.peak();
      this.peakHeapAfterGcBytes = heap.peakAfterGc();
      this.rows = rows;
    }

    public double eventsPerSecond() {
      return events / seconds;
    }
  }

  /** Files the generated events are spread over, by key, as a topic's partitions would be. */
  public static final int PARTITIONS = 4;

  /**
   * Writes {@code events} Debezium PostgreSQL envelopes (with schema) over {@code keys} keys, about
   * 2% deletes, into {@value #PARTITIONS} files in {@code directory}, each key's changes in one
   * file; returns their total size in bytes.
   */
  public static long generate(long events, int keys, Path directory) throws IOException {
    Random random = new Random(events * 31 + keys);
    Instant time = Instant.parse("2025-11-01T00:00:00Z");
    long lsn = 50_000_000L;
    String notes = "Account notes, kept long as real rows often are. ".repeat(12);
    Files.createDirectories(directory);
    BufferedWriter[] files = new BufferedWriter[PARTITIONS];
    for (int i = 0; i < PARTITIONS; i++) {
      files[i] =
          Files.newBufferedWriter(
              directory.resolve("accounts-" + i + ".jsonl"), StandardCharsets.UTF_8);
    }
    try {
      for (long i = 0; i < events; i++) {
        long id = 1 + random.nextInt(keys);
        BufferedWriter out = files[(int) (id % PARTITIONS)];
        long lastCommit = lsn;
        lsn += 1 + random.nextInt(50);
        time = time.plus(Duration.ofMillis(random.nextInt(200)));
        DebeziumTable.LogPosition position = DebeziumTable.pg(lastCommit, lsn);
        if (random.nextInt(50) == 0) {
          out.write(ACCOUNTS.delete(position, time, Map.of("id", id)));
          out.write('\n');
          out.write(DebeziumTable.tombstone());
        } else {
          Map<String, Object> row = new LinkedHashMap<>();
          row.put("id", id);
          row.put("name", "Account holder " + id);
          row.put("email", "holder" + id + "@example.com");
          row.put("segment", random.nextBoolean() ? "retail" : "business");
          row.put("balance", BigDecimal.valueOf(random.nextInt(100_000_000), 2));
          row.put(
              "opened",
              LocalDateTime.ofEpochSecond(1_600_000_000L + id * 1_000, 0, ZoneOffset.UTC));
          row.put("birth_date", LocalDate.ofEpochDay(-5_000 + id % 15_000));
          row.put("notes", notes);
          row.put("updated_at", time);
          out.write(ACCOUNTS.update(position, time, row));
        }
        out.write('\n');
      }
    } finally {
      for (BufferedWriter file : files) {
        file.close();
      }
    }
    long bytes = 0;
    for (Path file : inputFiles(directory)) {
      bytes += Files.size(file);
    }
    return bytes;
  }

  /** The generated files in {@code directory}. */
  public static List<Path> inputFiles(Path directory) {
    List<Path> files = new ArrayList<>();
    for (int i = 0; i < PARTITIONS; i++) {
      files.add(directory.resolve("accounts-" + i + ".jsonl"));
    }
    return files;
  }

  /** The glob of the files {@link #generate} wrote into {@code directory}. */
  public static String inputGlob(Path directory) {
    return directory.resolve("accounts-*.jsonl").toString();
  }

  /**
   * The mirror pipeline with {@code options} (the command line's, for the figures of {@code
   * starflow mirror}) over the files matching {@code glob}; with {@code history}, every version
   * also goes to the history tables.
   */
  public static Result runPipeline(
      PipelineOptions options, String glob, KeyColumns keys, Warehouse warehouse, boolean history) {
    Pipeline pipeline = Pipeline.create(options);
    MirrorPipeline.build(
        pipeline,
        MirrorSettings.builder().setWarehouse(warehouse).setKeys(keys).setHistory(history).build(),
        glob);
    try (HeapWatch heap = HeapWatch.start()) {
      long start = System.nanoTime();
      PipelineResult result = pipeline.run();
      PipelineResult.State state = result.waitUntilFinish();
      double seconds = (System.nanoTime() - start) / 1e9;
      if (state != PipelineResult.State.DONE) {
        throw new IllegalStateException("the pipeline ended " + state);
      }
      RunCounts counts = RunCounts.of(result);
      return new Result(counts.read() - counts.tombstones(), seconds, heap, liveRows(warehouse));
    }
  }

  /** The rows of the mirror tables that are not tombstones. */
  static long liveRows(Warehouse warehouse) {
    try (Connection connection = warehouse.connect();
        Statement sql = connection.createStatement()) {
      List<String> tables = new ArrayList<>();
      try (ResultSet rs =
          sql.executeQuery(
              "SELECT table_name FROM information_schema.columns WHERE column_name = '_deleted'"
                  + " AND table_name NOT LIKE '%\\_history' ESCAPE '\\'")) {
        while (rs.next()) {
          tables.add(rs.getString(1));
        }
      }
      long rows = 0;
      for (String table : tables) {
        try (ResultSet rs =
            sql.executeQuery(
                "SELECT count(*) FROM \""
                    + table.replace("\"", "\"\"")
                    + "\" WHERE NOT _deleted")) {
          rs.next();
          rows += rs.getLong(1);
        }
      }
      return rows;
    } catch (SQLException e) {
      throw new IllegalStateException("cannot count the mirror's rows: " + e.getMessage(), e);
    }
  }

  /**
   * DuckDB's own SQL over the same files, as a data engineer would write the batch by hand: {@code
   * read_json} of the envelopes, the latest after-image per key by LSN (deletes removed) and the
   * history with {@code LEAD()} intervals. No guards, types or dead letters: a speed reference for
   * PostgreSQL envelopes with schemas, not the same contract.
   */
  public static Result runDuckDbSql(List<Path> files, String key, Path database)
      throws SQLException {
    StringBuilder list = new StringBuilder();
    for (Path file : files) {
      list.append(list.length() == 0 ? "" : ", ")
          .append('\'')
          .append(file.toString().replace("'", "''"))
          .append('\'');
    }
    String k = "\"" + key.replace("\"", "\"\"") + "\"";
    try (HeapWatch heap = HeapWatch.start();
        Connection connection = DriverManager.getConnection("jdbc:duckdb:" + database);
        Statement sql = connection.createStatement()) {
      long start = System.nanoTime();
      sql.execute(
          "CREATE OR REPLACE TABLE ev AS SELECT payload.op AS op,"
              + " CAST(payload.source.lsn AS BIGINT) AS lsn, payload.ts_ms AS ts_ms,"
              + " COALESCE(payload.after."
              + k
              + ", payload.before."
              + k
              + ") AS k, payload.after AS a FROM read_json(["
              + list
              + "], format = 'newline_delimited', maximum_object_size = 100000000)"
              + " WHERE payload IS NOT NULL");
      sql.execute(
          "CREATE OR REPLACE TABLE mirror AS SELECT k, a FROM (SELECT *, row_number() OVER"
              + " (PARTITION BY k ORDER BY lsn DESC) rn FROM ev) WHERE rn = 1 AND op <> 'd'");
      sql.execute(
          "CREATE OR REPLACE TABLE history AS SELECT k, lsn AS valid_from_lsn,"
              + " LEAD(lsn) OVER (PARTITION BY k ORDER BY lsn) AS valid_to_lsn,"
              + " op = 'd' AS is_deleted, a FROM (SELECT DISTINCT ON (k, lsn) * FROM ev"
              + " ORDER BY k, lsn)");
      double seconds = (System.nanoTime() - start) / 1e9;
      try (ResultSet rs =
          sql.executeQuery("SELECT (SELECT count(*) FROM ev), (SELECT count(*) FROM mirror)")) {
        rs.next();
        return new Result(rs.getLong(1), seconds, heap, rs.getLong(2));
      }
    }
  }

  /** Decode, compact and write on one thread, with the same classes and no Beam. */
  public static Result runPlainJava(Path directory, Warehouse warehouse)
      throws IOException, SQLException {
    return runPlainJava(inputFiles(directory), KeyColumns.of("id"), warehouse);
  }

  /** As {@link #runPlainJava(Path, Warehouse)}, over {@code files}. */
  public static Result runPlainJava(List<Path> files, KeyColumns keys, Warehouse warehouse)
      throws IOException, SQLException {
    try (HeapWatch heap = HeapWatch.start();
        MirrorWriter writer = MirrorWriter.open(warehouse)) {
      long start = System.nanoTime();
      DebeziumDecoder decoder =
          new DebeziumDecoder(keys, null, DebeziumDecoder.DEFAULT_UNAVAILABLE_PLACEHOLDER);
      Map<String, LatestVersion> latest = new HashMap<>();
      long events = 0;
      for (Path file : files) {
        try (BufferedReader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
          String line;
          while ((line = reader.readLine()) != null) {
            ChangeRecord record = decoder.decode(line);
            if (record != null) {
              events++;
              latest.merge(record.rowKey(), LatestVersion.of(record), LatestVersion::merge);
            }
          }
        }
      }
      List<ChangeRecord> batch = new ArrayList<>();
      for (LatestVersion version : latest.values()) {
        batch.add(version.result());
        if (batch.size() == 20_000) {
          writer.write(batch);
          batch.clear();
        }
      }
      writer.write(batch);
      double seconds = (System.nanoTime() - start) / 1e9;
      return new Result(events, seconds, heap, liveRows(warehouse));
    }
  }

  /**
   * Samples heap use in the background (the peak is the largest sample), and the heap still used
   * after each collection.
   */
  static final class HeapWatch implements AutoCloseable {
    private final AtomicLong peak = new AtomicLong();
    private final AtomicLong peakAfterGc = new AtomicLong();
    private final Thread sampler;
    private final List<Runnable> stopListening = new ArrayList<>();
    private volatile boolean running = true;

    private HeapWatch() {
      MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
      System.gc();
      for (GarbageCollectorMXBean collector : ManagementFactory.getGarbageCollectorMXBeans()) {
        if (collector instanceof NotificationEmitter) {
          NotificationEmitter emitter = (NotificationEmitter) collector;
          NotificationListener listener =
              (notification, handback) -> {
                if (GarbageCollectionNotificationInfo.GARBAGE_COLLECTION_NOTIFICATION.equals(
                    notification.getType())) {
                  long used = 0;
                  for (Map.Entry<String, MemoryUsage> pool :
                      GarbageCollectionNotificationInfo.from(
                              (CompositeData) notification.getUserData())
                          .getGcInfo()
                          .getMemoryUsageAfterGc()
                          .entrySet()) {
                    if (HEAP_POOLS.contains(pool.getKey())) {
                      used += pool.getValue().getUsed();
                    }
                  }
                  peakAfterGc.accumulateAndGet(used, Math::max);
                }
              };
          emitter.addNotificationListener(listener, null, null);
          stopListening.add(
              () -> {
                try {
                  emitter.removeNotificationListener(listener);
                } catch (ListenerNotFoundException e) {
                  // already gone
                }
              });
        }
      }
      sampler =
          new Thread(
              () -> {
                while (running) {
                  peak.accumulateAndGet(memory.getHeapMemoryUsage().getUsed(), Math::max);
                  try {
                    Thread.sleep(20);
                  } catch (InterruptedException e) {
                    return;
                  }
                }
              },
              "heap-watch");
      sampler.setDaemon(true);
      sampler.start();
    }

    static HeapWatch start() {
      return new HeapWatch();
    }

    long peak() {
      return peak.get();
    }

    /** The most heap in use after a collection; the peak sample if none ran. */
    long peakAfterGc() {
      return peakAfterGc.get() > 0 ? peakAfterGc.get() : peak.get();
    }

    private static final Set<String> HEAP_POOLS =
        ManagementFactory.getMemoryPoolMXBeans().stream()
            .filter(pool -> pool.getType() == MemoryType.HEAP)
            .map(MemoryPoolMXBean::getName)
            .collect(Collectors.toSet());

    @Override
    public void close() {
      running = false;
      sampler.interrupt();
      stopListening.forEach(Runnable::run);
    }
  }
}
