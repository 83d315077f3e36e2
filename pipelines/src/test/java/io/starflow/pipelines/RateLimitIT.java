package io.starflow.pipelines;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.greaterThan;
import static org.hamcrest.Matchers.lessThanOrEqualTo;

import io.starflow.pipelines.sample.OrderApi;
import io.starflow.schemas.KeyColumns;
import io.starflow.transforms.enrich.EnrichNotifications;
import io.starflow.transforms.testing.Runs;
import io.starflow.transforms.testing.TestWarehouses;
import io.starflow.transforms.warehouse.Warehouse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.PipelineResult;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;
import org.junit.runner.RunWith;
import org.junit.runners.JUnit4;

/**
 * The rate limit holds at the service, retries included: runs of an enrichment whose lookups fail
 * (HTTP 503, answers slower than the timeout) and are retried, judged by the service's own record
 * of when each call arrived.
 */
@RunWith(JUnit4.class)
public class RateLimitIT {
  private static final int RUNS = 8;
  private static final int LIMIT = 5;

  @Rule public final TemporaryFolder folder = new TemporaryFolder();

  @Test
  public void noSecondEverSeesMoreCallsThanTheLimit() throws Exception {
    Path input = folder.newFolder().toPath().resolve("notifications.jsonl");
    List<String> lines = new ArrayList<>();
    for (int i = 0; i < 1_500; i++) {
      lines.add("{\"event\":\"OrderPaid\",\"id\":\"" + i + "\",\"time\":\"2025-11-28T08:00:00Z\"}");
    }
    Files.write(input, lines);
    List<Long> peaks = new ArrayList<>();
    for (int run = 0; run < RUNS; run++) {
      try (OrderApi api = OrderApi.start().failing(0.3, 250)) {
        Warehouse warehouse = TestWarehouses.duckDb(folder.newFolder().toPath());
        Pipeline pipeline = Pipeline.create(PipelineOptionsFactory.create());
        NotificationsPipeline.fromFiles(
            pipeline,
            EnrichNotifications.Settings.builder(api.url(), "order_details")
                .setIdsPerCall(100)
                .setCallsPerSecond(LIMIT)
                .setAttempts(8)
                .setTimeout(Duration.ofMillis(150))
                .build(),
            MirrorSettings.builder()
                .setWarehouse(warehouse)
                .setKeys(KeyColumns.parse(List.of("id")))
                .build(),
            input.toString());
        assertThat(Runs.finish(pipeline.run()), equalTo(PipelineResult.State.DONE));
        assertThat(api.failedCalls(), greaterThan(0L));
        peaks.add(api.peakCallsPerSecond());
        assertThat(
            "peaks so far " + peaks, api.peakCallsPerSecond(), lessThanOrEqualTo((long) LIMIT));
      }
    }
    System.out.println("peak calls per second in " + RUNS + " runs: " + peaks);
  }
}
