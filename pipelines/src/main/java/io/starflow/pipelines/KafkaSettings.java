package io.starflow.pipelines;

import com.google.auto.value.AutoValue;
import io.starflow.transforms.EventTimes;
import io.starflow.transforms.debezium.CommitTimes;
import io.starflow.transforms.io.ReadKafkaRecords;
import java.io.Serializable;
import java.util.List;
import java.util.Map;
import javax.annotation.Nullable;
import org.joda.time.Duration;
import org.joda.time.Instant;

/** Where and how a mirror reads Kafka, as typed values. */
@AutoValue
public abstract class KafkaSettings implements Serializable {
  public static final Duration DEFAULT_WINDOW = Duration.standardSeconds(10);
  public static final Duration DEFAULT_ALLOWED_LATENESS = Duration.standardHours(1);

  public abstract String bootstrapServers();

  public abstract List<String> topics();

  /** The consumer group whose offsets a streaming run resumes from and commits. */
  public abstract @Nullable String groupId();

  public abstract ReadKafkaRecords.Start start();

  public abstract @Nullable Instant startTime();

  public abstract @Nullable Instant stopTime();

  public abstract @Nullable Long maxRecords();

  public abstract @Nullable Duration maxReadTime();

  /** Windowed compaction with offset commits after writes, rather than one batch. */
  public abstract boolean streaming();

  public abstract Duration window();

  public abstract Duration allowedLateness();

  public abstract Duration maxEventDelay();

  public abstract Map<String, String> consumerConfig();

  /**
   * The top-level JSON field that holds a record's event time (domain events, ECST events,
   * notifications); null: a Debezium change's commit time.
   */
  public abstract @Nullable String eventTimeField();

  public abstract Builder toBuilder();

  public boolean isBounded() {
    return stopTime() != null || maxRecords() != null || maxReadTime() != null;
  }

  public static Builder builder() {
    return new AutoValue_KafkaSettings.Builder()
        .setStart(ReadKafkaRecords.Start.EARLIEST)
        .setStreaming(false)
        .setWindow(DEFAULT_WINDOW)
        .setAllowedLateness(DEFAULT_ALLOWED_LATENESS)
        .setMaxEventDelay(ReadKafkaRecords.DEFAULT_MAX_EVENT_DELAY)
        .setConsumerConfig(Map.of());
  }

  /**
   * The read these settings describe; a prepared group's offsets say where a streaming run starts.
   */
  public ReadKafkaRecords read() {
    ReadKafkaRecords read =
        io.starflow.transforms.io.KafkaRecords.read(bootstrapServers(), topics())
            // the records' own time: a Debezium change's commit time, or the field named; a record
            // without one keeps its Kafka timestamp
            .withEventTimeOf(
                eventTimeField() == null ? CommitTimes::of : EventTimes.ofField(eventTimeField()))
            .withStart(start())
            .withMaxEventDelay(maxEventDelay())
            .withConsumerConfig(consumerConfig());
    if (groupId() != null) {
      read = read.withGroupId(groupId());
    }
    if (startTime() != null && !(streaming() && groupId() != null)) {
      read = read.withStartTime(startTime());
    }
    if (stopTime() != null) {
      read = read.withStopTime(stopTime());
    }
    if (maxRecords() != null) {
      read = read.withMaxRecords(maxRecords());
    }
    if (maxReadTime() != null) {
      read = read.withMaxReadTime(maxReadTime());
    }
    return read;
  }

  /** Builds Kafka settings. */
  @AutoValue.Builder
  public abstract static class Builder {
    public abstract Builder setBootstrapServers(String servers);

    public abstract Builder setTopics(List<String> topics);

    public abstract Builder setGroupId(@Nullable String groupId);

    public abstract Builder setStart(ReadKafkaRecords.Start start);

    public abstract Builder setStartTime(@Nullable Instant startTime);

    public abstract Builder setStopTime(@Nullable Instant stopTime);

    public abstract Builder setMaxRecords(@Nullable Long maxRecords);

    public abstract Builder setMaxReadTime(@Nullable Duration maxReadTime);

    public abstract Builder setStreaming(boolean streaming);

    public abstract Builder setWindow(Duration window);

    public abstract Builder setAllowedLateness(Duration allowedLateness);

    public abstract Builder setMaxEventDelay(Duration maxEventDelay);

    public abstract Builder setConsumerConfig(Map<String, String> config);

    public abstract Builder setEventTimeField(@Nullable String field);

    abstract KafkaSettings autoBuild();

    public KafkaSettings build() {
      KafkaSettings settings = autoBuild();
      if (settings.topics().isEmpty()) {
        throw new IllegalArgumentException("give at least one Kafka topic");
      }
      if (settings.stopTime() != null
          && (settings.maxRecords() != null || settings.maxReadTime() != null)) {
        throw new IllegalArgumentException(
            "stop either at a time (--stop-at) or after a count or a duration (--max-records,"
                + " --max-read-time), not both");
      }
      if (!settings.streaming() && !settings.isBounded()) {
        throw new IllegalArgumentException(
            "a batch read from Kafka needs an end: --stop-at, --max-records or --max-read-time;"
                + " or run it with --streaming");
      }
      return settings;
    }
  }
}
