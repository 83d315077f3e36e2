package io.starflow.pipelines.bench;

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
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.SQLException;
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
import java.util.concurrent.atomic.AtomicLong;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.PipelineResult;
import org.apache.beam.sdk.options.PipelineOptions;
import org.apache.beam.sdk.options.PipelineOptionsFactory;

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
    public final long events;
    public final double seconds;
    public final long peakHeapBytes;
    public final long rows;

    Result(long events, double seconds, long peakHeapBytes, long rows) {
      this.events = events;
      this.seconds = seconds;
      this.peakHeapBytes = peakHeapBytes;
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

  /**
   * The mirror pipeline on the DirectRunner, as {@code starflow mirror} runs it; with {@code
   * history}, every version also goes to the history tables.
   */
  public static Result runPipeline(Path directory, Warehouse warehouse, boolean history) {
    PipelineOptions options =
        PipelineOptionsFactory.fromArgs(
                "--runner=DirectRunner",
                "--enforceImmutability=false",
                "--enforceEncodability=false")
            .create();
    Pipeline pipeline = Pipeline.create(options);
    MirrorPipeline.build(
        pipeline,
        MirrorSettings.builder()
            .setWarehouse(warehouse)
            .setKeys(KeyColumns.of("id"))
            .setHistory(history)
            .build(),
        directory.resolve("accounts-*.jsonl").toString());
    try (HeapWatch heap = HeapWatch.start()) {
      long start = System.nanoTime();
      PipelineResult result = pipeline.run();
      result.waitUntilFinish();
      double seconds = (System.nanoTime() - start) / 1e9;
      RunCounts counts = RunCounts.of(result);
      return new Result(counts.read(), seconds, heap.peak(), counts.applied());
    }
  }

  /** Decode, compact and write on one thread, with the same classes and no Beam. */
  public static Result runPlainJava(Path directory, Warehouse warehouse)
      throws IOException, SQLException {
    try (HeapWatch heap = HeapWatch.start();
        MirrorWriter writer = MirrorWriter.open(warehouse)) {
      long start = System.nanoTime();
      DebeziumDecoder decoder =
          new DebeziumDecoder(
              KeyColumns.of("id"), null, DebeziumDecoder.DEFAULT_UNAVAILABLE_PLACEHOLDER);
      Map<String, LatestVersion> latest = new HashMap<>();
      long events = 0;
      for (Path file : inputFiles(directory)) {
        try (BufferedReader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
          String line;
          while ((line = reader.readLine()) != null) {
            events++;
            ChangeRecord record = decoder.decode(line);
            if (record != null) {
              latest.merge(record.rowKey(), LatestVersion.of(record), LatestVersion::merge);
            }
          }
        }
      }
      List<ChangeRecord> batch = new ArrayList<>();
      long rows = 0;
      for (LatestVersion version : latest.values()) {
        batch.add(version.result());
        if (batch.size() == 20_000) {
          rows += writer.write(batch).applied;
          batch.clear();
        }
      }
      rows += writer.write(batch).applied;
      double seconds = (System.nanoTime() - start) / 1e9;
      return new Result(events, seconds, heap.peak(), rows);
    }
  }

  /** Samples heap use in the background; the peak is the largest sample. */
  static final class HeapWatch implements AutoCloseable {
    private final AtomicLong peak = new AtomicLong();
    private final Thread sampler;
    private volatile boolean running = true;

    private HeapWatch() {
      MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
      System.gc();
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

    @Override
    public void close() {
      running = false;
      sampler.interrupt();
    }
  }
}
