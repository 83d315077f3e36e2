package io.starflow.transforms.io;

import io.starflow.schemas.RawRecord;
import io.starflow.transforms.debezium.CommitTimes;
import io.starflow.transforms.debezium.DebeziumTable;
import io.starflow.transforms.testing.EmbeddedKafka;
import io.starflow.transforms.testing.Runs;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.apache.beam.sdk.testing.PAssert;
import org.apache.beam.sdk.testing.TestPipeline;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PCollection;
import org.junit.ClassRule;
import org.junit.Rule;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.junit.runners.JUnit4;

@RunWith(JUnit4.class)
public class ReadKafkaRecordsIT {
  @ClassRule public static final EmbeddedKafka KAFKA = new EmbeddedKafka();

  @Rule public final transient TestPipeline p = TestPipeline.create();

  private static final DebeziumTable USERS =
      DebeziumTable.postgres("app", "public", "users").column("id", "int64").build();

  /** Each record's origin and element timestamp (millis). */
  private static final class OriginAndTime extends DoFn<RawRecord, KV<String, Long>> {
    @ProcessElement
    public void process(
        @Element RawRecord record,
        @Timestamp org.joda.time.Instant timestamp,
        OutputReceiver<KV<String, Long>> out) {
      out.output(KV.of(record.origin() + "=" + record.value(), timestamp.getMillis()));
    }
  }

  @Test
  public void readsSeveralTopicsWithOriginsTombstonesAndCommitTimes() {
    KAFKA.createTopic("users", 2);
    KAFKA.createTopic("orders", 1);
    Instant t1 = Instant.parse("2025-11-28T14:00:00.123456Z");
    Instant t2 = Instant.parse("2025-11-28T14:05:00Z");
    String u1 = USERS.insert(DebeziumTable.pg(1, 10), t1, Map.of("id", 1L));
    String u2 = USERS.delete(DebeziumTable.pg(2, 20), t2, Map.of("id", 1L));
    KAFKA.send("users", 0, List.of(u1, u2, "null"));
    KAFKA.send("users", 1, List.of(u1));
    KAFKA.send("orders", 0, List.of("{\"not\":\"debezium\"}"));

    PCollection<KV<String, Long>> read =
        p.apply(
                KafkaRecords.read(KAFKA.bootstrapServers(), List.of("users", "orders"))
                    .withEventTimeOf(CommitTimes::of)
                    .withMaxRecords(5))
            .apply(ParDo.of(new OriginAndTime()));

    long micros = t1.toEpochMilli();
    PAssert.that(read)
        .satisfies(
            records -> {
              java.util.Map<String, Long> byOrigin = new java.util.HashMap<>();
              records.forEach(kv -> byOrigin.put(kv.getKey(), kv.getValue()));
              check(byOrigin.get("kafka:users/0@0=" + u1), micros);
              check(byOrigin.get("kafka:users/0@1=" + u2), t2.toEpochMilli());
              check(byOrigin.containsKey("kafka:users/0@2=null") ? 0L : null, 0L);
              check(byOrigin.get("kafka:users/1@0=" + u1), micros);
              check(
                  byOrigin.containsKey("kafka:orders/0@0={\"not\":\"debezium\"}") ? 0L : null, 0L);
              check((long) byOrigin.size(), 5L);
              return null;
            });
    Runs.finish(p.run());
  }

  private static void check(Long actual, long expected) {
    if (actual == null || actual != expected) {
      throw new AssertionError("expected " + expected + " but was " + actual);
    }
  }
}
