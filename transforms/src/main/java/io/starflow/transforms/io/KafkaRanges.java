package io.starflow.transforms.io;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import javax.annotation.Nullable;
import org.apache.beam.sdk.coders.KvCoder;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.coders.VarLongCoder;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.Impulse;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.transforms.Reshuffle;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PBegin;
import org.apache.beam.sdk.values.PCollection;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.joda.time.Instant;

/**
 * A bounded read of Kafka as offset ranges planned when the pipeline runs, cut into chunks of at
 * most {@value #CHUNK} records ({@code (topic/partition, [from, stop))}) and spread over workers,
 * each chunk read by a plain consumer ({@link Reader}). A step that reads a chunk and handles its
 * records in one (decodes and stages them) never hands a chunk's records downstream, so that a
 * runner without back-pressure (the DirectRunner) never holds more than a few chunks.
 *
 * <p>KafkaIO's own time bounds fail on a partition with no record at or after the start or stop
 * time, its bounded read of offset ranges is not public, and its bounded read of a count reads it
 * as one bundle.
 */
public final class KafkaRanges {
  private KafkaRanges() {}

  /**
   * The chunks of the offset ranges {@code plan} plans when the pipeline runs, spread over workers.
   */
  static PTransform<PBegin, PCollection<KV<String, KV<Long, Long>>>> plan(PlanFn plan) {
    return new PTransform<>() {
      @Override
      public PCollection<KV<String, KV<Long, Long>>> expand(PBegin input) {
        return input
            .apply("Start", Impulse.create())
            .apply("PlanOffsetRanges", ParDo.of(plan))
            .setCoder(
                KvCoder.of(StringUtf8Coder.of(), KvCoder.of(VarLongCoder.of(), VarLongCoder.of())))
            .apply("SpreadRanges", Reshuffle.viaRandomKey());
      }
    };
  }

  /** What a {@link Reader} hands on, record by record, with each record's origin. */
  public interface Records {
    /**
     * A record whose value is valid UTF-8 (or null: a tombstone); {@code origin} is {@code
     * kafka:TOPIC/PARTITION@OFFSET}.
     */
    void record(String origin, @Nullable byte[] value, long kafkaTimestamp) throws Exception;

    /** A record whose value is not UTF-8: its text with replacement characters, and why. */
    void invalid(String origin, String lossyText, String reason) throws Exception;
  }

  /**
   * Reads chunks with one plain consumer, assigned to each chunk's partition in turn (never joining
   * a group), made at the first read: a step holds one and closes it in its teardown.
   */
  public static final class Reader implements AutoCloseable, java.io.Serializable {
    private static final java.time.Duration POLL = java.time.Duration.ofSeconds(1);
    private static final int MAX_EMPTY_POLLS = 60;

    private final String bootstrapServers;
    private final HashMap<String, Object> config;
    private transient @Nullable KafkaConsumer<byte[], byte[]> consumer;
    private transient @Nullable Utf8 utf8;

    Reader(String bootstrapServers, Map<String, Object> config) {
      this.bootstrapServers = bootstrapServers;
      this.config = new HashMap<>(config);
    }

    private KafkaConsumer<byte[], byte[]> consumer() {
      if (consumer == null) {
        Map<String, Object> props = new HashMap<>(config);
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        props.remove(ConsumerConfig.GROUP_ID_CONFIG);
        consumer =
            new KafkaConsumer<>(props, new ByteArrayDeserializer(), new ByteArrayDeserializer());
        utf8 = new Utf8();
      }
      return consumer;
    }

    /** Reads the chunk {@code (topic/partition, [from, stop))}; returns how many records. */
    public long read(KV<String, KV<Long, Long>> chunk, Records records) throws Exception {
      String name = chunk.getKey();
      int slash = name.lastIndexOf('/');
      TopicPartition partition =
          new TopicPartition(name.substring(0, slash), Integer.parseInt(name.substring(slash + 1)));
      long stop = chunk.getValue().getValue();
      KafkaConsumer<byte[], byte[]> consumer = consumer();
      consumer.assign(List.of(partition));
      consumer.seek(partition, chunk.getValue().getKey());
      int emptyPolls = 0;
      long count = 0;
      while (consumer.position(partition) < stop) {
        ConsumerRecords<byte[], byte[]> polled = consumer.poll(POLL);
        if (polled.isEmpty() && ++emptyPolls > MAX_EMPTY_POLLS) {
          throw new IllegalStateException(
              "no progress reading " + partition + " up to offset " + stop);
        }
        for (ConsumerRecord<byte[], byte[]> record : polled.records(partition)) {
          if (record.offset() >= stop) {
            break;
          }
          emptyPolls = 0;
          count++;
          String origin = KafkaOrigin.format(record.topic(), record.partition(), record.offset());
          byte[] value = record.value();
          if (value == null || utf8.isValid(value, value.length)) {
            records.record(origin, value, record.timestamp());
          } else {
            records.invalid(
                origin,
                Utf8.lossy(value, value.length),
                utf8.whyInvalid(value, value.length, "record"));
          }
        }
      }
      return count;
    }

