package io.starflow.pipelines.cli;

import io.starflow.pipelines.KafkaSettings;
import io.starflow.pipelines.MirrorPipeline;
import io.starflow.pipelines.MirrorSettings;
import io.starflow.pipelines.RunCounts;
import io.starflow.transforms.StarflowMetrics;
import io.starflow.transforms.deadletter.DeadLetterWriter;
import io.starflow.transforms.io.KafkaOffsets;
import io.starflow.transforms.warehouse.Warehouse;
import java.io.IOException;
import java.io.PrintWriter;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BiConsumer;
import java.util.function.Consumer;
import javax.annotation.Nullable;
import me.tongfei.progressbar.DelegatingProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.PipelineResult;
import org.apache.beam.sdk.options.PipelineOptions;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.joda.time.Duration;

/** Runs the mirror pipeline with a progress bar, and reports what it did. */
final class MirrorRun {
  private MirrorRun() {}

  /** What a finished run did. */
  static final class Outcome {
    final RunCounts counts;
    final double seconds;

    Outcome(RunCounts counts, double seconds) {
      this.counts = counts;
      this.seconds = seconds;
    }

    double recordsPerSecond() {
      return counts.read() / Math.max(seconds, 1e-9);
    }
  }

  /**
   * Mirrors {@code input}; {@code expectedBytes}, its size, sizes the progress bar (0 when
   * unknown). Throws when the pipeline fails.
   */
  static Outcome run(
      MirrorSettings settings,
      String input,
      RunnerOptions runner,
      long expectedBytes,
      PrintWriter out)
      throws SQLException {
    return run(
        settings,
        input,
        pipeline -> MirrorPipeline.build(pipeline, settings, input),
        runner,
        false,
        Work.bytes(expectedBytes),
        out);
  }

  /** What a bounded run's progress counts: the bytes of its files, or records (from Kafka). */
  static final class Work {
    /** How many are expected; 0 when not known. */
    final long expected;

    final boolean records;

    private Work(long expected, boolean records) {
      this.expected = expected;
      this.records = records;
    }

    static Work bytes(long expected) {
      return new Work(expected, false);
    }

    static Work records(long expected) {
      return new Work(expected, true);
    }

    long done(RunCounts counts) {
      return records ? counts.read() : counts.bytesRead();
    }
  }

  /** Mirrors what {@code wiring} reads: a bounded run, with a progress bar. */
  static Outcome run(
      MirrorSettings settings,
      String source,
      Consumer<Pipeline> wiring,
      RunnerOptions runner,
      boolean streaming,
      Work work,
      PrintWriter out)
      throws SQLException {
    DeadLetterWriter.ensureTable(settings.warehouse());
    Pipeline pipeline = Pipeline.create(options(runner, streaming));
    wiring.accept(pipeline);

    long start = System.nanoTime();
    PipelineResult result = pipeline.run();
    try (ProgressBar progress = progressBar("Mirroring", work)) {
      RunCounts counts =
          await(
              result,
              progress,
              (bar, now) -> {
                show(bar, now, work);
                bar.setExtraMessage(
                    (work.records ? "" : String.format(" %,d records", now.read()))
                        + (now.applied() > 0 || work.expected > 0 && work.done(now) >= work.expected
                            ? (work.records ? " " : "; ") + "writing to the warehouse"
                            : ""));
              });
      showDone(
          progress,
          counts,
          work,
          work.records ? " done" : String.format(" %,d records; done", counts.read()));
    }
    double seconds = (System.nanoTime() - start) / 1e9;
    Outcome outcome = new Outcome(RunCounts.of(result), seconds);
    report(settings, source, outcome, out);
    return outcome;
  }

  /**
   * Waits until {@code result} ends, showing its counters on {@code progress} (when given) every
   * quarter second; returns the final counts, or throws unless the pipeline is done.
   */
  static RunCounts await(
      PipelineResult result,
      @Nullable ProgressBar progress,
      BiConsumer<ProgressBar, RunCounts> show) {
    PipelineResult.State state = result.getState();
    while (!state.isTerminal()) {
      state = result.waitUntilFinish(Duration.millis(250));
      if (state == null) {
        state = result.getState();
      }
      if (progress != null) {
        show.accept(progress, RunCounts.of(result));
      }
    }
    if (state != PipelineResult.State.DONE) {
      throw new IllegalStateException("the pipeline ended " + state);
    }
    return RunCounts.of(result);
  }

  static PipelineOptions options(RunnerOptions runner, boolean streaming) {
    List<String> args = new ArrayList<>(runner.toArgs(streaming));
    if (streaming) {
      args.add("--streaming=true");
    }
    PipelineOptions options =
        PipelineOptionsFactory.fromArgs(args.toArray(new String[0])).withValidation().create();
    options.setJobName("starflow-mirror");
    return options;
  }

