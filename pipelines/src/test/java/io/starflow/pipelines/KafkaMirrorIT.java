package io.starflow.pipelines;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.empty;
import static org.hamcrest.Matchers.equalTo;

import io.starflow.pipelines.sample.MirrorCheck;
import io.starflow.pipelines.sample.RetailCdc;
import io.starflow.schemas.KeyColumns;
import io.starflow.transforms.StarflowMetrics;
import io.starflow.transforms.debezium.DebeziumTable;
import io.starflow.transforms.io.CommitOffsets;
import io.starflow.transforms.testing.EmbeddedKafka;
import io.starflow.transforms.testing.Runs;
import io.starflow.transforms.testing.Tables;
import io.starflow.transforms.testing.TestWarehouses;
import io.starflow.transforms.warehouse.Warehouse;
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

/** The mirror reading a real Kafka broker, on the DirectRunner. */
@RunWith(JUnit4.class)
public class KafkaMirrorIT {
  @ClassRule public static final EmbeddedKafka KAFKA = new EmbeddedKafka();
  @Rule public final TemporaryFolder folder = new TemporaryFolder();

  private static MirrorSettings settings(Warehouse warehouse) {
    return MirrorSettings.builder()
        .setWarehouse(warehouse)
        .setKeys(KeyColumns.parse(RetailCdc.KEY_SPECS))
        .build();
  }

  /** Sends each sample table to its own topic; returns the topics. */
  private static List<String> publish(RetailCdc.Dataset dataset, String prefix) {
    List<String> topics = new ArrayList<>();
    dataset.delivered.forEach(
        (table, lines) -> {
          String topic = prefix + "." + table;
          KAFKA.createTopic(topic, 1);
          KAFKA.send(topic, 0, lines);
          topics.add(topic);
        });
    return topics;
  }

  @Test
  public void boundedReadFromKafkaGivesTheSameTablesAsTheFiles() throws Exception {
    RetailCdc.Dataset dataset = RetailCdc.generate(5, new RetailCdc.Size(100, 30, 600));
    List<String> topics = publish(dataset, "bounded");
    Warehouse fromKafka = TestWarehouses.duckDb(folder.newFolder().toPath());
    Pipeline pipeline = Pipeline.create(PipelineOptionsFactory.create());
    MirrorPipeline.buildFromKafka(
        pipeline,
        settings(fromKafka),
        KafkaSettings.builder()
            .setBootstrapServers(KAFKA.bootstrapServers())
            .setTopics(topics)
            .setMaxRecords(dataset.lines())
            .build());
    PipelineResult result = pipeline.run();
    Runs.finish(result);
    assertThat(MirrorCheck.differences(fromKafka, dataset), empty());
    RunCounts counts = RunCounts.of(result);
    assertThat(counts.read(), equalTo(dataset.lines()));
    assertThat(counts.deadLettered(), equalTo(dataset.malformed));
    assertThat(counts.reconciles(), equalTo(true));

    Warehouse fromFiles = TestWarehouses.duckDb(folder.newFolder().toPath());
    Pipeline files = Pipeline.create(PipelineOptionsFactory.create());
    MirrorPipeline.build(files, settings(fromFiles), dataset.writeTo(folder.newFolder().toPath()));
    Runs.finish(files.run());
    for (String table : RetailCdc.TABLES) {
      assertThat(Tables.dump(fromKafka, table), equalTo(Tables.dump(fromFiles, table)));
    }
  }

