package io.starflow.transforms.io;

import static org.apache.beam.sdk.util.Preconditions.checkArgumentNotNull;

import com.google.auto.value.AutoValue;
import io.starflow.schemas.RawRecord;
import io.starflow.schemas.RawRecordCoder;
import io.starflow.transforms.StarflowMetrics;
import io.starflow.transforms.deadletter.DeadLetters;
import io.starflow.transforms.debezium.CommitTimes;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import javax.annotation.Nullable;
import org.apache.beam.sdk.coders.KvCoder;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.coders.VarLongCoder;
import org.apache.beam.sdk.io.kafka.KafkaIO;
import org.apache.beam.sdk.io.kafka.KafkaRecord;
import org.apache.beam.sdk.io.kafka.TimestampPolicy;
import org.apache.beam.sdk.io.kafka.TimestampPolicyFactory;
import org.apache.beam.sdk.metrics.Counter;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.Impulse;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.transforms.Reshuffle;
import org.apache.beam.sdk.transforms.display.DisplayData;
import org.apache.beam.sdk.transforms.errorhandling.BadRecord;
import org.apache.beam.sdk.transforms.errorhandling.BadRecordRouter;
import org.apache.beam.sdk.transforms.errorhandling.ErrorHandler;
import org.apache.beam.sdk.transforms.errorhandling.ErrorHandler.DefaultErrorHandler;
import org.apache.beam.sdk.transforms.windowing.BoundedWindow;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PBegin;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PCollectionTuple;
import org.apache.beam.sdk.values.TupleTag;
import org.apache.beam.sdk.values.TupleTagList;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.joda.time.Duration;
import org.joda.time.Instant;

/**
 * Reads Kafka records of one or more topics as {@link RawRecord}s: the value as text (null for a
 * tombstone), the origin as {@code kafka:TOPIC/PARTITION@OFFSET}.
 *
 * <p>Event time: each record is stamped with its source commit time ({@code source.ts_us} or {@code
 * source.ts_ms} of the Debezium envelope), or the Kafka record's timestamp when the value has none.
 * The watermark of a partition trails the greatest commit time seen by {@link #withMaxEventDelay};
 * a partition with nothing left to read lets its watermark follow the clock (minus that delay), so
 * an idle partition never holds the pipeline's watermark back.
 *
 * <p>Where to start: the consumer group's committed offsets when it has any, else {@link
 * #withStart} (earliest by default), or {@link #withStartTime}. Unbounded unless {@link
 * #withStopTime}, {@link #withMaxRecords} or {@link #withMaxReadTime} bounds it. Offsets are not
 * committed by the read: commit them once records are safely written (see {@code CommitOffsets}),
 * which is what makes a restart after a crash lose nothing.
 */
@AutoValue
public abstract class ReadKafkaRecords extends PTransform<PBegin, PCollection<RawRecord>> {
  /** Where to start reading when the consumer group has no committed offsets. */
  public enum Start {
    EARLIEST,
    LATEST
  }

  public static final Duration DEFAULT_MAX_EVENT_DELAY = Duration.standardSeconds(30);

  /** The stage named in dead letters of records whose value is not text. */
  public static final String STAGE = "read";

  private static final TupleTag<RawRecord> RECORDS = new TupleTag<RawRecord>() {};

  abstract String bootstrapServers();

  abstract List<String> topics();

  abstract @Nullable String groupId();

  abstract Start start();

  abstract @Nullable Instant startTime();

  abstract @Nullable Instant stopTime();

  abstract @Nullable Long maxRecords();

  abstract @Nullable Duration maxReadTime();

  abstract Duration maxEventDelay();

  abstract Map<String, String> consumerConfig();

  abstract ErrorHandler<BadRecord, ?> badRecordErrorHandler();

  abstract BadRecordRouter badRecordRouter();

  abstract Builder toBuilder();

  static ReadKafkaRecords create(String bootstrapServers, List<String> topics) {
    checkArgumentNotNull(bootstrapServers, "bootstrapServers must not be null");
    if (topics == null || topics.isEmpty()) {
      throw new IllegalArgumentException("KafkaRecords.read: give at least one topic");
    }
    return new AutoValue_ReadKafkaRecords.Builder()
        .setBootstrapServers(bootstrapServers)
        .setTopics(List.copyOf(topics))
        .setStart(Start.EARLIEST)
        .setMaxEventDelay(DEFAULT_MAX_EVENT_DELAY)
        .setConsumerConfig(Map.of())
        .setBadRecordErrorHandler(new DefaultErrorHandler<>())
        .setBadRecordRouter(BadRecordRouter.THROWING_ROUTER)
        .build();
  }

