package io.starflow.pipelines;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.equalTo;

import io.starflow.pipelines.cli.StarflowCli;
import io.starflow.pipelines.sample.OrderApi;
import io.starflow.transforms.events.FoldEvents;
import io.starflow.transforms.events.Inventory;
import io.starflow.transforms.testing.EmbeddedKafka;
import io.starflow.transforms.testing.Runs;
import io.starflow.transforms.warehouse.Warehouse;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.apache.beam.sdk.Pipeline;
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
 * Each event shape streaming from Kafka in its own process, killed with {@code kill -9} in the
 * middle of the stream and started again with the same consumer group, ends with the same warehouse
 * as one uninterrupted run: nothing missing, nothing applied twice.
 */
@RunWith(JUnit4.class)
public class StreamingRestartIT {
  @ClassRule public static final EmbeddedKafka KAFKA = new EmbeddedKafka();
  @Rule public final TemporaryFolder folder = new TemporaryFolder();

  private static final int PARTITIONS = 3;

  /** What was sent, by partition, in offset order. */
  private final Map<Integer, List<String>> sent = new java.util.TreeMap<>();

  /** Per partition: the committed offset, the end, and the first record not committed. */
  private String progress(String topic, String group) {
    Map<TopicPartition, OffsetAndMetadata> committed = KAFKA.committedOffsets(group);
    StringBuilder text = new StringBuilder("progress:");
    for (Map.Entry<TopicPartition, Long> end : KAFKA.endOffsets(topic, PARTITIONS).entrySet()) {
      OffsetAndMetadata offset = committed.get(end.getKey());
      long at = offset == null ? -1 : offset.offset();
      List<String> lines = sent.getOrDefault(end.getKey().partition(), List.of());
      text.append("\n  ")
          .append(end.getKey())
          .append(" committed ")
          .append(at)
          .append(" of ")
          .append(end.getValue());
      if (at >= 0 && at < lines.size()) {
        text.append(", first not committed: ").append(lines.get((int) at));
      }
    }
    return text.toString();
  }

  /** Sends {@code lines} round-robin over the topic's partitions. */
  private void send(String topic, List<String> lines) {
    List<List<String>> byPartition = new ArrayList<>();
    for (int p = 0; p < PARTITIONS; p++) {
      byPartition.add(new ArrayList<>());
    }
    for (int i = 0; i < lines.size(); i++) {
      byPartition.get(i % PARTITIONS).add(lines.get(i));
    }
    for (int p = 0; p < PARTITIONS; p++) {
      KAFKA.send(topic, p, byPartition.get(p));
      sent.computeIfAbsent(p, k -> new ArrayList<>()).addAll(byPartition.get(p));
    }
  }

  private static long total(String topic) {
    return KAFKA.endOffsets(topic, PARTITIONS).values().stream().mapToLong(Long::longValue).sum();
  }

  private static Process start(List<String> args, Path log) throws IOException {
    return new ProcessBuilder(StarflowCli.childCommand(args.toArray(new String[0])))
        .redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
        .start();
  }

  /**
   * Streams the first half of the input with {@code args} (the command, without --kafka, --topics,
   * --group and --warehouse), sends the second half once some progress is committed, kills the
   * process, restarts it and waits for every offset to be committed; returns the warehouse.
   */
  private Warehouse killAndRestart(
      String topic, List<String> first, List<String> second, List<String> args) throws Exception {
    KAFKA.createTopic(topic, PARTITIONS);
    send(topic, first);
    String group = topic + "-group";
    Path work = folder.getRoot().toPath();
    Path warehouseFile = work.resolve(topic + ".duckdb");
    Path log = work.resolve(topic + ".log");
    List<String> command = new ArrayList<>(args);
    command.addAll(
        List.of(
            "--kafka",
            KAFKA.bootstrapServers(),
            "--topics",
            topic,
            "--group",
            group,
            "--streaming",
            "--window",
            "1s",
            "--max-event-delay",
            "1s",
            "--warehouse",
            "jdbc:duckdb:" + warehouseFile));
    Process run = start(command, log);
    try {
      StarflowCli.awaitChild(
          "some committed progress",
          () -> KAFKA.committedTotal(group) > 0,
          run,
          log,
          () -> progress(topic, group));
      send(topic, second);
    } finally {
      run.destroyForcibly().waitFor(30, TimeUnit.SECONDS); // kill -9
    }
    assertThat("killed mid-stream", KAFKA.allCommitted(group, topic, PARTITIONS), equalTo(false));

    Process again = start(command, log);
    try {
      StarflowCli.awaitChild(
          "every offset committed",
          () -> KAFKA.allCommitted(group, topic, PARTITIONS),
          again,
          log,
          () -> progress(topic, group));
    } finally {
      again.destroy();
      if (!again.waitFor(60, TimeUnit.SECONDS)) {
        again.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
      }
    }
    assertThat(
        Files.readString(log),
        Files.readString(log).contains("Committed offsets of group " + group),
        equalTo(true));
    return Warehouse.at("jdbc:duckdb:" + warehouseFile);
  }