  /**
   * A bounded read of two partitions, shuffled and with redeliveries, holding a tombstone, a value
   * that is not UTF-8, a cut-short record and a PII column: every record is accounted for, the rows
   * are the latest by position, the dead letters name their Kafka origins, and the personal data is
   * masked before it lands.
   */
  @Test
  public void aBoundedReadDeadLettersWhatItCannotReadWithItsOriginAndMasksPersonalData()
      throws Exception {
    String topic = "hostile.users";
    KAFKA.createTopic(topic, 2);
    DebeziumTable users =
        DebeziumTable.postgres("app", "public", "users")
            .column("id", "int64")
            .column("email", "string")
            .build();
    Instant t = Instant.parse("2025-11-28T14:00:00Z");
    List<String> versions = new ArrayList<>();
    for (int i = 0; i < 40; i++) {
      versions.add(
          users.insert(
              DebeziumTable.pg(i, i * 10 + 1),
              t.plusSeconds(i),
              Map.of("id", (long) (i % 10), "email", "v" + i + "@example.com")));
    }
    List<String> shuffled = new ArrayList<>(versions);
    shuffled.addAll(versions.subList(0, 15)); // redelivered
    java.util.Collections.shuffle(shuffled, new java.util.Random(7));
    List<byte[]> p0 = new ArrayList<>();
    List<byte[]> p1 = new ArrayList<>();
    for (int i = 0; i < shuffled.size(); i++) {
      (i % 2 == 0 ? p0 : p1).add(shuffled.get(i).getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }
    p0.add(null); // a tombstone at offset 28 of partition 0
    p1.add(new byte[] {'{', '"', (byte) 0xC3, (byte) 0x28, '"', '}'}); // offset 27
    p1.add("{\"payload\":".getBytes(java.nio.charset.StandardCharsets.UTF_8)); // offset 28
    KAFKA.sendBytes(topic, 0, p0);
    KAFKA.sendBytes(topic, 1, p1);

    Warehouse warehouse = TestWarehouses.duckDb(folder.newFolder().toPath());
    MirrorSettings settings =
        MirrorSettings.builder()
            .setWarehouse(warehouse)
            .setKeys(KeyColumns.of("id"))
            .setPii(
                io.starflow.transforms.pii.PiiMasking.withKey(
                    Map.of("users", List.of("email")), "a-test-key-of-32-characters-long"))
            .build();
    Pipeline pipeline = Pipeline.create(PipelineOptionsFactory.create());
    MirrorPipeline.buildFromKafka(
        pipeline,
        settings,
        KafkaSettings.builder()
            .setBootstrapServers(KAFKA.bootstrapServers())
            .setTopics(List.of(topic))
            .setMaxRecords((long) (p0.size() + p1.size()))
            .build());
    PipelineResult result = pipeline.run();
    Runs.finish(result);

    RunCounts counts = RunCounts.of(result);
    assertThat(counts.read(), equalTo((long) (p0.size() + p1.size())));
    assertThat(counts.tombstones(), equalTo(1L));
    assertThat(counts.deadLettered(), equalTo(2L));
    assertThat(counts.toString(), counts.reconciles(), equalTo(true));
    assertThat(
        Tables.rows(warehouse, "SELECT stage, source FROM dead_letter ORDER BY source"),
        equalTo(List.of("read|kafka:" + topic + "/1@27", "decode|kafka:" + topic + "/1@28")));
    assertThat(Tables.count(warehouse, "SELECT count(*) FROM users"), equalTo(10L));
    assertThat(
        Tables.count(warehouse, "SELECT count(*) FROM users WHERE email LIKE '%example.com'"),
        equalTo(0L));
    assertThat(Tables.count(warehouse, "SELECT count(*) FROM users_history"), equalTo(40L));
    assertThat(
        "every row is its key's latest version",
        Tables.count(
            warehouse,
            "SELECT count(*) FROM users u WHERE _position <>"
                + " (SELECT max(h._position) FROM users_history h WHERE h.id = u.id)"),
        equalTo(0L));
  }

  @Test
  public void streamingMirrorWritesWindowsCommitsAfterWritingAndIgnoresAnIdlePartition()
      throws Exception {
    String topic = "streaming.users";
    KAFKA.createTopic(topic, 2); // partition 1 stays empty all along
    DebeziumTable users =
        DebeziumTable.postgres("app", "public", "users")
            .column("id", "int64")
            .column("name", "string")
            .build();
    Instant t = Instant.parse("2025-11-28T14:00:00Z");
    List<String> lines = new ArrayList<>();
    for (int i = 0; i < 50; i++) {
      lines.add(
          users.insert(
              DebeziumTable.pg(i, i * 10 + 1),
              t.plusSeconds(i),
              Map.of("id", (long) i, "name", "v1")));
    }
    for (int i = 0; i < 50; i += 2) {
      lines.add(
          users.update(
              DebeziumTable.pg(1000 + i, 1000 + i * 10),
              t.plusSeconds(100 + i),
              Map.of("id", (long) i, "name", "v2")));
    }
    lines.add(users.delete(DebeziumTable.pg(5000, 5001), t.plusSeconds(200), Map.of("id", 1L)));
    lines.add("null");
    lines.add("{\"malformed\":");
    KAFKA.send(topic, 0, lines);

    Warehouse warehouse = TestWarehouses.duckDb(folder.newFolder().toPath());
    KafkaSettings kafka =
        KafkaSettings.builder()
            .setBootstrapServers(KAFKA.bootstrapServers())
            .setTopics(List.of(topic))
            .setGroupId("streaming-test")
            .setStreaming(true)
            .setMaxEventDelay(org.joda.time.Duration.standardSeconds(1))
            .build();
    MirrorSettings settings =
        MirrorSettings.builder().setWarehouse(warehouse).setKeys(KeyColumns.of("id")).build();
    MirrorPipeline.prepareKafka(kafka);
    DirectOptions options = PipelineOptionsFactory.as(DirectOptions.class);
    options.setBlockOnRun(false);
    Pipeline pipeline = Pipeline.create(options);
    MirrorPipeline.buildFromKafka(pipeline, settings, kafka);
    long started = System.nanoTime();
    PipelineResult result = pipeline.run();
    TopicPartition p0 = new TopicPartition(topic, 0);
    try {
      Runs.until(
          "every offset of partition 0 committed", result, () -> committed(p0) >= lines.size());
      long seconds = (System.nanoTime() - started) / 1_000_000_000L;
      assertThat(
          "commits at most every " + CommitOffsets.COMMIT_EVERY + ", not per record",
          RunCounts.of(result).get(StarflowMetrics.OFFSET_COMMITS),
          org.hamcrest.Matchers.lessThanOrEqualTo(
              seconds / CommitOffsets.COMMIT_EVERY.getStandardSeconds() + 2));
      // Everything below the committed offset is in the warehouse.
      assertThat(Tables.value(warehouse, "users", 2, "name"), equalTo("v2"));
      assertThat(Tables.value(warehouse, "users", 3, "name"), equalTo("v1"));
      assertThat(Tables.value(warehouse, "users", 1, "_deleted"), equalTo(true));
      assertThat(Tables.count(warehouse, "SELECT count(*) FROM users"), equalTo(50L));
      assertThat(Tables.count(warehouse, "SELECT count(*) FROM dead_letter"), equalTo(1L));
      assertThat(committed(new TopicPartition(topic, 1)), equalTo(0L));
    } finally {
      result.cancel();
    }
  }

  private static long committed(TopicPartition partition) {
    OffsetAndMetadata offset = KAFKA.committedOffsets("streaming-test").get(partition);
    return offset == null ? -1 : offset.offset();
  }
}
