package io.starflow.pipelines;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.equalTo;

import io.starflow.pipelines.cli.StarflowCli;
import io.starflow.schemas.KeyColumns;
import io.starflow.transforms.debezium.DebeziumTable;
import io.starflow.transforms.testing.EmbeddedKafka;
import io.starflow.transforms.testing.Runs;
import io.starflow.transforms.testing.Tables;
import io.starflow.transforms.testing.TestWarehouses;
import io.starflow.transforms.warehouse.Warehouse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.beam.runners.direct.DirectOptions;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.PipelineResult;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.junit.ClassRule;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;
import org.junit.runner.RunWith;
import org.junit.runners.JUnit4;

/** Backfills through the command line, over files and over Kafka. */
@RunWith(JUnit4.class)
public class BackfillIT {
  @ClassRule public static final EmbeddedKafka KAFKA = new EmbeddedKafka();
  @Rule public final TemporaryFolder folder = new TemporaryFolder();

  private static final DebeziumTable ORDERS =
      DebeziumTable.postgres("shop", "public", "orders")
          .column("id", "int64")
          .column("status", "string")
          .build();
  private static final Instant DAY = Instant.parse("2025-11-28T00:00:00Z");

  /** How many orders change every hour. */
  private static final long ORDER_COUNT = 8;

  /** Orders changing over three days; the second day is Black Friday. */
  private static List<String> threeDays() {
    List<String> lines = new ArrayList<>();
    long lsn = 100;
    for (int hour = 0; hour < 72; hour++) {
      for (long id = 1; id <= ORDER_COUNT; id++) {
        long last = lsn;
        lsn += 5;
        Instant at = DAY.minusSeconds(86_400).plusSeconds(hour * 3_600L + id);
        if (hour == 50 && id % 5 == 0) {
          lines.add(ORDERS.delete(DebeziumTable.pg(last, lsn), at, Map.of("id", id)));
          lines.add("null");
        } else {
          lines.add(
              ORDERS.update(
                  DebeziumTable.pg(last, lsn), at, Map.of("id", id, "status", "h" + hour)));
        }
      }
    }
    lines.add("{\"broken\":");
    return lines;
  }

  private static String url(Warehouse warehouse) {
    return warehouse.jdbcUrl();
  }

  @Test
  public void fileBackfillAppliesItsRangeAndTwiceChangesNothing() throws Exception {
    Path input = folder.getRoot().toPath().resolve("orders.jsonl");
    Files.write(input, threeDays());
    Warehouse warehouse = TestWarehouses.duckDb(folder.newFolder().toPath());
    String[] backfill = {
      "backfill",
      "--input",
      input.toString(),
      "--key",
      "id",
      "--from",
      "2025-11-28T00:00:00Z",
      "--to",
      "2025-11-29T00:00:00Z",
      "--warehouse",
      url(warehouse)
    };
    StarflowCli.Run first = StarflowCli.run(backfill);
    assertThat(first.err, first.exitCode, equalTo(0));
    assertThat(first.out.contains("outside the range"), equalTo(true));
    // The last change inside the range is hour 47 (23:00 on the 28th).
    assertThat(Tables.value(warehouse, "orders", 3, "status"), equalTo("h47"));
    List<String> orders = Tables.dump(warehouse, "orders");
    List<String> deadLetters = Tables.dump(warehouse, "dead_letter");

    StarflowCli.Run second = StarflowCli.run(backfill);
    assertThat(second.exitCode, equalTo(0));
    assertThat(Tables.dump(warehouse, "orders"), equalTo(orders));
    assertThat(Tables.dump(warehouse, "dead_letter"), equalTo(deadLetters));
  }

  @Test
  public void kafkaBackfillOverARangeAStreamingRunAppliedChangesNothing() throws Exception {
    String topic = "backfill.orders";
    KAFKA.createTopic(topic, 2); // partition 1 has nothing in any range
    KAFKA.sendWithCommitTimes(topic, 0, threeDays());
    Warehouse warehouse = TestWarehouses.duckDb(folder.newFolder().toPath());

    KafkaSettings streaming =
        KafkaSettings.builder()
            .setBootstrapServers(KAFKA.bootstrapServers())
            .setTopics(List.of(topic))
            .setGroupId("backfill-stream")
            .setStreaming(true)
            .setMaxEventDelay(org.joda.time.Duration.standardSeconds(1))
            .build();
    MirrorPipeline.prepareKafka(streaming);
    DirectOptions options = PipelineOptionsFactory.as(DirectOptions.class);
    options.setBlockOnRun(false);
    Pipeline pipeline = Pipeline.create(options);
    MirrorPipeline.buildFromKafka(
        pipeline,
        MirrorSettings.builder().setWarehouse(warehouse).setKeys(KeyColumns.of("id")).build(),
        streaming);
    PipelineResult result = pipeline.run();
    long end = KAFKA.endOffsets(topic, 2).get(new TopicPartition(topic, 0));
    try {
      Runs.until(
          "the streaming run to commit every offset",
          result,
          () -> committed("backfill-stream", new TopicPartition(topic, 0)) >= end);
    } finally {
      result.cancel();
    }
    List<String> orders = Tables.dump(warehouse, "orders");
    List<String> deadLetters = Tables.dump(warehouse, "dead_letter");
    assertThat((long) orders.size(), equalTo(ORDER_COUNT));

    StarflowCli.Run backfill =
        StarflowCli.run(
            "backfill",
            "--kafka",
            KAFKA.bootstrapServers(),
            "--topics",
            topic,
            "--key",
            "id",
            "--from",
            "2025-11-28T00:00:00Z",
            "--to",
            "2025-11-29T00:00:00Z",
            "--warehouse",
            url(warehouse));
    assertThat(backfill.err, backfill.exitCode, equalTo(0));
    assertThat(backfill.out.contains("records read"), equalTo(true));
    assertThat(Tables.dump(warehouse, "orders"), equalTo(orders));
    assertThat(Tables.dump(warehouse, "dead_letter"), equalTo(deadLetters));
    assertThat(
        "the backfill did not move the streaming group's offsets",
        committed("backfill-stream", new TopicPartition(topic, 0)),
        equalTo(end));
  }

  @Test
  public void kafkaBackfillReadsOnlyItsRange() throws Exception {
    String topic = "backfill.range";
    KAFKA.createTopic(topic, 1);
    KAFKA.sendWithCommitTimes(topic, 0, threeDays());
    Warehouse warehouse = TestWarehouses.duckDb(folder.newFolder().toPath());
    StarflowCli.Run backfill =
        StarflowCli.run(
            "backfill",
            "--kafka",
            KAFKA.bootstrapServers(),
            "--topics",
            topic,
            "--key",
            "id",
            "--from",
            "2025-11-28T00:00:00Z",
            "--to",
            "2025-11-29T00:00:00Z",
            "--warehouse",
            url(warehouse));
    assertThat(backfill.err, backfill.exitCode, equalTo(0));
    // the range's 24 hours of every order
    assertThat(
        backfill.out,
        backfill.out.contains("Mirrored " + 24 * ORDER_COUNT + " records"),
        equalTo(true));
    assertThat(Tables.value(warehouse, "orders", 3, "status"), equalTo("h47"));
  }

  private static long committed(String group, TopicPartition partition) {
    OffsetAndMetadata offset = KAFKA.committedOffsets(group).get(partition);
    return offset == null ? -1 : offset.offset();
  }
}
