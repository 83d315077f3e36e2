package io.starflow.pipelines.cli;

import io.starflow.pipelines.KafkaSettings;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Option;

/** Which Kafka cluster and topics to read. */
final class KafkaSourceArgs {
  @Option(
      names = "--kafka",
      paramLabel = "HOST:PORT[,HOST:PORT]",
      description = "Kafka bootstrap servers: read topics instead of files.")
  String bootstrapServers;

  @Option(
      names = "--topics",
      paramLabel = "T1[,T2]",
      split = ",",
      description = "Topics to read (with --kafka).")
  List<String> topics = new ArrayList<>();

  @Option(
      names = "--kafka-property",
      paramLabel = "KEY=VALUE",
      description = "A Kafka consumer setting, e.g. security.protocol=SSL; repeatable.")
  List<String> properties = new ArrayList<>();

  boolean isSet() {
    return bootstrapServers != null;
  }

  /** Settings with the cluster, topics and consumer properties filled in. */
  KafkaSettings.Builder settings() {
    if (topics.isEmpty()) {
      throw new UsageException("--kafka needs --topics");
    }
    return KafkaSettings.builder()
        .setBootstrapServers(bootstrapServers)
        .setTopics(List.copyOf(topics))
        .setConsumerConfig(properties());
  }

  private Map<String, String> properties() {
    Map<String, String> config = new LinkedHashMap<>();
    for (String property : properties) {
      int eq = property.indexOf('=');
      if (eq <= 0) {
        throw new UsageException("--kafka-property '" + property + "' is not KEY=VALUE");
      }
      config.put(property.substring(0, eq), property.substring(eq + 1));
    }
    return config;
  }
}
