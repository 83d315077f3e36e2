package io.starflow.pipelines.cli;

import io.starflow.pipelines.bench.AsOfBenchmark;
import io.starflow.pipelines.bench.MirrorBenchmark;
import io.starflow.pipelines.bench.WritePathBenchmark;
import io.starflow.schemas.ChangeRecord;
import io.starflow.transforms.warehouse.Warehouse;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code starflow bench}: throughput of the mirror pipeline against the plain-Java limit. */
@Command(
    name = "bench",
    mixinStandardHelpOptions = true,
    description = {
      "Measures the mirror pipeline (DirectRunner, into a fresh DuckDB file) on generated"
          + " Debezium PostgreSQL envelopes with schemas, then a plain-Java single-thread pass"
          + " doing the same decode, compaction and write on the same input: the limit to"
          + " measure against. Prints events/s, peak heap and the ratio."
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
        "Instead, time point-in-time rebuilds: fold --events inventory events over --skus SKUs"
            + " (a snapshot every --snapshot-every versions), then rebuild the state as of Black"
            + " Friday 2 PM from the snapshots and from the first event."
      })
  boolean asOf;

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
          "PostgreSQL for --write-path, e.g. jdbc:postgresql://127.0.0.1:5432/test?user=postgres")
  String postgres;

  @Override
  public Integer call() throws Exception {
    if (events < 1 || keys < 1) {
      throw new IllegalArgumentException("--events and --keys must be positive");
    }
    PrintWriter out = spec.commandLine().getOut();
    Path work = Files.createTempDirectory("starflow-bench");
    if (writePath) {
      return writePath(out, work);
    }
    if (asOf) {
      if (skus < 1 || snapshotEvery < 1 || events < skus) {
        throw new IllegalArgumentException(
            "--skus and --snapshot-every must be positive, and --events at least --skus");
      }
      AsOfBenchmark.run(
          skus,
          (int) (events / skus),
          snapshotEvery,
          work,
          MirrorRun.options(new RunnerOptions(), false),
          out);
      return 0;
    }
    Path input = work.resolve("input");
    out.printf(
        "Generating %,d events over %,d keys in %d files...%n",
        events, keys, MirrorBenchmark.PARTITIONS);
    out.flush();
    long bytes = MirrorBenchmark.generate(events, keys, input);
    out.printf("  %,d MB, %,d bytes per event on average%n", bytes >> 20, bytes / events);

    // Both paths run once on a small input first, so that neither is measured while the JIT
    // compiler warms up on code the other already ran.
    Path warmUp = work.resolve("warm-up");
    long warmUpEvents = Math.max(1, Math.min(events / 10, 20_000));
    MirrorBenchmark.generate(warmUpEvents, Math.max(1, keys / 10), warmUp);
    out.printf("Warming up both paths on %,d events...%n%n", warmUpEvents);
    out.flush();
    MirrorBenchmark.runPipeline(warmUp, duckDb(work, "warm-pipeline"), false);
    MirrorBenchmark.runPlainJava(warmUp, duckDb(work, "warm-plain"));

    out.println("Mirror pipeline, DirectRunner -> DuckDB (mirror tables only) ...");
    out.flush();
    MirrorBenchmark.Result pipeline =
        MirrorBenchmark.runPipeline(input, duckDb(work, "pipeline"), false);
    print(out, "pipeline", pipeline);
    out.println("Plain Java, one thread, same decode + compact + write -> DuckDB ...");
    out.flush();
    MirrorBenchmark.Result plain = MirrorBenchmark.runPlainJava(input, duckDb(work, "plain"));
    print(out, "plain Java", plain);
    out.println("Mirror pipeline with history: every version also to accounts_history ...");
    out.flush();
    MirrorBenchmark.Result withHistory =
        MirrorBenchmark.runPipeline(input, duckDb(work, "history"), true);
    print(out, "+ history", withHistory);
    out.println();
    out.printf(
        "pipeline / plain Java: %.2f  (%,.0f vs %,.0f events/s)%n",
        pipeline.eventsPerSecond() / plain.eventsPerSecond(),
        pipeline.eventsPerSecond(),
        plain.eventsPerSecond());
    out.printf(
        "%s processors, max heap %,d MB%n",
        Runtime.getRuntime().availableProcessors(), Runtime.getRuntime().maxMemory() >> 20);
    out.flush();
    return 0;
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
        "  %-10s %,10.0f events/s  %6.2f s  peak heap %,6d MB  %,d rows written%n",
        name, result.eventsPerSecond(), result.seconds, result.peakHeapBytes >> 20, result.rows);
    out.flush();
  }
}
