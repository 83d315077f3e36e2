package io.starflow.pipelines.cli;

import io.starflow.pipelines.KafkaSettings;
import io.starflow.transforms.io.ReadKafkaRecords;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** Where and how to read Kafka. */
final class KafkaArgs {
  @Mixin KafkaSourceArgs source;

  @Option(
      names = "--group",
      paramLabel = "GROUP",
      description =
          "Consumer group: a streaming run resumes from its committed offsets and commits them"
              + " once records are written (default: starflow-<command>, e.g. starflow-mirror).")
  String group;

  @Option(
      names = "--streaming",
      description =
          "Run until stopped (Ctrl-C), writing in event-time windows and committing offsets once"
              + " records are written; without it a Kafka read needs --stop-at, --max-records or"
              + " --max-read-time.")
  boolean streaming;

  @Option(
      names = "--window",
      defaultValue = "10s",
      description = "Event-time window of the streaming compaction (default: ${DEFAULT-VALUE}).")
  String window;

  @Option(
      names = "--allowed-lateness",
      defaultValue = "1h",
      description =
          "How long after its window a change is still compacted with it; later ones are written"
              + " on their own, never dropped (default: ${DEFAULT-VALUE}).")
  String allowedLateness;

  @Option(
      names = "--max-event-delay",
      defaultValue = "30s",
      description =
          "How far the watermark trails the newest commit time seen (default: ${DEFAULT-VALUE}).")
  String maxEventDelay;

  @Option(
      names = "--start",
      defaultValue = "earliest",
      paramLabel = "earliest|latest|TIME",
      description =
          "Where to start when the group has no offsets: earliest, latest, or a time such as"
              + " 2025-11-28T00:00:00Z (a time moves the group there; default: ${DEFAULT-VALUE}).")
  String start;

  @Option(names = "--stop-at", paramLabel = "TIME", description = "Stop at this Kafka timestamp.")
  String stopAt;

  @Option(names = "--max-records", paramLabel = "N", description = "Stop after N records.")
  Long maxRecords;

  @Option(
      names = "--max-read-time",
      paramLabel = "DURATION",
      description = "Stop reading after this long, e.g. 10m.")
  String maxReadTime;

  boolean isSet() {
    return source.isSet();
  }

  /** Whether the read ends by itself: not streaming, and bounded by a time, count or duration. */
  boolean bounded() {
    return !streaming && (stopAt != null || maxRecords != null || maxReadTime != null);
  }

  /** The settings these options give; {@code command} names the default group. */
  KafkaSettings settings(String command) {
    return settings(command, null);
  }

  /**
   * The settings these options give, for records whose event time is the top-level JSON field
   * {@code eventTimeField} (null: Debezium changes).
   */
  KafkaSettings settings(String command, @javax.annotation.Nullable String eventTimeField) {
    KafkaSettings.Builder builder =
        source
            .settings()
            .setGroupId(group != null ? group : "starflow-" + command)
            .setEventTimeField(eventTimeField)
            .setStreaming(streaming)
            .setWindow(TimeArgs.duration("--window", window))
            .setAllowedLateness(TimeArgs.duration("--allowed-lateness", allowedLateness))
            .setMaxEventDelay(TimeArgs.duration("--max-event-delay", maxEventDelay))
            .setMaxRecords(maxRecords);
    switch (start.toLowerCase()) {
      case "earliest":
        builder.setStart(ReadKafkaRecords.Start.EARLIEST);
        break;
      case "latest":
        builder.setStart(ReadKafkaRecords.Start.LATEST);
        break;
      default:
        builder.setStartTime(TimeArgs.time("--start", start));
    }
    if (stopAt != null) {
      builder.setStopTime(TimeArgs.time("--stop-at", stopAt));
    }
    if (maxReadTime != null) {
      builder.setMaxReadTime(TimeArgs.duration("--max-read-time", maxReadTime));
    }
    return builder.build();
  }
}
