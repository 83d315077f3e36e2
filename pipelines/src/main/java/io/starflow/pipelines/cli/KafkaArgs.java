package io.starflow.pipelines.cli;

import io.starflow.pipelines.KafkaSettings;
import io.starflow.transforms.io.ReadKafkaRecords;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Option;

/** Where and how to read Kafka. */
final class KafkaArgs {
  @Option(
      names = "--kafka",
      paramLabel = "HOST:PORT[,HOST:PORT]",
      description = "Kafka bootstrap servers: read Debezium topics instead of files.")
  String bootstrapServers;

  @Option(
      names = "--topics",
      paramLabel = "T1[,T2]",
      split = ",",
      description = "Topics to read (with --kafka); the table comes from each record's envelope.")
  List<String> topics = new ArrayList<>();

  @Option(
      names = "--group",
      defaultValue = "starflow-mirror",
      description =
          "Consumer group: a streaming run resumes from its committed offsets and commits them"
              + " once records are written (default: ${DEFAULT-VALUE}).")
  String group;

  @Option(
      names = "--streaming",
      description =
          "Run until stopped (Ctrl-C), compacting in event-time windows; without it a Kafka read"
              + " needs --stop-at, --max-records or --max-read-time.")
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

  @Option(
      names = "--kafka-property",
      paramLabel = "KEY=VALUE",
      description = "A Kafka consumer setting, e.g. security.protocol=SSL; repeatable.")
  List<String> properties = new ArrayList<>();

  boolean isSet() {
    return bootstrapServers != null;
  }

  KafkaSettings settings() {
    if (topics.isEmpty()) {
      throw new IllegalArgumentException("--kafka needs --topics");
    }
    KafkaSettings.Builder builder =
        KafkaSettings.builder()
            .setBootstrapServers(bootstrapServers)
            .setTopics(List.copyOf(topics))
            .setGroupId(group)
            .setStreaming(streaming)
            .setWindow(TimeArgs.duration("--window", window))
            .setAllowedLateness(TimeArgs.duration("--allowed-lateness", allowedLateness))
            .setMaxEventDelay(TimeArgs.duration("--max-event-delay", maxEventDelay))
            .setMaxRecords(maxRecords)
            .setConsumerConfig(properties());
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

  private Map<String, String> properties() {
    Map<String, String> config = new LinkedHashMap<>();
    for (String property : properties) {
      int eq = property.indexOf('=');
      if (eq <= 0) {
        throw new IllegalArgumentException("--kafka-property '" + property + "' is not KEY=VALUE");
      }
      config.put(property.substring(0, eq), property.substring(eq + 1));
    }
    return config;
  }

  @Override
  public String toString() {
    return bootstrapServers + " " + Arrays.toString(topics.toArray());
  }
}
