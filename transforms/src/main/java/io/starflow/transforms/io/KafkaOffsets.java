package io.starflow.transforms.io;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import javax.annotation.Nullable;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.consumer.OffsetAndTimestamp;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * A consumer group's committed offsets: where a streaming mirror resumes, and what it has safely
 * handled. Starflow commits them itself, only after records are written.
 */
public final class KafkaOffsets {
  private KafkaOffsets() {}

  /** A consumer for offset work only: no subscription, no auto commit. */
  public static KafkaConsumer<byte[], byte[]> consumer(
      String bootstrapServers, String groupId, Map<String, String> config) {
    Properties props = new Properties();
    props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
    props.put(ConsumerConfig.GROUP_ID_CONFIG, groupId);
    props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
    props.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, "1");
    props.putAll(config);
    return new KafkaConsumer<>(props, new ByteArrayDeserializer(), new ByteArrayDeserializer());
  }

  /** Every partition of {@code topics}; throws naming a topic that does not exist. */
  static List<TopicPartition> partitions(Consumer<?, ?> consumer, List<String> topics) {
    List<TopicPartition> partitions = new ArrayList<>();
    for (String topic : topics) {
      List<PartitionInfo> infos = consumer.partitionsFor(topic);
      if (infos == null || infos.isEmpty()) {
        throw new IllegalArgumentException("Kafka topic '" + topic + "' does not exist");
      }
      infos.forEach(info -> partitions.add(new TopicPartition(topic, info.partition())));
    }
    return partitions;
  }

  /**
   * Makes sure the group has a committed offset for every partition of {@code topics}, so that the
   * read starts exactly there and commits can track what follows: partitions without one get their
   * first offset at or after {@code startTime} if given, else the earliest or latest offset. With
   * {@code startTime}, every partition is moved there. Returns the start offsets.
   */
  public static Map<TopicPartition, Long> prepareGroup(
      String bootstrapServers,
      List<String> topics,
      String groupId,
      ReadKafkaRecords.Start start,
      @Nullable Instant startTime,
      Map<String, String> config) {
    try (KafkaConsumer<byte[], byte[]> consumer = consumer(bootstrapServers, groupId, config)) {
      List<TopicPartition> partitions = partitions(consumer, topics);
      Map<TopicPartition, OffsetAndMetadata> committed =
          consumer.committed(new java.util.HashSet<>(partitions));
      Map<TopicPartition, Long> starts = new LinkedHashMap<>();
      List<TopicPartition> missing = new ArrayList<>();
      for (TopicPartition partition : partitions) {
        OffsetAndMetadata offset = committed.get(partition);
        if (offset == null || startTime != null) {
          missing.add(partition);
        } else {
          starts.put(partition, offset.offset());
        }
      }
      starts.putAll(initialOffsets(consumer, missing, start, startTime));
      Map<TopicPartition, OffsetAndMetadata> commit = new HashMap<>();
      for (TopicPartition partition : missing) {
        commit.put(partition, new OffsetAndMetadata(starts.get(partition)));
      }
      if (!commit.isEmpty()) {
        consumer.commitSync(commit);
      }
      return starts;
    }
  }

  private static Map<TopicPartition, Long> initialOffsets(
      KafkaConsumer<byte[], byte[]> consumer,
      Collection<TopicPartition> partitions,
      ReadKafkaRecords.Start start,
      @Nullable Instant startTime) {
    Map<TopicPartition, Long> offsets = new HashMap<>();
    if (partitions.isEmpty()) {
      return offsets;
    }
    Map<TopicPartition, Long> ends = consumer.endOffsets(partitions);
    if (startTime != null) {
      Map<TopicPartition, Long> query = new HashMap<>();
      partitions.forEach(p -> query.put(p, startTime.toEpochMilli()));
      Map<TopicPartition, OffsetAndTimestamp> found = consumer.offsetsForTimes(query);
      for (TopicPartition partition : partitions) {
        OffsetAndTimestamp at = found.get(partition);
        offsets.put(partition, at == null ? ends.get(partition) : at.offset());
      }
      return offsets;
    }
    return start == ReadKafkaRecords.Start.LATEST ? ends : consumer.beginningOffsets(partitions);
  }
}
