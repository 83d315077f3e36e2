package io.starflow.pipelines;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.empty;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.greaterThan;

import io.starflow.pipelines.sample.MirrorCheck;
import io.starflow.pipelines.sample.RetailCdc;
import io.starflow.schemas.KeyColumns;
import io.starflow.transforms.testing.EmbeddedKafka;
import io.starflow.transforms.testing.Runs;
import io.starflow.transforms.testing.Tables;
import io.starflow.transforms.testing.TestWarehouses;
import io.starflow.transforms.warehouse.Warehouse;
import java.util.ArrayList;
import java.util.List;
import org.apache.beam.runners.flink.FlinkPipelineOptions;
import org.apache.beam.runners.flink.FlinkRunner;
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

/**
 * The same mirror pipelines on the Flink runner, embedded ({@code [local]}): in batch from files,
 * and in streaming from Kafka; each warehouse must equal the DirectRunner's for the same input.
 */
@RunWith(JUnit4.class)
public class FlinkMirrorIT {
  @ClassRule public static final EmbeddedKafka KAFKA = new EmbeddedKafka();
  @Rule public final TemporaryFolder folder = new TemporaryFolder();

  private static final RetailCdc.Size SIZE = new RetailCdc.Size(60, 20, 450);

  /** The embedded Flink runner, two task slots. */
  static FlinkPipelineOptions flink(boolean streaming) {
    FlinkPipelineOptions options = PipelineOptionsFactory.as(FlinkPipelineOptions.class);
    options.setRunner(FlinkRunner.class);
    options.setFlinkMaster("[local]");
    options.setParallelism(2);
    options.setStreaming(streaming);
    options.setShutdownSourcesAfterIdleMs(0L);
    return options;
  }

  private static MirrorSettings settings(Warehouse warehouse) {
    return MirrorSettings.builder()
        .setWarehouse(warehouse)
        .setKeys(KeyColumns.parse(RetailCdc.KEY_SPECS))
        .setModel(RetailCdc.model())
        .setPii(RetailCdc.samplePii())
        .build();
  }

  private Warehouse onDirectRunner(String input) throws Exception {
    Warehouse warehouse = TestWarehouses.duckDb(folder.newFolder().toPath());
    Pipeline pipeline = Pipeline.create(PipelineOptionsFactory.create());
    MirrorPipeline.build(pipeline, settings(warehouse), input);
    Runs.finish(pipeline.run());
    return warehouse;
  }

  private static void assertSameTables(Warehouse actual, Warehouse expected) throws Exception {
    List<String> tables = new ArrayList<>(RetailCdc.TABLES);
    tables.addAll(RetailCdc.model().dimensions().keySet());
    tables.add(RetailCdc.model().dateDimension().name());
    tables.addAll(RetailCdc.model().facts().keySet());
    for (String table : tables) {
      assertThat(table, Tables.dump(actual, table), equalTo(Tables.dump(expected, table)));
    }
    assertThat(Tables.count(actual, "SELECT count(*) FROM fact_order_line"), greaterThan(100L));
    assertThat(
        Tables.count(actual, "SELECT count(*) FROM dead_letter"),
        equalTo(Tables.count(expected, "SELECT count(*) FROM dead_letter")));
  }

  /** The dead letters' origins and reasons, to tell a failure's cause. */
  private static List<String> deadLetters(Warehouse warehouse) {
    try {
      return Tables.rows(warehouse, "SELECT source, reason FROM dead_letter ORDER BY source");
    } catch (java.sql.SQLException e) {
      return List.of("none (" + e.getMessage() + ")");
    }
  }

  @Test
  public void batchFromFilesOnFlinkEqualsTheDirectRunner() throws Exception {
    RetailCdc.Dataset dataset = RetailCdc.generate(11, SIZE);
    String input = dataset.writeTo(folder.newFolder().toPath());
    Warehouse onFlink = TestWarehouses.duckDb(folder.newFolder().toPath());
    Pipeline pipeline = Pipeline.create(flink(false));
    MirrorPipeline.build(pipeline, settings(onFlink), input);
    PipelineResult result = pipeline.run();
    assertThat(Runs.finish(result), equalTo(PipelineResult.State.DONE));

    assertThat(
        "dead letters: " + deadLetters(onFlink),
        MirrorCheck.differences(onFlink, dataset, RetailCdc.samplePii()),
        empty());
    assertSameTables(onFlink, onDirectRunner(input));
    RunCounts counts = RunCounts.of(result);
    assertThat(counts.read(), equalTo(dataset.lines()));
    assertThat(counts.toString(), counts.reconciles(), equalTo(true));
  }

  @Test
  public void streamingFromKafkaOnFlinkEqualsTheDirectRunner() throws Exception {
    RetailCdc.Dataset dataset = RetailCdc.generate(12, SIZE);
    List<String> topics = new ArrayList<>();
    dataset.delivered.forEach(
        (table, lines) -> {
          String topic = "flink." + table;
          KAFKA.createTopic(topic, 2);
          KAFKA.send(topic, 0, lines);
          topics.add(topic);
        });
    KafkaSettings kafka =
        KafkaSettings.builder()
            .setBootstrapServers(KAFKA.bootstrapServers())
            .setTopics(topics)
            .setGroupId("flink-streaming")
            .setStreaming(true)
            .setMaxRecords(dataset.lines())
            .build();
    MirrorPipeline.prepareKafka(kafka);
    Warehouse onFlink = TestWarehouses.duckDb(folder.newFolder().toPath());
    Pipeline pipeline = Pipeline.create(flink(true));
    MirrorPipeline.buildFromKafka(pipeline, settings(onFlink), kafka);
    PipelineResult result = pipeline.run();
    assertThat(Runs.finish(result), equalTo(PipelineResult.State.DONE));

    assertThat(
        "dead letters: " + deadLetters(onFlink),
        MirrorCheck.differences(onFlink, dataset, RetailCdc.samplePii()),
        empty());
    assertSameTables(onFlink, onDirectRunner(dataset.writeTo(folder.newFolder().toPath())));
    for (String topic : topics) {
      OffsetAndMetadata committed =
          KAFKA.committedOffsets("flink-streaming").get(new TopicPartition(topic, 0));
      assertThat(
          topic,
          committed.offset(),
          equalTo(KAFKA.endOffsets(topic, 2).get(new TopicPartition(topic, 0))));
    }
  }
}
