package io.starflow.transforms.io;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.equalTo;

import io.starflow.transforms.debezium.CommitTimes;
import io.starflow.transforms.debezium.DebeziumTable;
import java.util.Map;
import java.util.Optional;
import org.apache.beam.sdk.io.kafka.KafkaRecord;
import org.apache.beam.sdk.io.kafka.KafkaTimestampType;
import org.apache.beam.sdk.io.kafka.TimestampPolicy;
import org.apache.beam.sdk.transforms.windowing.BoundedWindow;
import org.apache.beam.sdk.values.KV;
import org.joda.time.Duration;
import org.joda.time.Instant;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.junit.runners.JUnit4;

@RunWith(JUnit4.class)
public class CommitTimeTimestampsTest {
  private static final Duration DELAY = Duration.standardSeconds(30);
  private static final Instant NOW = Instant.parse("2026-01-01T00:00:00Z");

  private static TimestampPolicy.PartitionContext context(long backlog, Instant checked) {
    return new TimestampPolicy.PartitionContext() {
      @Override
      public long getMessageBacklog() {
        return backlog;
      }

      @Override
      public Instant getBacklogCheckTime() {
        return checked;
      }
    };
  }

  private static KafkaRecord<String, byte[]> record(String value, long kafkaTimestamp) {
    return new KafkaRecord<>(
        "t",
        0,
        0,
        kafkaTimestamp,
        KafkaTimestampType.CREATE_TIME,
        null,
        KV.of(null, value.getBytes(java.nio.charset.StandardCharsets.UTF_8)));
  }

  @Test
  public void recordsAreStampedWithTheirCommitTime() {
    ReadKafkaRecords.EventTimeTimestamps policy =
        new ReadKafkaRecords.EventTimeTimestamps(CommitTimes::of, DELAY, Optional.empty());
    String value =
        DebeziumTable.postgres("s", "public", "t")
            .column("id", "int64")
            .build()
            .insert(
                DebeziumTable.pg(1, 2),
                java.time.Instant.parse("2025-11-28T14:00:00Z"),
                Map.of("id", 1L));
    assertThat(
        policy.getTimestampForRecord(context(5, NOW), record(value, 99)),
        equalTo(Instant.parse("2025-11-28T14:00:00Z")));
    assertThat(
        policy.getTimestampForRecord(context(5, NOW), record("not debezium", 99)),
        equalTo(new Instant(99)));
  }

  @Test
  public void watermarkTrailsTheGreatestCommitTimeWhileThereIsBacklog() {
    ReadKafkaRecords.EventTimeTimestamps policy =
        new ReadKafkaRecords.EventTimeTimestamps(CommitTimes::of, DELAY, Optional.empty());
    policy.getTimestampForRecord(context(5, NOW), record("x", 1_000_000));
    assertThat(
        policy.watermark(context(5, NOW), NOW), equalTo(new Instant(1_000_000).minus(DELAY)));
  }

  @Test
  public void partitionThatNeverHadARecordDoesNotHoldTheWatermark() {
    ReadKafkaRecords.EventTimeTimestamps policy =
        new ReadKafkaRecords.EventTimeTimestamps(CommitTimes::of, DELAY, Optional.empty());
    assertThat(policy.watermark(context(0, NOW), NOW), equalTo(NOW.minus(DELAY)));
    assertThat(
        policy.watermark(context(-1, null), NOW), equalTo(BoundedWindow.TIMESTAMP_MIN_VALUE));
  }

  @Test
  public void caughtUpPartitionFollowsTheClock() {
    ReadKafkaRecords.EventTimeTimestamps policy =
        new ReadKafkaRecords.EventTimeTimestamps(CommitTimes::of, DELAY, Optional.empty());
    policy.getTimestampForRecord(context(0, NOW), record("x", 1_000_000));
    assertThat(policy.watermark(context(0, NOW), NOW), equalTo(NOW.minus(DELAY)));
  }
}
