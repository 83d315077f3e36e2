package io.starflow.pipelines;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.equalTo;

import io.starflow.pipelines.cli.StarflowCli;
import io.starflow.pipelines.sample.RetailInventory;
import io.starflow.transforms.events.EventTables;
import io.starflow.transforms.events.Inventory;
import io.starflow.transforms.testing.EmbeddedKafka;
import io.starflow.transforms.testing.Runs;
import io.starflow.transforms.testing.Tables;
import io.starflow.transforms.warehouse.Warehouse;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
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

  private static long committedTotal(String group) {
    long total = 0;
    for (OffsetAndMetadata offset : KAFKA.committedOffsets(group).values()) {
      total += offset.offset();
    }
    return total;
  }

  private static boolean allCommitted(String topic, String group) {
    Map<TopicPartition, OffsetAndMetadata> committed = KAFKA.committedOffsets(group);
    for (Map.Entry<TopicPartition, Long> end : KAFKA.endOffsets(topic, PARTITIONS).entrySet()) {
      OffsetAndMetadata offset = committed.get(end.getKey());
      if (offset == null || offset.offset() != end.getValue()) {
        return false;
      }
    }
    return true;
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

  private static void await(
      String what,
      java.util.function.BooleanSupplier condition,
      Process child,
      Path log,
      java.util.function.Supplier<String> diagnosis)
      throws Exception {
    long deadline = System.currentTimeMillis() + Runs.PIPELINE_LIMIT.getMillis();
    while (!condition.getAsBoolean()) {
      if (!child.isAlive()) {
        throw new AssertionError(
            "the streaming process ended while waiting for "
                + what
                + ":\n"
                + Files.readString(log));
      }
      if (System.currentTimeMillis() > deadline) {
        throw new AssertionError(
            "timed out waiting for "
                + what
                + "; "
                + diagnosis.get()
                + "\n"
                + Files.readString(log));
      }
      Thread.sleep(200);
    }
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
      await(
          "some committed progress",
          () -> committedTotal(group) > 0,
          run,
          log,
          () -> progress(topic, group));
      send(topic, second);
    } finally {
      run.destroyForcibly().waitFor(30, TimeUnit.SECONDS); // kill -9
    }
    assertThat("killed mid-stream", allCommitted(topic, group), equalTo(false));

    Process again = start(command, log);
    try {
      await(
          "every offset committed",
          () -> allCommitted(topic, group),
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

  /** A domain event's version, or 0 for a line that is not one. */
  private static long versionOf(String line) {
    try {
      return new com.fasterxml.jackson.databind.ObjectMapper()
          .readTree(line)
          .path("version")
          .asLong(0);
    } catch (IOException e) {
      return 0;
    }
  }

  @Test
  public void anEventFoldKilledMidStreamEndsLikeAnUninterruptedOne() throws Exception {
    String topic = "restart.inventory";
    // shuffled, with redeliveries and malformed lines; the first half holds every aggregate's
    // first 15 versions, so that it can be folded (and committed) before the second half comes
    List<String> first = new ArrayList<>();
    List<String> second = new ArrayList<>();
    for (String line :
        RetailInventory.generate(7, new RetailInventory.Size(60, 30, 0.05, 0, 0, 2)).lines) {
      (versionOf(line) <= 15 ? first : second).add(line);
    }
    Warehouse restarted = killAndRestart(topic, first, second, List.of("events"));

    Warehouse reference =
        Warehouse.at("jdbc:duckdb:" + folder.getRoot().toPath().resolve("reference.duckdb"));
    uninterrupted(
        p ->
            EventsPipeline.fromKafka(
                p,
                new Inventory(),
                reference,
                io.starflow.transforms.events.FoldEvents.DEFAULT_SNAPSHOT_EVERY,
                bounded(topic)));

    EventTables tables = new EventTables(new Inventory());
    for (String table :
        List.of(
            tables.state(),
            tables.state() + "_history",
            tables.events(),
            tables.movements(),
            tables.snapshots())) {
      assertThat(table, Tables.dump(restarted, table), equalTo(Tables.dump(reference, table)));
    }
    assertThat(
        Tables.count(restarted, "SELECT count(*) FROM dead_letter"),
        equalTo(Tables.count(reference, "SELECT count(*) FROM dead_letter")));
  }

  @Test
  public void anEcstLandingKilledMidStreamEndsLikeAnUninterruptedOne() throws Exception {
    String topic = "restart.products";
    Random random = new Random(11);
    List<String> first = new ArrayList<>();
    List<String> second = new ArrayList<>();
    java.time.Instant time = java.time.Instant.parse("2025-11-28T14:00:00Z");
    Map<Integer, Integer> versions = new java.util.HashMap<>();
    for (int i = 0; i < 1_500; i++) {
      int sku = random.nextInt(150);
      int version = versions.merge(sku, 1, Integer::sum);
      time = time.plusMillis(random.nextInt(800));
      String event =
          String.format(
              "{\"event_id\":\"e-%d\",\"event_time\":\"%s\",\"deleted\":%b,"
                  + "\"data\":{\"sku\":\"SKU-%03d\",\"version\":%d,\"price\":%d.%02d}}",
              i, time, random.nextInt(30) == 0, sku, version, random.nextInt(500), i % 100);
      List<String> half = i < 750 ? first : second;
      half.add(event);
      if (random.nextInt(40) == 0) {
        half.add(event); // delivered twice
      }
      if (random.nextInt(300) == 0) {
        half.add("{\"event_id\":");
      }
    }
    java.util.Collections.shuffle(first, random);
    java.util.Collections.shuffle(second, random);
    List<String> args =
        List.of("ecst", "--table", "products", "--key", "sku", "--version-field", "version");
    Warehouse restarted = killAndRestart(topic, first, second, args);

    Warehouse reference =
        Warehouse.at("jdbc:duckdb:" + folder.getRoot().toPath().resolve("ecst-reference.duckdb"));
    io.starflow.transforms.ecst.EcstFormat format =
        io.starflow.transforms.ecst.EcstFormat.builder()
            .setTable("products")
            .setKeyFields(List.of("sku"))
            .setVersionField("version")
            .build();
    uninterrupted(
        p ->
            EcstPipeline.land(
                p,
                RecordInputs.kafka(bounded(topic)),
                format,
                MirrorSettings.builder()
                    .setWarehouse(reference)
                    .setKeys(io.starflow.schemas.KeyColumns.parse(List.of("products=sku")))
                    .build()));

    for (String table : List.of("products", "products_history")) {
      assertThat(table, Tables.dump(restarted, table), equalTo(Tables.dump(reference, table)));
    }
    // bronze: one row per record read, with its origin; the ingest time is the run's own
    String bronze = "SELECT * EXCLUDE (ingest_time) FROM bronze_products ORDER BY ALL";
    assertThat(Tables.rows(restarted, bronze), equalTo(Tables.rows(reference, bronze)));
    assertThat(
        Tables.count(restarted, "SELECT count(*) FROM dead_letter"),
        equalTo(Tables.count(reference, "SELECT count(*) FROM dead_letter")));
  }

  @Test
  public void anEnrichmentKilledMidStreamEndsLikeAnUninterruptedOne() throws Exception {
    String topic = "restart.notifications";
    Random random = new Random(13);
    List<String> first = new ArrayList<>();
    List<String> second = new ArrayList<>();
    java.time.Instant time = java.time.Instant.parse("2025-11-28T14:00:00Z");
    for (int i = 0; i < 1_200; i++) {
      time = time.plusMillis(random.nextInt(800));
      String line =
          random.nextInt(200) == 0
              ? "{\"event\":"
              : String.format(
                  "{\"event\":\"OrderChanged\",\"id\":\"%d\",\"time\":\"%s\"}",
                  random.nextInt(400), time);
      (i < 600 ? first : second).add(line);
    }
    try (io.starflow.pipelines.sample.OrderApi api =
        io.starflow.pipelines.sample.OrderApi.start().unknown(java.util.Set.of("7", "77"))) {
      Warehouse restarted =
          killAndRestart(
              topic,
              first,
              second,
              List.of("enrich", "--url", api.url(), "--table", "order_details"));

      Warehouse reference =
          Warehouse.at(
              "jdbc:duckdb:" + folder.getRoot().toPath().resolve("enrich-reference.duckdb"));
      uninterrupted(
          p ->
              NotificationsPipeline.fromKafka(
                  p,
                  io.starflow.transforms.enrich.EnrichNotifications.Settings.builder(
                          api.url(), "order_details")
                      .build(),
                  MirrorSettings.builder()
                      .setWarehouse(reference)
                      .setKeys(io.starflow.schemas.KeyColumns.parse(List.of("order_details=id")))
                      .build(),
                  bounded(topic, "time")));

      // an enriched row's event time is that of the newest notification in its batch, and
      // batches close by time: the rows, their versions and the dead letters must be the same
      String rows = "SELECT * EXCLUDE (_event_time) FROM order_details ORDER BY ALL";
      assertThat(Tables.rows(restarted, rows), equalTo(Tables.rows(reference, rows)));
      String versions = "SELECT id, _position FROM order_details_history ORDER BY ALL";
      assertThat(Tables.rows(restarted, versions), equalTo(Tables.rows(reference, versions)));
      String deadLetters = "SELECT stage, reason FROM dead_letter ORDER BY ALL";
      assertThat(
          Tables.rows(restarted, deadLetters).size(),
          equalTo(Tables.rows(reference, deadLetters).size()));
    }
  }
}