    @Override
    public void close() {
      if (consumer != null) {
        consumer.close();
        consumer = null;
      }
    }
  }

  /**
   * Where to stop so that {@code max} records are read in all: shared evenly among the partitions,
   * what a short partition leaves going to the others (in partition order, so the same every time).
   */
  static Map<TopicPartition, Long> firstRecords(
      List<TopicPartition> partitions,
      Map<TopicPartition, Long> firsts,
      Map<TopicPartition, Long> stops,
      long max) {
    Map<TopicPartition, Long> taken = new HashMap<>();
    partitions.forEach(p -> taken.put(p, 0L));
    long left = max;
    List<TopicPartition> open = new ArrayList<>(partitions);
    while (left > 0 && !open.isEmpty()) {
      long share = Math.max(1, left / open.size());
      for (java.util.Iterator<TopicPartition> it = open.iterator(); it.hasNext() && left > 0; ) {
        TopicPartition p = it.next();
        long available = stops.get(p) - firsts.get(p) - taken.get(p);
        long take = Math.min(Math.min(share, available), left);
        taken.put(p, taken.get(p) + take);
        left -= take;
        if (take == available) {
          it.remove();
        }
      }
    }
    Map<TopicPartition, Long> limited = new HashMap<>();
    partitions.forEach(p -> limited.put(p, firsts.get(p) + taken.get(p)));
    return limited;
  }

  /** Records a chunk of an offset range holds at most. */
  static final int CHUNK = 20_000;

  /**
   * Turns the bounds into offset ranges per partition that has records in them, cut into chunks:
   * from where the group's committed offsets, {@code startTime} or {@code start} say, to the first
   * record at or after {@code stopTime}, or until {@code maxRecords} records in all.
   */
  static final class PlanFn extends DoFn<byte[], KV<String, KV<Long, Long>>> {
    private final String bootstrapServers;
    private final List<String> topics;
    private final ReadKafkaRecords.Start start;
    private final @Nullable Instant startTime;
    private final @Nullable Instant stopTime;
    private final @Nullable Long maxRecords;
    private final Map<String, Object> config;

    PlanFn(
        String bootstrapServers,
        List<String> topics,
        ReadKafkaRecords.Start start,
        @Nullable Instant startTime,
        @Nullable Instant stopTime,
        @Nullable Long maxRecords,
        Map<String, Object> config) {
      this.bootstrapServers = bootstrapServers;
      this.topics = topics;
      this.start = start;
      this.startTime = startTime;
      this.stopTime = stopTime;
      this.maxRecords = maxRecords;
      this.config = config;
    }

    @ProcessElement
    public void process(OutputReceiver<KV<String, KV<Long, Long>>> out) {
      Map<String, Object> props = new HashMap<>(config);
      props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
      // the group (when given) is only asked for its committed offsets: this consumer never joins
      // it
      try (KafkaConsumer<byte[], byte[]> consumer =
          new KafkaConsumer<>(props, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
        List<TopicPartition> partitions = KafkaOffsets.partitions(consumer, topics);
        Map<TopicPartition, Long> ends = consumer.endOffsets(partitions);
        Map<TopicPartition, Long> firsts =
            startTime != null
                ? offsetsAt(consumer, partitions, startTime, ends)
                : start == ReadKafkaRecords.Start.LATEST
                    ? ends
                    : consumer.beginningOffsets(partitions);
        if (startTime == null && config.containsKey(ConsumerConfig.GROUP_ID_CONFIG)) {
          Map<TopicPartition, Long> resumed = new HashMap<>(firsts);
          consumer
              .committed(new HashSet<>(partitions))
              .forEach(
                  (p, committed) -> {
                    if (committed != null) {
                      resumed.put(p, committed.offset());
                    }
                  });
          firsts = resumed;
        }
        Map<TopicPartition, Long> stops =
            stopTime != null ? offsetsAt(consumer, partitions, stopTime, ends) : ends;
        if (maxRecords != null) {
          stops = firstRecords(partitions, firsts, stops, maxRecords);
        }
        for (TopicPartition partition : partitions) {
          long first = firsts.get(partition);
          long stop = stops.get(partition);
          for (long from = first; from < stop; from += CHUNK) {
            out.output(
                KV.of(
                    partition.topic() + "/" + partition.partition(),
                    KV.of(from, Math.min(stop, from + CHUNK))));
          }
        }
      }
    }

    private static Map<TopicPartition, Long> offsetsAt(
        KafkaConsumer<byte[], byte[]> consumer,
        List<TopicPartition> partitions,
        Instant time,
        Map<TopicPartition, Long> ends) {
      Map<TopicPartition, Long> query = new HashMap<>();
      partitions.forEach(p -> query.put(p, time.getMillis()));
      Map<TopicPartition, Long> offsets = new HashMap<>();
      consumer
          .offsetsForTimes(query)
          .forEach((p, found) -> offsets.put(p, found == null ? ends.get(p) : found.offset()));
      return offsets;
    }
  }
}