  /** Sends records whose value is not valid UTF-8 to {@code handler} instead of failing. */
  public ReadKafkaRecords withBadRecordErrorHandler(ErrorHandler<BadRecord, ?> handler) {
    checkArgumentNotNull(handler, "withBadRecordErrorHandler(handler) called with null handler");
    return toBuilder()
        .setBadRecordErrorHandler(handler)
        .setBadRecordRouter(BadRecordRouter.RECORDING_ROUTER)
        .build();
  }

  /** The consumer group whose committed offsets say where to resume. */
  public ReadKafkaRecords withGroupId(String groupId) {
    checkArgumentNotNull(groupId, "withGroupId(groupId) called with null groupId");
    return toBuilder().setGroupId(groupId).build();
  }

  /** Where to start when the group has no committed offsets (default earliest). */
  public ReadKafkaRecords withStart(Start start) {
    checkArgumentNotNull(start, "withStart(start) called with null start");
    return toBuilder().setStart(start).build();
  }

  /** Starts at the first record at or after this Kafka timestamp, whatever the group committed. */
  public ReadKafkaRecords withStartTime(Instant startTime) {
    checkArgumentNotNull(startTime, "withStartTime(startTime) called with null startTime");
    return toBuilder().setStartTime(startTime).build();
  }

  /**
   * Stops before the first record at or after this Kafka timestamp: a bounded read of the offset
   * ranges between the start (time, or where the group or {@link #withStart} says) and this time,
   * planned per partition when the pipeline runs.
   */
  public ReadKafkaRecords withStopTime(Instant stopTime) {
    checkArgumentNotNull(stopTime, "withStopTime(stopTime) called with null stopTime");
    return toBuilder().setStopTime(stopTime).build();
  }

  /** Stops after this many records: a bounded read. */
  public ReadKafkaRecords withMaxRecords(long maxRecords) {
    if (maxRecords < 1) {
      throw new IllegalArgumentException(
          "withMaxRecords(maxRecords) must be positive, was " + maxRecords);
    }
    return toBuilder().setMaxRecords(maxRecords).build();
  }

  /** Stops reading after this long: a bounded read. */
  public ReadKafkaRecords withMaxReadTime(Duration maxReadTime) {
    checkArgumentNotNull(maxReadTime, "withMaxReadTime(maxReadTime) called with null");
    return toBuilder().setMaxReadTime(maxReadTime).build();
  }

  /** How far behind the greatest commit time seen the watermark stays (default 30 s). */
  public ReadKafkaRecords withMaxEventDelay(Duration maxEventDelay) {
    checkArgumentNotNull(maxEventDelay, "withMaxEventDelay(maxEventDelay) called with null");
    return toBuilder().setMaxEventDelay(maxEventDelay).build();
  }

  /** Further Kafka consumer settings, e.g. security; they override Starflow's. */
  public ReadKafkaRecords withConsumerConfig(Map<String, String> consumerConfig) {
    return toBuilder().setConsumerConfig(Map.copyOf(consumerConfig)).build();
  }

  @Override
  public PCollection<RawRecord> expand(PBegin input) {
    if (stopTime() != null && (maxRecords() != null || maxReadTime() != null)) {
      throw new IllegalArgumentException(
          "KafkaRecords.read: stop either at a time (withStopTime) or after a count or a duration"
              + " (withMaxRecords, withMaxReadTime), not both");
    }
    Map<String, Object> config = new HashMap<>();
    config.put(
        ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, start() == Start.LATEST ? "latest" : "earliest");
    config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    if (groupId() != null) {
      config.put(ConsumerConfig.GROUP_ID_CONFIG, groupId());
    }
    config.putAll(consumerConfig());
    if (stopTime() != null || maxRecords() != null && maxReadTime() == null) {
      return readRanges(input, config);
    }
    KafkaIO.Read<String, byte[]> read =
        KafkaIO.<String, byte[]>read()
            .withBootstrapServers(bootstrapServers())
            .withTopics(topics())
            .withKeyDeserializer(StringDeserializer.class)
            .withValueDeserializer(ByteArrayDeserializer.class)
            .withConsumerConfigUpdates(config)
            .withTimestampPolicyFactory(new CommitTimePolicy(maxEventDelay()));
    if (startTime() != null) {
      read = read.withStartReadTime(startTime());
    }
    if (maxRecords() != null) {
      read = read.withMaxNumRecords(maxRecords());
    }
    if (maxReadTime() != null) {
      read = read.withMaxReadTime(maxReadTime());
    }
    return records(
        input
            .apply("ReadFromKafka", read)
            .apply(
                "ToRawRecords",
                ParDo.of(new ToRawRecordFn(badRecordRouter()))
                    .withOutputTags(RECORDS, TupleTagList.of(BadRecordRouter.BAD_RECORD_TAG))));
  }

