package io.starflow.pipelines;

import io.starflow.schemas.RawRecord;
import io.starflow.transforms.io.JsonLines;
import java.io.Serializable;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.transforms.errorhandling.BadRecord;
import org.apache.beam.sdk.transforms.errorhandling.ErrorHandler;
import org.apache.beam.sdk.values.PCollection;

/**
 * The records a pipeline reads (JSON-lines files, Kafka topics). A pipeline registers one
 * dead-letter handler and gives it to its source, so that a record that is not text (not valid
 * UTF-8) lands in the same dead letters as everything else.
 */
public final class RecordInputs {
  private RecordInputs() {}

  /** Reads records into a pipeline, sending those that cannot be read to {@code deadLetters}. */
  @FunctionalInterface
  public interface RecordSource extends Serializable {
    PCollection<RawRecord> read(Pipeline pipeline, ErrorHandler<BadRecord, ?> deadLetters);
  }

  /** Records already read. */
  public static RecordSource of(PCollection<RawRecord> records) {
    return (pipeline, deadLetters) -> records;
  }

  /** The JSON-lines files matching {@code input}, read in the step {@code ReadJsonLines}. */
  public static RecordSource files(String input) {
    return files("ReadJsonLines", input);
  }

  /** The JSON-lines files matching {@code input}, read in step {@code name}. */
  public static RecordSource files(String name, String input) {
    return (pipeline, deadLetters) ->
        pipeline.apply(name, JsonLines.read(input).withBadRecordErrorHandler(deadLetters));
  }

  /** The Kafka topics of {@code kafka}, read in the step {@code ReadKafka}. */
  public static RecordSource kafka(KafkaSettings kafka) {
    return (pipeline, deadLetters) ->
        pipeline.apply("ReadKafka", kafka.read().withBadRecordErrorHandler(deadLetters));
  }
}
