package io.starflow.pipelines.cli;

import io.starflow.pipelines.bench.AsOfBenchmark;
import io.starflow.pipelines.bench.MirrorBenchmark;
import io.starflow.pipelines.bench.StarRefreshBenchmark;
import io.starflow.pipelines.bench.WritePathBenchmark;
import io.starflow.schemas.ChangeRecord;
import io.starflow.schemas.KeyColumns;
import io.starflow.transforms.warehouse.Warehouse;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.Callable;
import org.apache.beam.sdk.io.FileSystems;
import org.apache.beam.sdk.io.fs.MatchResult;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code starflow bench}: throughput of the mirror pipeline against the plain-Java limit. */
@Command(
    name = "bench",
    mixinStandardHelpOptions = true,
    description = {
      "Measures the default run (mirror + history, DirectRunner, into a fresh DuckDB file) on"
          + " generated Debezium PostgreSQL envelopes with schemas (or --input files), optionally"
          + " beside DuckDB's own SQL on the same files (--baseline duckdb-sql); then the mirror"
          + " only, beside a plain-Java single-thread pass doing the same decode, compaction and"
          + " write: the limit to measure against. Prints events/s, peak heap and the ratios."
          + " Run it alone on the machine: a ratio is only fair within one quiet run."
    })
final class BenchCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Option(
      names = "--events",
      defaultValue = "100000",
      description = "Change events to generate (default: ${DEFAULT-VALUE}).")
  long events;

  @Option(
      names = "--keys",
      defaultValue = "10000",
      description = "Distinct keys they change (default: ${DEFAULT-VALUE}).")
  int keys;

  @Option(
      names = "--baseline",
      paramLabel = "duckdb-sql",
      description = {
        "Also run DuckDB's own SQL over the same files in this process (read_json, the latest"
            + " per key by LSN, LEAD() history: what a data engineer writes by hand) right after"
            + " the default run, and print both rates and the ratio."
      })
  String baseline;

  @Option(
      names = "--input",
      paramLabel = "GLOB",
      description = {
        "Measure on these files (Debezium PostgreSQL envelopes with schemas, e.g. from the"
            + " generator of the Debezium JDBC sink benchmark) instead of generated ones."
      })
  String input;

  @Option(
      names = "--key",
      defaultValue = "id",
      description = "With --input: the key column (default: ${DEFAULT-VALUE}).")
  String key;

  @Option(
      names = "--heap-scaling",
      description = {
        "Also run the default run on 10x --events over 10x --keys, and print the peak heap"
            + " after GC at both sizes: memory that does not grow with the input."
      })
  boolean heapScaling;

  @Option(
      names = "--write-path",
      description = {
        "Instead, compare two ways to write --keys rows: a JDBC batch of guarded upserts, and"
            + " bulk staging (DuckDB Appender, PostgreSQL COPY) with one set-based upsert per"
            + " batch. Runs on DuckDB, and on PostgreSQL when --postgres is given."
      })
  boolean writePath;

  @Option(
      names = "--as-of",
      description = {
        "Instead, time the event fold and point-in-time rebuilds: fold --events inventory"
            + " events over --skus SKUs (a snapshot every --snapshot-every versions) beside a"
            + " plain in-memory fold of the same file, print both rates and the ratio, then"
            + " rebuild the state as of Black Friday 2 PM from the snapshots and from the first"
            + " event."
      })
  boolean asOf;

  @Option(
      names = "--star-refresh",
      description = {
        "Instead, time the star refresh of the sample retail model on a history of --versions"
            + " versions: a full rebuild, then the key-scoped refresh after --changed keys changed"
            + " beside a full rebuild of the same history (DuckDB, or --postgres)."
      })
  boolean starRefresh;

  @Option(
      names = "--versions",
      defaultValue = "1000000",
      description = "With --star-refresh: history versions to build (default: ${DEFAULT-VALUE}).")
  long versions;

  @Option(
      names = "--changed",
      split = ",",
      defaultValue = "1000,10000",
      description =
          "With --star-refresh: changed keys per refresh, one refresh per number"
              + " (default: ${DEFAULT-VALUE}).")
  List<Integer> changed;

  @Option(
      names = "--skus",
      defaultValue = "1000",
      description = "With --as-of: SKUs the events are spread over (default: ${DEFAULT-VALUE}).")
  int skus;

  @Option(
      names = "--snapshot-every",
      defaultValue = "100",
      description = "With --as-of: versions between snapshots (default: ${DEFAULT-VALUE}).")
  int snapshotEvery;

  @Option(
      names = "--postgres",
      paramLabel = "JDBC_URL",
      description =
          "PostgreSQL for --write-path or --star-refresh, e.g. jdbc:postgresql://127.0.0.1:5432/test?user=postgres")
  String postgres;

  @Override
  public Integer call() throws Exception {
    if (events < 1 || keys < 1) {
      throw new UsageException("--events and --keys must be positive");
    }
    PrintWriter out = spec.commandLine().getOut();
    if (asOf && (skus < 1 || snapshotEvery < 1 || events < skus)) {
      throw new UsageException(
          "--skus and --snapshot-every must be positive, and --events at least --skus");
    }
    Path work = Files.createTempDirectory("starflow-bench");
    try {
      if (writePath) {
        return writePath(out, work);
      }
      if (starRefresh) {
        if (versions < 100 || changed.stream().anyMatch(n -> n < 1)) {
          throw new UsageException("--versions must be at least 100 and every --changed positive");
        }
        if (postgres == null) {
          return StarRefreshBenchmark.run(duckDb(work, "star-refresh"), versions, changed, out);
        }
        return StarRefreshBenchmark.runOnPostgres(postgres, versions, changed, out);
      }
      if (asOf) {
        AsOfBenchmark.run(skus, (int) (events / skus), snapshotEvery, work, options(), out);
        return 0;
      }
      return mirror(out, work);
    } finally {
      deleteTree(work);
    }
  }

  private int mirror(PrintWriter out, Path work) throws Exception {
    if (baseline != null && !baseline.equals("duckdb-sql")) {
      throw new UsageException(
          "--baseline: the one baseline is duckdb-sql, not '" + baseline + "'");
    }
    if (heapScaling && input != null) {
      throw new UsageException("--heap-scaling generates its input: drop --input");
    }
    List<Path> files;
    String glob;
    KeyColumns keyColumns = KeyColumns.of(key);
    if (input != null) {
      Inputs.requireMatch(input);
      files = new ArrayList<>();
      for (MatchResult.Metadata file : FileSystems.match(input).metadata()) {
        files.add(Path.of(file.resourceId().toString()));
      }
      glob = input;
      out.printf("Input: %,d files matching %s, %,d MB%n", files.size(), input, mb(files));
    } else {
      Path generated = work.resolve("input");
      generate(out, events, keys, generated);
      files = MirrorBenchmark.inputFiles(generated);
      glob = MirrorBenchmark.inputGlob(generated);
      keyColumns = KeyColumns.of("id");
    }

    // Every path runs once on a small input first, so that none is measured while the JIT
    // compiler warms up on code another already ran.
    Path warmUp = work.resolve("warm-up");
    long warmUpEvents = input != null ? 20_000 : Math.max(1_000, Math.min(events / 5, 20_000));
    MirrorBenchmark.generate(warmUpEvents, (int) Math.max(100, warmUpEvents / 10), warmUp);
    out.printf("Warming up on %,d events...%n%n", warmUpEvents);
    out.flush();
    MirrorBenchmark.runPipeline(
        options(),
        MirrorBenchmark.inputGlob(warmUp),
        KeyColumns.of("id"),
        duckDb(work, "warm-pipeline"),
        true);
    MirrorBenchmark.runPipeline(
        options(),
        MirrorBenchmark.inputGlob(warmUp),
        KeyColumns.of("id"),
        duckDb(work, "warm-mirror"),
        false);
    MirrorBenchmark.runPlainJava(warmUp, duckDb(work, "warm-plain"));

    out.println("Default run: mirror + history, DirectRunner -> DuckDB ...");
    out.flush();
    MirrorBenchmark.Result standard =
        MirrorBenchmark.runPipeline(options(), glob, keyColumns, duckDb(work, "default"), true);
    print(out, "default", standard);
    MirrorBenchmark.Result sql = null;
    if (baseline != null) {
      out.println(
          "DuckDB's own SQL over the same files (read_json; latest per key by LSN;"
              + " LEAD() history) ...");
      out.flush();
      sql =
          MirrorBenchmark.runDuckDbSql(
              files, input != null ? key : "id", work.resolve("duckdb-sql.duckdb"));
      print(out, "duckdb-sql", sql);
      ratio(out, "default run / DuckDB's own SQL", standard, sql);
      out.println();
    }
    out.println("Mirror only (--no-history), DirectRunner -> DuckDB ...");
    out.flush();
    MirrorBenchmark.Result mirrorOnly =
        MirrorBenchmark.runPipeline(options(), glob, keyColumns, duckDb(work, "mirror"), false);
    print(out, "mirror only", mirrorOnly);
    out.println("Plain Java, one thread, same decode + compact + write (mirror only) ...");
    out.flush();
    MirrorBenchmark.Result plain =
        MirrorBenchmark.runPlainJava(files, keyColumns, duckDb(work, "plain"));
    print(out, "plain Java", plain);
    ratio(out, "mirror only / plain Java", mirrorOnly, plain);

    List<MirrorBenchmark.Result> runs = new ArrayList<>(List.of(standard, mirrorOnly, plain));
    if (sql != null) {
      runs.add(sql);
    }
    if (runs.stream().mapToLong(r -> r.rows).distinct().count() != 1) {
      out.printf(
          "The runs disagree on the live rows (default %,d, mirror only %,d, plain Java %,d%s):"
              + " these figures do not count.%n",
          standard.rows,
          mirrorOnly.rows,
          plain.rows,
          sql == null ? "" : String.format(", DuckDB's own SQL %,d", sql.rows));
      out.flush();
      return 1;
    }

    if (heapScaling) {
      out.println();
      Path larger = work.resolve("input-10x");
      generate(out, events * 10, keys * 10, larger);
      out.println("Default run at 10x the events ...");
      out.flush();
      MirrorBenchmark.Result tenfold =
          MirrorBenchmark.runPipeline(
              options(),
              MirrorBenchmark.inputGlob(larger),
              KeyColumns.of("id"),
              duckDb(work, "default-10x"),
              true);
      print(out, "default 10x", tenfold);
      out.printf(
          "peak heap after GC at %,d events: %,d MB; at %,d: %,d MB (%.2fx for 10x the input)%n",
          standard.events,
          standard.peakHeapAfterGcBytes >> 20,
          tenfold.events,
          tenfold.peakHeapAfterGcBytes >> 20,
          (double) tenfold.peakHeapAfterGcBytes / standard.peakHeapAfterGcBytes);
    }
    out.println();
    out.printf(
        "%s processors, max heap %,d MB%n",
        Runtime.getRuntime().availableProcessors(), Runtime.getRuntime().maxMemory() >> 20);
    out.flush();
    return 0;
  }

  private static void generate(PrintWriter out, long events, int keys, Path directory)
      throws IOException {
    out.printf(
        "Generating %,d events over %,d keys in %d files...%n",
        events, keys, MirrorBenchmark.PARTITIONS);
    out.flush();
    long bytes = MirrorBenchmark.generate(events, keys, directory);
    out.printf("  %,d MB, %,d bytes per event on average%n", bytes >> 20, bytes / events);
  }

  private static long mb(List<Path> files) throws IOException {
    long bytes = 0;
    for (Path file : files) {
      bytes += Files.size(file);
    }
    return bytes >> 20;
  }

  private static void ratio(
      PrintWriter out, String what, MirrorBenchmark.Result a, MirrorBenchmark.Result b) {
    out.printf(
        "%s: %.2f  (%,.0f vs %,.0f events/s)%n",
        what, a.eventsPerSecond() / b.eventsPerSecond(), a.eventsPerSecond(), b.eventsPerSecond());
    out.flush();
  }

  private static void deleteTree(Path root) throws IOException {
    if (!Files.exists(root)) {
      return;
    }
    try (java.util.stream.Stream<Path> walk = Files.walk(root)) {
      for (Path path : (Iterable<Path>) walk.sorted(Comparator.reverseOrder())::iterator) {
        Files.deleteIfExists(path);
      }
    }
  }

  private int writePath(PrintWriter out, Path work) throws Exception {
    out.printf("Decoding %,d rows of distinct keys...%n", keys);
    out.flush();
    List<ChangeRecord> rows = WritePathBenchmark.rows(keys, work);
    List<Warehouse> warehouses = new ArrayList<>();
    warehouses.add(duckDb(work, "write-path"));
    if (postgres != null) {
      warehouses.add(Warehouse.at(postgres));
    }
    for (Warehouse warehouse : warehouses) {
      String name = warehouse.dialect().name();
      // One untimed round of each first, so both are measured with a warm JIT.
      WritePathBenchmark.jdbcBatch(warehouse, rows.subList(0, Math.min(rows.size(), 2_000)));
      WritePathBenchmark.staged(warehouse, rows.subList(0, Math.min(rows.size(), 2_000)));
      double batch = WritePathBenchmark.jdbcBatch(warehouse, rows);
      double staged = WritePathBenchmark.staged(warehouse, rows);
      out.printf(
          "  %-10s JDBC batch upserts %,10.0f rows/s   staged + one upsert %,10.0f rows/s"
              + "   (%.1fx)%n",
          name, batch, staged, staged / batch);
      out.flush();
    }
    return 0;
  }

  private static Warehouse duckDb(Path directory, String name) {
    return Warehouse.at("jdbc:duckdb:" + directory.resolve(name + ".duckdb"));
  }

  private static void print(PrintWriter out, String name, MirrorBenchmark.Result result) {
    out.printf(
        "  %-11s %,10.0f events/s  %6.2f s  peak heap %,6d MB (after GC %,5d MB)  %,d rows%n",
        name,
        result.eventsPerSecond(),
        result.seconds,
        result.peakHeapBytes >> 20,
        result.peakHeapAfterGcBytes >> 20,
        result.rows);
    out.flush();
  }

  /** The options {@code starflow mirror} runs a bounded DirectRunner pipeline with. */
  private static org.apache.beam.sdk.options.PipelineOptions options() {
    return MirrorRun.options(new RunnerOptions(), false);
  }
}