  /**
   * Runs a streaming mirror until it is stopped: prints a status line every ten seconds, and on
   * Ctrl-C cancels the pipeline and prints the offsets the consumer group has committed (every
   * record below them is in the warehouse or the dead-letter table).
   */
  static void runStreaming(
      MirrorSettings settings, KafkaSettings kafka, RunnerOptions runner, PrintWriter out)
      throws Exception {
    runStreaming(
        "Mirroring",
        settings.warehouse(),
        kafka,
        runner,
        pipeline -> MirrorPipeline.buildFromKafka(pipeline, settings, kafka),
        c ->
            String.format(
                "read %,d  applied %,d  tombstones %,d  dead-lettered %,d  late %,d",
                c.read(),
                c.applied(),
                c.tombstones(),
                c.deadLettered(),
                c.get(StarflowMetrics.LATE_BEYOND_LATENESS)),
        out);
  }

  /**
   * Runs a streaming pipeline that {@code wiring} builds from {@code kafka} into {@code warehouse}
   * until it is stopped: prints {@code status} of its counts (and the offset commits) every ten
   * seconds, and on Ctrl-C cancels the pipeline and prints the offsets the consumer group has
   * committed (every record below them is in the warehouse or the dead-letter table).
   */
  static void runStreaming(
      String doing,
      Warehouse warehouse,
      KafkaSettings kafka,
      RunnerOptions runner,
      Consumer<Pipeline> wiring,
      java.util.function.Function<RunCounts, String> status,
      PrintWriter out)
      throws Exception {
    DeadLetterWriter.ensureTable(warehouse);
    MirrorPipeline.prepareKafka(kafka);
    Pipeline pipeline = Pipeline.create(options(runner, true));
    wiring.accept(pipeline);
    PipelineResult result = pipeline.run();
    out.printf(
        "%s %s from %s into %s; Ctrl-C stops.%n",
        doing, String.join(",", kafka.topics()), kafka.bootstrapServers(), warehouse.displayUrl());
    out.flush();
    AtomicBoolean stopping = new AtomicBoolean();
    Thread stop =
        new Thread(
            () -> {
              stopping.set(true);
              out.println();
              out.println("Stopping: cancelling the pipeline...");
              out.flush();
              try {
                result.cancel();
              } catch (IOException | UnsupportedOperationException e) {
                out.println("could not cancel cleanly: " + e.getMessage());
              }
              printCommitted(kafka, out);
            },
            "starflow-stop");
    Runtime.getRuntime().addShutdownHook(stop);
    PipelineResult.State state = result.getState();
    while (!state.isTerminal() && !stopping.get()) {
      state = result.waitUntilFinish(Duration.standardSeconds(10));
      if (state == null) {
        state = result.getState();
      }
      RunCounts c = RunCounts.of(result);
      out.printf(
          "  %s  offset commits %,d%n", status.apply(c), c.get(StarflowMetrics.OFFSET_COMMITS));
      out.flush();
    }
    if (!stopping.get()) {
      Runtime.getRuntime().removeShutdownHook(stop);
      if (state != PipelineResult.State.DONE) {
        throw new IllegalStateException("the pipeline ended " + state);
      }
      printCommitted(kafka, out);
    }
  }

  private static void printCommitted(KafkaSettings kafka, PrintWriter out) {
    if (kafka.groupId() == null) {
      return;
    }
    try (KafkaConsumer<byte[], byte[]> consumer =
        KafkaOffsets.consumer(kafka.bootstrapServers(), kafka.groupId(), kafka.consumerConfig())) {
      Set<TopicPartition> partitions =
          new TreeSet<>(Comparator.comparing(TopicPartition::toString));
      for (String topic : kafka.topics()) {
        consumer
            .partitionsFor(topic)
            .forEach(p -> partitions.add(new TopicPartition(topic, p.partition())));
      }
      Map<TopicPartition, OffsetAndMetadata> committed = consumer.committed(partitions);
      out.println(
          "Committed offsets of group " + kafka.groupId() + " (everything below is written):");
      for (TopicPartition partition : partitions) {
        OffsetAndMetadata offset = committed.get(partition);
        out.printf(
            "  %s/%d  %s%n",
            partition.topic(),
            partition.partition(),
            offset == null ? "none" : Long.toString(offset.offset()));
      }
    } catch (RuntimeException e) {
      out.println("could not read the committed offsets: " + e.getMessage());
    }
    out.flush();
  }

