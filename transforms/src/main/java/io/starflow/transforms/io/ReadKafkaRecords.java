package io.starflow.transforms.io;

import static org.apache.beam.sdk.util.Preconditions.checkArgumentNotNull;

import com.google.auto.value.AutoValue;
import io.starflow.schemas.RawRecord;
import io.starflow.schemas.RawRecordCoder;
import io.starflow.transforms.BadRecords;
import io.starflow.transforms.StarflowMetrics;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import javax.annotation.Nullable;
import org.apache.beam.sdk.io.kafka.KafkaIO;
import org.apache.beam.sdk.io.kafka.KafkaRecord;
import org.apache.beam.sdk.io.kafka.TimestampPolicy;
import org.apache.beam.sdk.io.kafka.TimestampPolicyFactory;
import org.apache.beam.sdk.metrics.Counter;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.transforms.SerializableFunction;
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

  abstract @Nullable SerializableFunction<byte[], java.time.Instant> eventTimeOf();

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

  /**
   * Stamps each record with the event time {@code eventTimeOf} finds in its value (given the
   * value's bytes; null when the record has none), instead of the record's Kafka timestamp, and
   * keeps the watermark behind the greatest event time seen. A record it finds none in keeps its
   * Kafka timestamp. It must be cheap: it runs on every record as it is read.
   */
  public ReadKafkaRecords withEventTimeOf(
      SerializableFunction<byte[], java.time.Instant> eventTimeOf) {
    checkArgumentNotNull(eventTimeOf, "withEventTimeOf(eventTimeOf) called with null");
    return toBuilder().setEventTimeOf(eventTimeOf).build();
  }

  /** Further Kafka consumer settings, e.g. security; they override Starflow's. */
  public ReadKafkaRecords withConsumerConfig(Map<String, String> consumerConfig) {
    return toBuilder().setConsumerConfig(Map.copyOf(consumerConfig)).build();
  }

  /**
   * Whether this read is bounded by a stop time or a count (and no read time): then it reads offset
   * ranges planned when the pipeline runs ({@link #offsetRanges}, {@link #rangeReader}).
   */
  public boolean readsOffsetRanges() {
    return stopTime() != null || maxRecords() != null && maxReadTime() == null;
  }

  /**
   * The chunks of the offset ranges a bounded read covers, {@code (topic/partition, [from, stop))},
   * spread over workers: for a step that reads a chunk and handles its records in one (see {@link
   * KafkaRanges}). Only when {@link #readsOffsetRanges}.
   */
  public PTransform<PBegin, PCollection<KV<String, KV<Long, Long>>>> offsetRanges() {
    checkBounds();
    if (!readsOffsetRanges()) {
      throw new IllegalStateException("offsetRanges(): the read is not bounded by offsets");
    }
    return KafkaRanges.plan(
        new KafkaRanges.PlanFn(
            bootstrapServers(),
            topics(),
            start(),
            startTime(),
            stopTime(),
            maxRecords(),
            consumerProperties()));
  }

  /** A reader of {@link #offsetRanges}' chunks, for a step to hold and close in its teardown. */
  public KafkaRanges.Reader rangeReader() {
    return new KafkaRanges.Reader(bootstrapServers(), consumerProperties());
  }

  private void checkBounds() {
    if (stopTime() != null && (maxRecords() != null || maxReadTime() != null)) {
      throw new IllegalArgumentException(
          "KafkaRecords.read: stop either at a time (withStopTime) or after a count or a duration"
              + " (withMaxRecords, withMaxReadTime), not both");
    }
  }

  private Map<String, Object> consumerProperties() {
    Map<String, Object> config = new HashMap<>();
    config.put(
        ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, start() == Start.LATEST ? "latest" : "earliest");
    config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    if (groupId() != null) {
      config.put(ConsumerConfig.GROUP_ID_CONFIG, groupId());
    }
    config.putAll(consumerConfig());
    return config;
  }

  @Override
  public PCollection<RawRecord> expand(PBegin input) {
    checkBounds();
    if (readsOffsetRanges()) {
      return records(
          input
              .apply("PlanRanges", offsetRanges())
              .apply(
                  "ReadOffsetRanges",
                  ParDo.of(new ReadRangeFn(rangeReader(), badRecordRouter(), eventTimeOf()))
                      .withOutputTags(RECORDS, TupleTagList.of(BadRecordRouter.BAD_RECORD_TAG))));
    }
    Map<String, Object> config = consumerProperties();
    KafkaIO.Read<String, byte[]> read =
        KafkaIO.<String, byte[]>read()
            .withBootstrapServers(bootstrapServers())
            .withTopics(topics())
            .withKeyDeserializer(StringDeserializer.class)
            .withValueDeserializer(ByteArrayDeserializer.class)
            .withConsumerConfigUpdates(config)
            .withTimestampPolicyFactory(new EventTimePolicy(maxEventDelay(), eventTimeOf()));
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
    BadRecords.collect(badRecordErrorHandler(), read);
    return read.get(RECORDS).setCoder(RawRecordCoder.of());
  }

  /** Reads chunks of offset ranges as records stamped with their commit times. */
  private static final class ReadRangeFn extends DoFn<KV<String, KV<Long, Long>>, RawRecord> {
    private final KafkaRanges.Reader reader;
    private final BadRecordRouter router;
    private final Counter counted = StarflowMetrics.counter(StarflowMetrics.RECORDS_READ);

    private final @Nullable SerializableFunction<byte[], java.time.Instant> eventTimeOf;

    ReadRangeFn(
        KafkaRanges.Reader reader,
        BadRecordRouter router,
        @Nullable SerializableFunction<byte[], java.time.Instant> eventTimeOf) {
      this.reader = reader;
      this.router = router;
      this.eventTimeOf = eventTimeOf;
    }

    @ProcessElement
    public void process(@Element KV<String, KV<Long, Long>> chunk, MultiOutputReceiver out)
        throws Exception {
      counted.inc(
          reader.read(
              chunk,
              new KafkaRanges.Records() {
                @Override
                public void record(String origin, @Nullable byte[] value, long kafkaTimestamp) {
                  out.get(RECORDS)
                      .outputWithTimestamp(
                          RawRecord.of(
                              origin,
                              value == null ? null : new String(value, StandardCharsets.UTF_8)),
                          eventTime(eventTimeOf, value, kafkaTimestamp));
                }

                @Override
                public void invalid(String origin, String lossyText, String reason)
                    throws Exception {
                  unreadable(router, out, RawRecord.of(origin, lossyText), reason);
                }
              }));
    }

    @Teardown
    public void teardown() {
      reader.close();
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
        .add(DisplayData.item("maxEventDelay", maxEventDelay()).withLabel("Watermark delay"))
        .add(
            DisplayData.item(
                    "eventTime", eventTimeOf() == null ? "Kafka timestamp" : "from the record")
                .withLabel("Event time"));
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

    abstract Builder setEventTimeOf(SerializableFunction<byte[], java.time.Instant> eventTimeOf);

    abstract Builder setBadRecordErrorHandler(ErrorHandler<BadRecord, ?> handler);

    abstract Builder setBadRecordRouter(BadRecordRouter router);

    abstract ReadKafkaRecords build();
  }

  /** Commit time as event time, with a watermark that idle partitions do not hold back. */
  private static final class EventTimePolicy implements TimestampPolicyFactory<String, byte[]> {
    private final Duration maxEventDelay;
    private final @Nullable SerializableFunction<byte[], java.time.Instant> eventTimeOf;

    EventTimePolicy(
        Duration maxEventDelay,
        @Nullable SerializableFunction<byte[], java.time.Instant> eventTimeOf) {
      this.maxEventDelay = maxEventDelay;
      this.eventTimeOf = eventTimeOf;
    }

    @Override
    public TimestampPolicy<String, byte[]> createTimestampPolicy(
        TopicPartition partition, Optional<Instant> previousWatermark) {
      return new EventTimeTimestamps(eventTimeOf, maxEventDelay, previousWatermark);
    }
  }

  /**
   * Per partition: records are stamped with their commit time, and the watermark trails the
   * greatest commit time seen by the delay. When the partition has nothing left to read, the
   * watermark follows the clock instead, also for a partition that never had a record: KafkaIO's
   * {@code CustomTimestampPolicyWithLimitedDelay} waits for a first record there, so one empty
   * partition would hold the whole pipeline's watermark back forever.
   */
  static final class EventTimeTimestamps extends TimestampPolicy<String, byte[]> {
    private final @Nullable SerializableFunction<byte[], java.time.Instant> eventTimeOf;
    private final Duration maxEventDelay;
    private Instant maxEventTime;

    EventTimeTimestamps(
        @Nullable SerializableFunction<byte[], java.time.Instant> eventTimeOf,
        Duration maxEventDelay,
        Optional<Instant> previousWatermark) {
      this.eventTimeOf = eventTimeOf;
      this.maxEventDelay = maxEventDelay;
      this.maxEventTime =
          previousWatermark
              .map(w -> w.plus(maxEventDelay))
              .orElse(BoundedWindow.TIMESTAMP_MIN_VALUE);
    }

    @Override
    public Instant getTimestampForRecord(
        PartitionContext context, KafkaRecord<String, byte[]> record) {
      Instant timestamp = eventTime(eventTimeOf, record.getKV().getValue(), record.getTimestamp());
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

  /** A record's event time, as {@link EventTimeTimestamps} stamps it. */
  static Instant eventTime(
      @Nullable SerializableFunction<byte[], java.time.Instant> eventTimeOf,
      @Nullable byte[] value,
      long kafkaTimestamp) {
    java.time.Instant found =
        value == null || eventTimeOf == null ? null : eventTimeOf.apply(value);
    return found != null ? new Instant(found.toEpochMilli()) : new Instant(kafkaTimestamp);
  }

  /** Outputs one record's value as text, or dead-letters it when it is not UTF-8. */
  private static void emit(
      Utf8 utf8, BadRecordRouter router, DoFn.MultiOutputReceiver out, String origin, byte[] value)
      throws Exception {
    String text = value == null ? null : utf8.decode(value, value.length);
    if (value == null || text != null) {
      out.get(RECORDS).output(RawRecord.of(origin, text));
    } else {
      unreadable(
          router,
          out,
          RawRecord.of(origin, Utf8.lossy(value, value.length)),
          utf8.whyInvalid(value, value.length, "record"));
    }
  }

  /** Dead-letters a record whose value is not UTF-8 (stage {@value #STAGE}). */
  private static void unreadable(
      BadRecordRouter router, DoFn.MultiOutputReceiver out, RawRecord raw, String reason)
      throws Exception {
    StarflowMetrics.counter(StarflowMetrics.READ_FAILED).inc();
    BadRecords.route(router, out, STAGE, raw, null, reason);
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
          record.getKV().getValue());
    }
  }
}
