package io.starflow.transforms.io;

import javax.annotation.Nullable;

/**
 * The origin of a record read from Kafka, written {@code kafka:TOPIC/PARTITION@OFFSET}: what dead
 * letters show as their source, and what offset commits are made from.
 */
final class KafkaOrigin {
  private static final String PREFIX = "kafka:";

  public final String topic;
  public final int partition;
  public final long offset;

  private KafkaOrigin(String topic, int partition, long offset) {
    this.topic = topic;
    this.partition = partition;
    this.offset = offset;
  }

  public static String format(String topic, int partition, long offset) {
    return PREFIX + topic + "/" + partition + "@" + offset;
  }

  /** The Kafka position an origin names, or null when it names something else (a file line). */
  public static @Nullable KafkaOrigin parse(String origin) {
    if (!origin.startsWith(PREFIX)) {
      return null;
    }
    int at = origin.lastIndexOf('@');
    int slash = origin.lastIndexOf('/', at);
    if (at < 0 || slash < PREFIX.length()) {
      return null;
    }
    try {
      return new KafkaOrigin(
          origin.substring(PREFIX.length(), slash),
          Integer.parseInt(origin.substring(slash + 1, at)),
          Long.parseLong(origin.substring(at + 1)));
    } catch (NumberFormatException e) {
      return null;
    }
  }

  /** {@code TOPIC/PARTITION}: the unit offsets are committed for. */
  public String topicPartition() {
    return topic + "/" + partition;
  }
}