  /** One bounded run over everything in {@code topic}, into a fresh warehouse. */
  private static void uninterrupted(Consumer<Pipeline> wiring) {
    Pipeline pipeline = Pipeline.create(PipelineOptionsFactory.create());
    wiring.accept(pipeline);
    Runs.finish(pipeline.run());
  }

  private KafkaSettings bounded(String topic) {
    return bounded(topic, "event_time");
  }

  /** A bounded read of everything in {@code topic}. */
  private KafkaSettings bounded(String topic, String eventTimeField) {
    return KafkaSettings.builder()
        .setBootstrapServers(KAFKA.bootstrapServers())
        .setTopics(List.of(topic))
        .setMaxRecords(total(topic))
        .setEventTimeField(eventTimeField)
        .build();
  }

  @Test
  public void anEventFoldKilledMidStreamEndsLikeAnUninterruptedOne() throws Exception {
    String topic = "restart.inventory";
    List<List<String>> halves = ShapeInputs.inventoryEvents();
    Warehouse restarted = killAndRestart(topic, halves.get(0), halves.get(1), List.of("events"));

    Warehouse reference = reference("fold");
    uninterrupted(
        p ->
            EventsPipeline.fromKafka(
                p, new Inventory(), reference, FoldEvents.DEFAULT_SNAPSHOT_EVERY, bounded(topic)));
    ShapeInputs.assertSameFold(restarted, reference);
  }

  @Test
  public void anEcstLandingKilledMidStreamEndsLikeAnUninterruptedOne() throws Exception {
    String topic = "restart.products";
    List<List<String>> halves = ShapeInputs.ecstEvents();
    Warehouse restarted =
        killAndRestart(topic, halves.get(0), halves.get(1), ShapeInputs.ecstArgs());

    Warehouse reference = reference("ecst");
    uninterrupted(
        p ->
            EcstPipeline.fromKafka(
                p,
                ShapeInputs.ecstFormat(),
                ShapeInputs.settings(reference, ShapeInputs.PRODUCTS + "=sku"),
                bounded(topic)));
    ShapeInputs.assertSameLanding(restarted, reference);
  }

  @Test
  public void anEnrichmentKilledMidStreamEndsLikeAnUninterruptedOne() throws Exception {
    String topic = "restart.notifications";
    List<List<String>> halves = ShapeInputs.notifications();
    try (OrderApi api = OrderApi.start().unknown(ShapeInputs.UNKNOWN_ORDERS)) {
      Warehouse restarted =
          killAndRestart(
              topic,
              halves.get(0),
              halves.get(1),
              List.of("enrich", "--url", api.url(), "--table", ShapeInputs.ORDER_DETAILS));

      Warehouse reference = reference("enrich");
      uninterrupted(
          p ->
              NotificationsPipeline.fromKafka(
                  p,
                  ShapeInputs.enrichment(api.url()),
                  ShapeInputs.settings(reference, ShapeInputs.ORDER_DETAILS + "=id"),
                  bounded(topic, "time")));
      ShapeInputs.assertSameEnrichment(restarted, reference);
    }
  }

  private Warehouse reference(String name) {
    return Warehouse.at("jdbc:duckdb:" + folder.getRoot().toPath().resolve(name + ".duckdb"));
  }
}
