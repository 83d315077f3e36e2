package io.starflow.pipelines.cli;

import io.starflow.pipelines.KafkaSettings;
import io.starflow.pipelines.RecordInputs;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * Where a run reads its JSON records: files ({@code --input}), or Kafka topics ({@code --kafka}):
 * bounded by {@code --max-records}, {@code --stop-at} or {@code --max-read-time}, or {@code
 * --streaming} until stopped.
 */
final class RecordSourceArgs {
  @Option(
      names = "--input",
      paramLabel = "GLOB",
      description = "JSON-lines files (quote the glob).")
  String input;

  @Mixin KafkaArgs kafka;

  boolean isSet() {
    return input != null || kafka.isSet();
  }

  /** Whether this is a streaming read of Kafka. */
  boolean streaming() {
    return kafka.isSet() && kafka.streaming;
  }

  /** Checks the source as {@link #check} does, and that one is given. */
  void require(String what) {
    if (!isSet()) {
      throw new UsageException("give either --input files or --kafka topics");
    }
    check(what);
  }

  /**
   * Checks the source; {@code what} names the records in messages. Throws unless exactly one of
   * --input and --kafka is given, the files exist, and a Kafka read is streaming or bounded.
   */
  void check(String what) {
    if (input != null && kafka.isSet()) {
      throw new UsageException("give either --input files or --kafka topics");
    }
    if (input != null) {
      if (kafka.streaming) {
        throw new UsageException("--streaming reads Kafka topics: give --kafka, not --input");
      }
      Inputs.requireMatch(input);
    } else if (kafka.isSet() && !kafka.streaming && !kafka.bounded()) {
      throw new UsageException(
          "a Kafka read of "
              + what
              + " runs until stopped with --streaming, or ends at --max-records, --stop-at or"
              + " --max-read-time");
    }
  }

  /** Work to expect, for progress: bytes of the input files, or the records to read from Kafka. */
  MirrorRun.Work expected() {
    return input != null
        ? MirrorRun.Work.bytes(InputSizes.bytes(input))
        : MirrorRun.Work.records(kafka.maxRecords == null ? 0 : kafka.maxRecords);
  }

  /** What is read, for the report. */
  String describe() {
    return input != null
        ? input
        : "kafka " + kafka.source.bootstrapServers + " " + kafka.source.topics;
  }

  /**
   * The Kafka settings, for {@code command} (its default group) and records whose event time is the
   * top-level field {@code eventTimeField}.
   */
  KafkaSettings kafkaSettings(String command, String eventTimeField) {
    return kafka.settings(command, eventTimeField);
  }

  /** Where the records come from; as {@link #kafkaSettings} for Kafka. */
  RecordInputs.RecordSource source(String command, String eventTimeField) {
    if (input != null) {
      return RecordInputs.files(input);
    }
    return RecordInputs.kafka(kafkaSettings(command, eventTimeField));
  }
}
