package io.starflow.pipelines;

import io.starflow.schemas.RawRecord;
import io.starflow.transforms.io.JsonLines;
import io.starflow.transforms.io.ReadKafkaRecords;
import java.io.Serializable;
import java.util.List;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.transforms.Flatten;
import org.apache.beam.sdk.transforms.errorhandling.BadRecord;
import org.apache.beam.sdk.transforms.errorhandling.ErrorHandler;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PCollectionList;

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
  public static Files files(String input) {
    return new Files(List.of(input));
  }

  /** The JSON-lines files matching each of {@code inputs}. */
  public static Files files(List<String> inputs) {
    return new Files(inputs);
  }

  /**
   * JSON-lines files, one glob or several: a source that a pipeline may also read in ranges it
   * decodes as it reads.
   */
  public static final class Files implements RecordSource {
    /**
     * Ranges of 16 MiB: a range's records go to the next step as one bundle, which the DirectRunner
     * holds until that step has taken it, and a file of a few hundred megabytes still makes enough
     * ranges to decode on every core.
     */
    static final long RANGE_BYTES = 16L << 20;

    private final List<String> patterns;

    private Files(List<String> patterns) {
      if (patterns.isEmpty()) {
        throw new IllegalArgumentException("no input files given");
      }
      this.patterns = List.copyOf(patterns);
    }

    /** The globs, in order. */
    public List<String> patterns() {
      return patterns;
    }

    /** The name of the step that reads the {@code i}th glob. */
    public String stepName(int i) {
      return patterns.size() == 1 ? "ReadJsonLines" : "ReadJsonLines" + i;
    }

    @Override
    public PCollection<RawRecord> read(Pipeline pipeline, ErrorHandler<BadRecord, ?> deadLetters) {
      PCollectionList<RawRecord> read = PCollectionList.empty(pipeline);
      for (int i = 0; i < patterns.size(); i++) {
        read =
            read.and(
                pipeline.apply(
                    stepName(i),
                    JsonLines.read(patterns.get(i))
                        .withRangeBytes(RANGE_BYTES)
                        .withBadRecordErrorHandler(deadLetters)));
      }
      return patterns.size() == 1 ? read.get(0) : read.apply("AllInputs", Flatten.pCollections());
    }
  }

  /** The Kafka topics of {@code kafka}, read in the step {@code ReadKafka}. */
  public static Kafka kafka(KafkaSettings kafka) {
    return new Kafka(kafka);
  }

  /**
   * Kafka topics: a source that a pipeline may also read, when it is bounded by a stop time or a
   * count, in chunks it decodes as it reads.
   */
  public static final class Kafka implements RecordSource {
    private final KafkaSettings settings;

    private Kafka(KafkaSettings settings) {
      this.settings = settings;
    }

    /** The read of the topics. */
    public ReadKafkaRecords read() {
      return settings.read();
    }

    @Override
    public PCollection<RawRecord> read(Pipeline pipeline, ErrorHandler<BadRecord, ?> deadLetters) {
      return pipeline.apply("ReadKafka", read().withBadRecordErrorHandler(deadLetters));
    }
  }
}
