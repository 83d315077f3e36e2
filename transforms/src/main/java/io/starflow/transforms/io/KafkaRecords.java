package io.starflow.transforms.io;

import java.util.List;

/** Reading records from Kafka topics that hold Debezium (or other JSON) record values. */
public final class KafkaRecords {
  private KafkaRecords() {}

  /**
   * Reads {@code topics} from the cluster at {@code bootstrapServers}; see {@link
   * ReadKafkaRecords}.
   */
  public static ReadKafkaRecords read(String bootstrapServers, List<String> topics) {
    return ReadKafkaRecords.create(bootstrapServers, topics);
  }
}
