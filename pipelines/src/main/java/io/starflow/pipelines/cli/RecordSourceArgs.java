package io.starflow.pipelines.cli;

import io.starflow.pipelines.RecordInputs;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * Where a bounded run reads its JSON records: files ({@code --input}) or Kafka topics ({@code
 * --kafka ... --max-records N}).
 */
final class RecordSourceArgs {
  @Option(
      names = "--input",
      paramLabel = "GLOB",
      description = "JSON-lines files (quote the glob).")
  String input;

  @Mixin KafkaSourceArgs kafka;

  @Option(names = "--max-records", paramLabel = "N", description = "With --kafka: stop after N.")
  Long maxRecords;

  boolean isSet() {
    return input != null || kafka.isSet();
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
   * --input and --kafka is given, the files exist, and a Kafka read is bounded.
   */
  void check(String what) {
    if (input != null && kafka.isSet()) {
      throw new UsageException("give either --input files or --kafka topics");
    }
    if (input != null) {
      Inputs.requireMatch(input);
    } else if (kafka.isSet() && maxRecords == null) {
      throw new UsageException("a Kafka read of " + what + " is bounded: give --max-records");
    }
  }

  /** Work to expect, for progress: bytes of the input files, or the records to read from Kafka. */
  MirrorRun.Work expected() {
    return input != null
        ? MirrorRun.Work.bytes(InputSizes.bytes(input))
        : MirrorRun.Work.records(maxRecords == null ? 0 : maxRecords);
  }

  /** What is read, for the report. */
  String describe() {
    return input != null ? input : "kafka " + kafka.bootstrapServers + " " + kafka.topics;
  }

  /** Where the records come from. */
  RecordInputs.RecordSource source() {
    if (input != null) {
      return RecordInputs.files(input);
    }
    return RecordInputs.kafka(kafka.settings().setMaxRecords(maxRecords).build());
  }
}