  /** Moves {@code bar} to the work done so far. */
  static void show(ProgressBar bar, RunCounts counts, Work work) {
    long done = work.done(counts);
    bar.stepTo(bar.getMax() > 0 ? Math.min(bar.getMax(), done) : done);
  }

  /** Shows {@code bar} complete: a run that ended read all of its input. */
  static void showDone(ProgressBar bar, RunCounts counts, Work work, String message) {
    bar.stepTo(bar.getMax() > 0 ? bar.getMax() : work.done(counts));
    bar.setExtraMessage(message);
  }

  /**
   * A bar over the expected work (unknown when 0), in MB or records; redrawn in place on a
   * terminal, elsewhere (CI logs, a pipe) a line every few seconds.
   */
  static ProgressBar progressBar(String task, Work work) {
    ProgressBarBuilder builder =
        new ProgressBarBuilder()
            .setTaskName(task)
            .setInitialMax(work.expected > 0 ? work.expected : -1)
            .setUnit(work.records ? " records" : " MB", work.records ? 1 : 1_000_000)
            .setStyle(ProgressBarStyle.ASCII)
            .continuousUpdate()
            .showSpeed();
    if (System.console() == null) {
      builder
          .setConsumer(new DelegatingProgressBarConsumer(System.err::println, 100))
          .setUpdateIntervalMillis(5_000);
    } else {
      builder.setUpdateIntervalMillis(250);
    }
    return builder.build();
  }

  private static void report(
      MirrorSettings settings, String input, Outcome outcome, PrintWriter out) throws SQLException {
    RunCounts c = outcome.counts;
    out.println();
    out.printf(
        "Mirrored %,d records from %s into %s in %.1f s (%,.0f records/s).%n",
        c.read(),
        input,
        settings.warehouse().displayUrl(),
        outcome.seconds,
        outcome.recordsPerSecond());
    out.println();
    WarehouseSummary.print(settings.warehouse(), out);
    out.println();
    out.printf("  %-22s %,12d%n", "records read", c.read());
    out.printf(
        "  %-22s %,12d   (%,d changed the table, %,d were not newer than it)%n",
        "  applied", c.applied(), c.changed(), c.stale());
    out.printf(
        "  %-22s %,12d   (an update or delete of the same row came later)%n",
        "  compacted away", c.compactedAway());
    out.printf("  %-22s %,12d%n", "  tombstones skipped", c.tombstones());
    if (c.truncations() > 0) {
      out.printf(
          "  %-22s %,12d   (rows older than each became tombstones)%n",
          "  truncates", c.truncations());
    }
    if (c.notRowChanges() > 0) {
      out.printf(
          "  %-22s %,12d   (transaction markers and logical messages)%n",
          "  not row changes", c.notRowChanges());
    }
    out.printf(
        "  %-22s %,12d   (read %,d, decode %,d, apply %,d)%n",
        "  dead-lettered",
        c.deadLettered(),
        c.unreadable(),
        c.get(StarflowMetrics.DECODE_FAILED),
        c.get(StarflowMetrics.APPLY_FAILED));
    if (c.historyAdded() > 0 || c.get(StarflowMetrics.HISTORY_FAILED) > 0) {
      out.printf(
          "  %-22s %,12d   (every version, in <table>_history; %,d dead-lettered there)%n",
          "history versions added", c.historyAdded(), c.get(StarflowMetrics.HISTORY_FAILED));
    }
    if (c.get(StarflowMetrics.STAR_REFRESHES) > 0) {
      out.printf(
          "  %-22s %,12d   (dimension and fact rows inserted, updated or deleted; %,d refresh%s)%n",
          "star rows changed",
          c.get(StarflowMetrics.STAR_ROWS_CHANGED),
          c.get(StarflowMetrics.STAR_REFRESHES),
          c.get(StarflowMetrics.STAR_REFRESHES) == 1 ? "" : "es");
    }
    if (c.outsideRange() > 0) {
      out.printf(
          "  %-22s %,12d   (committed outside the backfill's range)%n",
          "  outside the range", c.outsideRange());
    }
    if (c.blankLines() > 0) {
      out.printf("  %-22s %,12d%n", "blank lines skipped", c.blankLines());
    }
    out.println(
        c.reconciles()
            ? "  counts reconcile: read = applied + compacted away + tombstones"
                + (c.truncations() > 0 ? " + truncates" : "")
                + (c.notRowChanges() > 0 ? " + not row changes" : "")
                + " + dead-lettered"
                + (c.outsideRange() > 0 ? " + outside the range" : "")
            : "  COUNTS DO NOT RECONCILE: " + c);
    out.flush();
  }
}
