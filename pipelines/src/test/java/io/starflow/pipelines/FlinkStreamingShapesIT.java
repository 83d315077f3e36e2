package io.starflow.pipelines;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.equalTo;

import io.starflow.pipelines.sample.OrderApi;
import io.starflow.transforms.events.FoldEvents;
import io.starflow.transforms.events.Inventory;
import io.starflow.transforms.testing.EmbeddedKafka;
import io.starflow.transforms.testing.Runs;
import io.starflow.transforms.testing.TestWarehouses;
import io.starflow.transforms.warehouse.Warehouse;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.BiConsumer;
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
 * The streaming runs of the event fold, ECST landing and notification enrichment on the embedded
 * Flink runner: each warehouse equals a bounded DirectRunner run over the same topic, and the
 * group's offsets reach the end of every partition.
 */
@RunWith(JUnit4.class)
public class FlinkStreamingShapesIT {
  @ClassRule public static final EmbeddedKafka KAFKA = new EmbeddedKafka();
  @Rule public final TemporaryFolder folder = new TemporaryFolder();

  private static final int PARTITIONS = 2;

  /** Sends both halves, round-robin over the partitions; returns how many records there are. */
  private static long send(String topic, List<List<String>> halves) {
    KAFKA.createTopic(topic, PARTITIONS);
    List<String> all = new ArrayList<>(halves.get(0));
    all.addAll(halves.get(1));
    List<List<String>> byPartition = List.of(new ArrayList<>(), new ArrayList<>());
    for (int i = 0; i < all.size(); i++) {
      byPartition.get(i % PARTITIONS).add(all.get(i));
    }
    for (int p = 0; p < PARTITIONS; p++) {
      KAFKA.send(topic, p, byPartition.get(p));
    }
    return all.size();
  }

  private static KafkaSettings.Builder read(String topic, long records, String eventTimeField) {
    return KafkaSettings.builder()
        .setBootstrapServers(KAFKA.bootstrapServers())
        .setTopics(List.of(topic))
        .setMaxRecords(records)
        .setEventTimeField(eventTimeField)
        .setWindow(org.joda.time.Duration.standardSeconds(1))
        .setMaxEventDelay(org.joda.time.Duration.standardSeconds(1));
  }

  /**
   * Runs {@code wiring} streaming on Flink (until it has read every record) and bounded on the
   * DirectRunner; returns the two warehouses, Flink's first, once the group's offsets are at the
   * end.
   */
  private List<Warehouse> onBothRunners(
      String topic,
      long records,
      String eventTimeField,
      BiConsumer<Pipeline, Map.Entry<Warehouse, KafkaSettings>> wiring)
      throws Exception {
    String group = topic + "-flink";
    KafkaSettings streaming =
        read(topic, records, eventTimeField).setGroupId(group).setStreaming(true).build();
    MirrorPipeline.prepareKafka(streaming);
    Warehouse onFlink = TestWarehouses.duckDb(folder.newFolder().toPath());
    Pipeline flink = Pipeline.create(FlinkMirrorIT.flink(true));
    wiring.accept(flink, Map.entry(onFlink, streaming));
    assertThat(Runs.finish(flink.run()), equalTo(PipelineResult.State.DONE));

    Warehouse onDirect = TestWarehouses.duckDb(folder.newFolder().toPath());
    Pipeline direct = Pipeline.create(PipelineOptionsFactory.create());
    wiring.accept(direct, Map.entry(onDirect, read(topic, records, eventTimeField).build()));
    Runs.finish(direct.run());

    Map<TopicPartition, OffsetAndMetadata> committed = KAFKA.committedOffsets(group);
    for (Map.Entry<TopicPartition, Long> end : KAFKA.endOffsets(topic, PARTITIONS).entrySet()) {
      assertThat(
          end.getKey().toString(), committed.get(end.getKey()).offset(), equalTo(end.getValue()));
    }
    return List.of(onFlink, onDirect);
  }

  @Test
  public void anEventFoldStreamsOnFlink() throws Exception {
    String topic = "flink.inventory";
    long records = send(topic, ShapeInputs.inventoryEvents());
    List<Warehouse> warehouses =
        onBothRunners(
            topic,
            records,
            "event_time",
            (p, to) ->
                EventsPipeline.fromKafka(
                    p,
                    new Inventory(),
                    to.getKey(),
                    FoldEvents.DEFAULT_SNAPSHOT_EVERY,
                    to.getValue()));
    ShapeInputs.assertSameFold(warehouses.get(0), warehouses.get(1));
  }

  @Test
  public void anEcstLandingStreamsOnFlink() throws Exception {
    String topic = "flink.products";
    long records = send(topic, ShapeInputs.ecstEvents());
    List<Warehouse> warehouses =
        onBothRunners(
            topic,
            records,
            "event_time",
            (p, to) ->
                EcstPipeline.fromKafka(
                    p,
                    ShapeInputs.ecstFormat(),
                    ShapeInputs.settings(to.getKey(), ShapeInputs.PRODUCTS + "=sku"),
                    to.getValue()));
    ShapeInputs.assertSameLanding(warehouses.get(0), warehouses.get(1));
  }

  @Test
  public void anEnrichmentStreamsOnFlink() throws Exception {
    String topic = "flink.notifications";
    long records = send(topic, ShapeInputs.notifications());
    try (OrderApi api = OrderApi.start().unknown(ShapeInputs.UNKNOWN_ORDERS)) {
      List<Warehouse> warehouses =
          onBothRunners(
              topic,
              records,
              "time",
              (p, to) ->
                  NotificationsPipeline.fromKafka(
                      p,
                      ShapeInputs.enrichment(api.url()),
                      ShapeInputs.settings(to.getKey(), ShapeInputs.ORDER_DETAILS + "=id"),
                      to.getValue()));
      ShapeInputs.assertSameEnrichment(warehouses.get(0), warehouses.get(1));
    }
  }
}