  private PCollection<RawRecord> records(PCollectionTuple read) {
    DeadLetters.collect(badRecordErrorHandler(), read);
    return read.get(RECORDS).setCoder(RawRecordCoder.of());
  }

  /**
   * A bounded read of offset ranges planned when the pipeline runs: from where the group's
   * committed offsets, {@link #withStartTime} or {@link #withStart} say, to the first record at or
   * after {@link #withStopTime}, or until {@link #withMaxRecords} records in all. The ranges are
   * cut into chunks of at most {@value #CHUNK} records, each read by a plain consumer, so that a
   * runner without back-pressure (the DirectRunner) never holds more than a few chunks. KafkaIO's
   * own time bounds fail on a partition with no record at or after the start or stop time, its
   * bounded read of offset ranges is not public, and its bounded read of a count reads it as one
   * bundle.
   */
  private PCollection<RawRecord> readRanges(PBegin input, Map<String, Object> config) {
    return records(
        input
            .apply("Start", Impulse.create())
            .apply(
                "PlanOffsetRanges",
                ParDo.of(
                    new PlanRangesFn(
                        bootstrapServers(),
                        topics(),
                        start(),
                        startTime(),
                        stopTime(),
                        maxRecords(),
                        config)))
            .setCoder(
                KvCoder.of(StringUtf8Coder.of(), KvCoder.of(VarLongCoder.of(), VarLongCoder.of())))
            .apply("SpreadRanges", Reshuffle.viaRandomKey())
            .apply(
                "ReadOffsetRanges",
                ParDo.of(new ReadRangeFn(bootstrapServers(), config, badRecordRouter()))
                    .withOutputTags(RECORDS, TupleTagList.of(BadRecordRouter.BAD_RECORD_TAG))));
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
   * Turns the bounds into offset ranges per partition that has records in them, cut into chunks.
   */
  private static final class PlanRangesFn extends DoFn<byte[], KV<String, KV<Long, Long>>> {
    private final String bootstrapServers;
    private final List<String> topics;
    private final Start start;
    private final @Nullable Instant startTime;
    private final @Nullable Instant stopTime;
    private final @Nullable Long maxRecords;
    private final Map<String, Object> config;

    PlanRangesFn(
        String bootstrapServers,
        List<String> topics,
        Start start,
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
        List<TopicPartition> partitions = new ArrayList<>();
        for (String topic : topics) {
          List<PartitionInfo> infos = consumer.partitionsFor(topic);
          if (infos == null || infos.isEmpty()) {
            throw new IllegalArgumentException("Kafka topic '" + topic + "' does not exist");
          }
          infos.forEach(info -> partitions.add(new TopicPartition(topic, info.partition())));
        }
        Map<TopicPartition, Long> ends = consumer.endOffsets(partitions);
        Map<TopicPartition, Long> firsts =
            startTime != null
                ? offsetsAt(consumer, partitions, startTime, ends)
                : start == Start.LATEST ? ends : consumer.beginningOffsets(partitions);
        if (startTime == null && config.containsKey(ConsumerConfig.GROUP_ID_CONFIG)) {
          Map<TopicPartition, Long> resumed = new HashMap<>(firsts);
          consumer
              .committed(new java.util.HashSet<>(partitions))
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

  @Override
  public void populateDisplayData(DisplayData.Builder builder) {
    super.populateDisplayData(builder);
    builder
        .add(DisplayData.item("bootstrapServers", bootstrapServers()).withLabel("Kafka"))
        .add(DisplayData.item("topics", String.join(",", topics())).withLabel("Topics"))
        .addIfNotNull(DisplayData.item("groupId", groupId()).withLabel("Consumer group"))
        .add(DisplayData.item("start", start().name()).withLabel("Start without offsets"))
        .addIfNotNull(DisplayData.item("startTime", startTime()).withLabel("Start time"))
        .addIfNotNull(DisplayData.item("stopTime", stopTime()).withLabel("Stop time"))
        .addIfNotNull(DisplayData.item("maxRecords", maxRecords()).withLabel("Max records"))
        .addIfNotNull(DisplayData.item("maxReadTime", maxReadTime()).withLabel("Max read time"))
        .add(DisplayData.item("maxEventDelay", maxEventDelay()).withLabel("Watermark delay"));
  }

  @AutoValue.Builder
  abstract static class Builder {
    abstract Builder setBootstrapServers(String bootstrapServers);

    abstract Builder setTopics(List<String> topics);

    abstract Builder setGroupId(String groupId);

    abstract Builder setStart(Start start);

    abstract Builder setStartTime(Instant startTime);

    abstract Builder setStopTime(Instant stopTime);

    abstract Builder setMaxRecords(Long maxRecords);

    abstract Builder setMaxReadTime(Duration maxReadTime);

    abstract Builder setMaxEventDelay(Duration maxEventDelay);

    abstract Builder setConsumerConfig(Map<String, String> consumerConfig);

    abstract Builder setBadRecordErrorHandler(ErrorHandler<BadRecord, ?> handler);

    abstract Builder setBadRecordRouter(BadRecordRouter router);

    abstract ReadKafkaRecords build();
  }

  /** Commit time as event time, with a watermark that idle partitions do not hold back. */
  private static final class CommitTimePolicy implements TimestampPolicyFactory<String, byte[]> {
    private final Duration maxEventDelay;

    CommitTimePolicy(Duration maxEventDelay) {
      this.maxEventDelay = maxEventDelay;
    }

    @Override
    public TimestampPolicy<String, byte[]> createTimestampPolicy(
        TopicPartition partition, Optional<Instant> previousWatermark) {
      return new CommitTimeTimestamps(maxEventDelay, previousWatermark);
    }
  }

  /**
   * Per partition: records are stamped with their commit time, and the watermark trails the
   * greatest commit time seen by the delay. When the partition has nothing left to read, the
   * watermark follows the clock instead, also for a partition that never had a record: KafkaIO's
   * {@code CustomTimestampPolicyWithLimitedDelay} waits for a first record there, so one empty
   * partition would hold the whole pipeline's watermark back forever.
   */
  static final class CommitTimeTimestamps extends TimestampPolicy<String, byte[]> {
    private final Duration maxEventDelay;
    private Instant maxEventTime;

    CommitTimeTimestamps(Duration maxEventDelay, Optional<Instant> previousWatermark) {
      this.maxEventDelay = maxEventDelay;
      this.maxEventTime =
          previousWatermark
              .map(w -> w.plus(maxEventDelay))
              .orElse(BoundedWindow.TIMESTAMP_MIN_VALUE);
    }

    @Override
    public Instant getTimestampForRecord(
        PartitionContext context, KafkaRecord<String, byte[]> record) {
      Instant timestamp = eventTime(record.getKV().getValue(), record.getTimestamp());
      if (timestamp.isAfter(maxEventTime)) {
        maxEventTime = timestamp;
      }
      return timestamp;
    }

    @Override
    public Instant getWatermark(PartitionContext context) {
      return watermark(context, Instant.now());
    }

    Instant watermark(PartitionContext context, Instant now) {
      if (maxEventTime.isAfter(now)) {
        return now.minus(maxEventDelay);
      }
      Instant checked = context.getBacklogCheckTime();
      if (context.getMessageBacklog() == 0 && checked != null) {
        Instant idle = checked.minus(maxEventDelay);
        if (idle.isAfter(maxEventTime.minus(maxEventDelay))) {
          return idle;
        }
      }
      return maxEventTime.isAfter(BoundedWindow.TIMESTAMP_MIN_VALUE.plus(maxEventDelay))
          ? maxEventTime.minus(maxEventDelay)
          : BoundedWindow.TIMESTAMP_MIN_VALUE;
    }
  }

  /** Reads one partition's offsets [first, stop) with a plain consumer. */
  private static final class ReadRangeFn extends DoFn<KV<String, KV<Long, Long>>, RawRecord> {
    private static final java.time.Duration POLL = java.time.Duration.ofSeconds(1);
    private static final int MAX_EMPTY_POLLS = 60;

    private final String bootstrapServers;
    private final Map<String, Object> config;
    private final BadRecordRouter router;
    private final Counter read = StarflowMetrics.counter(StarflowMetrics.RECORDS_READ);
    private transient Utf8 utf8;

    ReadRangeFn(String bootstrapServers, Map<String, Object> config, BadRecordRouter router) {
      this.bootstrapServers = bootstrapServers;
      this.config = config;
      this.router = router;
    }

    private transient @Nullable KafkaConsumer<byte[], byte[]> consumer;

    @Setup
    public void setup() {
      utf8 = new Utf8();
    }

    private KafkaConsumer<byte[], byte[]> consumer() {
      if (consumer == null) {
        Map<String, Object> props = new HashMap<>(config);
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        props.remove(ConsumerConfig.GROUP_ID_CONFIG);
        consumer =
            new KafkaConsumer<>(props, new ByteArrayDeserializer(), new ByteArrayDeserializer());
      }
      return consumer;
    }

    @ProcessElement
    public void process(@Element KV<String, KV<Long, Long>> range, MultiOutputReceiver out)
        throws Exception {
      String name = range.getKey();
      int slash = name.lastIndexOf('/');
      TopicPartition partition =
          new TopicPartition(name.substring(0, slash), Integer.parseInt(name.substring(slash + 1)));
      long stop = range.getValue().getValue();
      KafkaConsumer<byte[], byte[]> consumer = consumer();
      consumer.assign(List.of(partition));
      consumer.seek(partition, range.getValue().getKey());
      int emptyPolls = 0;
      long count = 0;
      while (consumer.position(partition) < stop) {
        ConsumerRecords<byte[], byte[]> records = consumer.poll(POLL);
        if (records.isEmpty() && ++emptyPolls > MAX_EMPTY_POLLS) {
          throw new IllegalStateException(
              "no progress reading " + partition + " up to offset " + stop);
        }
        for (ConsumerRecord<byte[], byte[]> record : records.records(partition)) {
          if (record.offset() >= stop) {
            break;
          }
          emptyPolls = 0;
          count++;
          emit(
              utf8,
              router,
              out,
              KafkaOrigin.format(record.topic(), record.partition(), record.offset()),
              record.value(),
              eventTime(record.value(), record.timestamp()));
        }
      }
      read.inc(count);
    }

    @Teardown
    public void teardown() {
      if (consumer != null) {
        consumer.close();
        consumer = null;
      }
    }
  }

  /** A record's event time, as {@link CommitTimeTimestamps} stamps it. */
  static Instant eventTime(@Nullable byte[] value, long kafkaTimestamp) {
    java.time.Instant commit = value == null ? null : CommitTimes.of(value);
    return commit != null ? new Instant(commit.toEpochMilli()) : new Instant(kafkaTimestamp);
  }

  /**
   * Outputs one record's value as text (stamped with {@code timestamp} when given, else as the read
   * stamped it), or dead-letters it when it is not UTF-8.
   */
  private static void emit(
      Utf8 utf8,
      BadRecordRouter router,
      DoFn.MultiOutputReceiver out,
      String origin,
      byte[] value,
      @Nullable Instant timestamp)
      throws Exception {
    String text = value == null ? null : utf8.decode(value, value.length);
    if (value == null || text != null) {
      RawRecord raw = RawRecord.of(origin, text);
      if (timestamp == null) {
        out.get(RECORDS).output(raw);
      } else {
        out.get(RECORDS).outputWithTimestamp(raw, timestamp);
      }
      return;
    }
    StarflowMetrics.counter(StarflowMetrics.READ_FAILED).inc();
    DeadLetters.route(
        router,
        out,
        STAGE,
        RawRecord.of(origin, Utf8.lossy(value, value.length)),
        null,
        utf8.whyInvalid(value, value.length, "record"));
  }

  private static final class ToRawRecordFn extends DoFn<KafkaRecord<String, byte[]>, RawRecord> {
    private final BadRecordRouter router;
    private final Counter read = StarflowMetrics.counter(StarflowMetrics.RECORDS_READ);
    private transient Utf8 utf8;

    ToRawRecordFn(BadRecordRouter router) {
      this.router = router;
    }

    @Setup
    public void setup() {
      utf8 = new Utf8();
    }

    @ProcessElement
    public void process(@Element KafkaRecord<String, byte[]> record, MultiOutputReceiver out)
        throws Exception {
      read.inc();
      emit(
          utf8,
          router,
          out,
          KafkaOrigin.format(record.getTopic(), record.getPartition(), record.getOffset()),
          record.getKV().getValue(),
          null);
    }
  }
}
