package io.starflow.pipelines;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.equalTo;

import io.starflow.pipelines.sample.RetailInventory;
import io.starflow.schemas.DomainEvent;
import io.starflow.transforms.DecodeException;
import io.starflow.transforms.StarflowMetrics;
import io.starflow.transforms.events.DomainEventJson;
import io.starflow.transforms.events.ReadEventStore;
import io.starflow.transforms.testing.EmbeddedKafka;
import io.starflow.transforms.testing.Runs;
import io.starflow.transforms.testing.TestWarehouses;
import io.starflow.transforms.warehouse.Warehouse;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.Statement;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.List;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.PipelineResult;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.junit.ClassRule;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

/**
 * Domain events from a real broker and from a real PostgreSQL event-store table fold to the same
 * state history as a brute-force replay, redeliveries, gaps and conflicts included.
 */
public class EventSourcesIT {
  @ClassRule public static final EmbeddedKafka KAFKA = new EmbeddedKafka();
  @Rule public final TemporaryFolder folder = new TemporaryFolder();
  @Rule public final TestWarehouses.PostgresSchema postgres = new TestWarehouses.PostgresSchema();

  private static final RetailInventory.Size SIZE = new RetailInventory.Size(25, 30, 0.1, 1, 1, 2);

  @Test
  public void eventsFromKafkaFoldLikeABruteForceReplay() throws Exception {
    RetailInventory.Dataset dataset = RetailInventory.generate(21, SIZE);
    KAFKA.createTopic("inventory-events", 3);
    for (int p = 0; p < 3; p++) {
      int partition = p;
      KAFKA.send(
          "inventory-events",
          partition,
          dataset.lines.stream()
              .filter(line -> Math.floorMod(line.hashCode(), 3) == partition)
              .collect(java.util.stream.Collectors.toList()));
    }
    Warehouse warehouse = TestWarehouses.duckDb(folder.newFolder().toPath());
    Pipeline pipeline = Pipeline.create(PipelineOptionsFactory.create());
    EventsPipeline.fromRecords(
        pipeline.apply(
            "ReadKafka",
            KafkaSettings.builder()
                .setBootstrapServers(KAFKA.bootstrapServers())
                .setTopics(List.of("inventory-events"))
                .setMaxRecords((long) dataset.lines.size())
                .build()
                .read()),
        EventsPipelineContract.INVENTORY,
        warehouse,
        5);
    PipelineResult result = pipeline.run();
    assertThat(Runs.finish(result), equalTo(PipelineResult.State.DONE));
    assertThat(
        EventsPipelineContract.history(warehouse),
        equalTo(EventsPipelineContract.expectedHistory(dataset)));
    assertThat(RunCounts.of(result).get(StarflowMetrics.DECODE_FAILED), equalTo(dataset.malformed));
  }

  @Test
  public void eventsFromAPostgresEventStoreFoldLikeABruteForceReplay() throws Exception {
    RetailInventory.Dataset dataset = RetailInventory.generate(22, SIZE);
    Warehouse store = postgres.warehouse();
    try (Connection connection = store.connect()) {
      try (Statement statement = connection.createStatement()) {
        // no key: a store that took a redelivery or a second event for a version shows it
        statement.execute(
            "CREATE TABLE events (aggregate_type TEXT NOT NULL, aggregate_id TEXT NOT NULL,"
                + " version BIGINT NOT NULL, event_type TEXT NOT NULL, payload JSONB NOT NULL,"
                + " event_time TIMESTAMPTZ NOT NULL, event_id TEXT NOT NULL)");
      }
      try (PreparedStatement insert =
          connection.prepareStatement("INSERT INTO events VALUES (?, ?, ?, ?, ?::jsonb, ?, ?)")) {
        for (String line : dataset.lines) {
          DomainEvent event;
          try {
            event = DomainEventJson.decode(line, "test");
          } catch (DecodeException e) {
            continue; // not storable: the malformed lines
          }
          insert.setString(1, event.aggregateType());
          insert.setString(2, event.aggregateId());
          insert.setLong(3, event.version());
          insert.setString(4, event.eventType());
          insert.setString(5, event.payload());
          insert.setObject(6, OffsetDateTime.ofInstant(event.eventTime(), ZoneOffset.UTC));
          insert.setString(7, event.eventId());
          insert.addBatch();
        }
        insert.executeBatch();
      }
    }
    Warehouse warehouse = TestWarehouses.duckDb(folder.newFolder().toPath());
    Pipeline pipeline = Pipeline.create(PipelineOptionsFactory.create());
    EventsPipeline.fromRecords(
        pipeline.apply("ReadEventStore", ReadEventStore.from(store.jdbcUrl(), "events")),
        EventsPipelineContract.INVENTORY,
        warehouse,
        5);
    PipelineResult result = pipeline.run();
    assertThat(Runs.finish(result), equalTo(PipelineResult.State.DONE));
    assertThat(
        EventsPipelineContract.history(warehouse),
        equalTo(EventsPipelineContract.expectedHistory(dataset)));
    RunCounts counts = RunCounts.of(result);
    assertThat(
        counts.get(StarflowMetrics.EVENTS_APPLIED)
            + counts.get(StarflowMetrics.EVENTS_DUPLICATE)
            + counts.get(StarflowMetrics.EVENTS_CONFLICT)
            + counts.get(StarflowMetrics.EVENTS_GAP),
        equalTo(dataset.lines.size() - dataset.malformed));
  }
}
