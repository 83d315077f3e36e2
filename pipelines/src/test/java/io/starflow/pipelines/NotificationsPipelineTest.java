package io.starflow.pipelines;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.greaterThan;
import static org.hamcrest.Matchers.lessThanOrEqualTo;

import io.starflow.pipelines.sample.OrderApi;
import io.starflow.schemas.KeyColumns;
import io.starflow.transforms.StarflowMetrics;
import io.starflow.transforms.enrich.EnrichNotifications;
import io.starflow.transforms.testing.Runs;
import io.starflow.transforms.testing.Tables;
import io.starflow.transforms.testing.TestWarehouses;
import io.starflow.transforms.warehouse.Warehouse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.Set;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.PipelineResult;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;
import org.junit.runner.RunWith;
import org.junit.runners.JUnit4;

/** 10,000 notifications over 2,000 orders, through a flaky, rate-limited order service. */
@RunWith(JUnit4.class)
public class NotificationsPipelineTest {
  @Rule public final TemporaryFolder folder = new TemporaryFolder();

  @Test
  public void fewCallsWithinTheRateLimitAndNothingLostThroughFailures() throws Exception {
    Random random = new Random(4);
    List<String> lines = new ArrayList<>();
    Instant start = Instant.parse("2025-11-28T08:00:00Z");
    for (int i = 0; i < 10_000; i++) {
      int order = 1 + (i < 2_000 ? i : random.nextInt(2_000));
      lines.add(
          String.format(
              "{\"event\":\"OrderChanged\",\"id\":\"%d\",\"time\":\"%s\"}",
              order, start.plusSeconds(i)));
    }
    lines.add("{\"event\":\"OrderChanged\",\"time\":\"2025-11-28T08:00:00Z\"}");
    Collections.shuffle(lines, random);
    Path input = folder.newFolder().toPath().resolve("notifications.jsonl");
    Files.write(input, lines);
    Set<String> unknown = Set.of("17", "1234");

    try (OrderApi api = OrderApi.start().failing(0.2, 800).unknown(unknown)) {
      Warehouse warehouse = TestWarehouses.duckDb(folder.newFolder().toPath());
      Pipeline pipeline = Pipeline.create(PipelineOptionsFactory.create());
      NotificationsPipeline.fromFiles(
          pipeline,
          EnrichNotifications.Settings.builder(api.url(), "orders")
              .setIdsPerCall(250)
              .setCallsPerSecond(5)
              .setAttempts(8)
              .setTimeout(Duration.ofMillis(400))
              .build(),
          MirrorSettings.builder()
              .setWarehouse(warehouse)
              .setKeys(KeyColumns.parse(List.of("id")))
              .setShards(2)
              .build(),
          input.toString());
      PipelineResult result = pipeline.run();
      assertThat(Runs.finish(result), equalTo(PipelineResult.State.DONE));
      RunCounts counts = RunCounts.of(result);

      assertThat("calls", api.calls(), lessThanOrEqualTo(100L));
      assertThat("some calls failed and were retried", api.failedCalls(), greaterThan(0L));
      assertThat("every fifth call failed", api.failedCalls(), equalTo(api.calls() / 5));
      assertThat("rate limit", api.peakCallsPerSecond(), lessThanOrEqualTo(5L));
      assertThat(
          "every known order is enriched",
          Tables.count(warehouse, "SELECT count(*) FROM orders WHERE NOT _deleted"),
          equalTo(2_000L - unknown.size()));
      assertThat(
          Tables.count(
              warehouse,
              "SELECT count(*) FROM dead_letter WHERE stage = 'enrich'"
                  + " AND reason LIKE 'the service does not know orders %'"),
          equalTo(
              lines.stream()
                  .filter(l -> l.contains("\"id\":\"17\"") || l.contains("\"id\":\"1234\""))
                  .count()));
      assertThat(
          Tables.count(warehouse, "SELECT count(*) FROM dead_letter WHERE stage = 'decode'"),
          equalTo(1L));
      assertThat(counts.get(StarflowMetrics.NOTIFICATIONS), equalTo((long) lines.size()));
      System.out.printf(
          "notifications %d, HTTP calls %d (%d failed), peak %d/s, ids asked %d%n",
          lines.size(), api.calls(), api.failedCalls(), api.peakCallsPerSecond(), api.idsAsked());
    }
  }

  @Test
  public void idsWhoseLookupsKeepFailingAreDeadLetteredWithTheReason() throws Exception {
    Path input = folder.newFolder().toPath().resolve("notifications.jsonl");
    Files.write(
        input,
        List.of(
            "{\"event\":\"OrderPaid\",\"id\":\"1\",\"time\":\"2025-11-28T08:00:00Z\"}",
            "{\"event\":\"OrderPaid\",\"id\":\"2\",\"time\":\"2025-11-28T08:00:01Z\"}",
            "{\"event\":\"OrderShipped\",\"id\":\"1\",\"time\":\"2025-11-28T09:00:00Z\"}"));
    try (OrderApi api = OrderApi.start().failing(1.0, 300)) {
      Warehouse warehouse = TestWarehouses.duckDb(folder.newFolder().toPath());
      Pipeline pipeline = Pipeline.create(PipelineOptionsFactory.create());
      NotificationsPipeline.fromFiles(
          pipeline,
          EnrichNotifications.Settings.builder(api.url(), "order_details")
              .setAttempts(3)
              .setCallsPerSecond(20)
              .setTimeout(Duration.ofMillis(150))
              .build(),
          MirrorSettings.builder()
              .setWarehouse(warehouse)
              .setKeys(KeyColumns.parse(List.of("id")))
              .build(),
          input.toString());
      PipelineResult result = pipeline.run();
      assertThat(Runs.finish(result), equalTo(PipelineResult.State.DONE));
      // one lookup per shard of ids (ids 1 and 2 fall in different shards), three attempts each
      assertThat(RunCounts.of(result).get(StarflowMetrics.LOOKUP_CALLS), equalTo(2L));
      assertThat(api.calls(), equalTo(6L));
      List<String> reasons =
          Tables.rows(warehouse, "SELECT reason FROM dead_letter ORDER BY source");
      assertThat(reasons.size(), equalTo(3));
      for (String reason : reasons) {
        assertThat(
            reason,
            org.hamcrest.Matchers.matchesPattern(
                "lookup of order_details [12] failed after 3 attempts: (HTTP 503|no answer within"
                    + " 150 ms)"));
      }
    }
  }
}
