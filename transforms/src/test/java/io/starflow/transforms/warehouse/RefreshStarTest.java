package io.starflow.transforms.warehouse;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.equalTo;

import io.starflow.schemas.ChangeRecord;
import io.starflow.schemas.SourcePosition;
import io.starflow.transforms.testing.Tables;
import io.starflow.transforms.testing.TestWarehouses;
import java.time.Instant;
import java.util.List;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.testing.PAssert;
import org.apache.beam.sdk.testing.TestPipeline;
import org.apache.beam.sdk.testing.TestStream;
import org.apache.beam.sdk.transforms.Create;
import org.apache.beam.sdk.transforms.Filter;
import org.apache.beam.sdk.transforms.Keys;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PCollection;
import org.joda.time.Duration;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;
import org.junit.runner.RunWith;
import org.junit.runners.JUnit4;

@RunWith(JUnit4.class)
public class RefreshStarTest {
  @Rule public final transient TestPipeline p = TestPipeline.create();
  @Rule public final transient TemporaryFolder folder = new TemporaryFolder();

  private Warehouse withHistory() throws Exception {
    Warehouse warehouse = TestWarehouses.duckDb(folder.getRoot().toPath());
    Instant at = Instant.ofEpochSecond(StarContract.EPOCH + 500);
    try (MirrorWriter writer = MirrorWriter.open(warehouse)) {
      List<ChangeRecord> changes =
          List.of(
              StarContract.customer(1, 100, "retail", "Ann"),
              StarContract.customer(1, 300, "vip", "Ann"),
              StarContract.order(1, 400, 1L, at, "12.50"));
      writer.writeHistory(changes);
    }
    return warehouse;
  }

  private static PCollection<String> facts(PCollection<KV<String, Long>> refreshed) {
    return refreshed
        .apply(Filter.by((KV<String, Long> kv) -> kv.getKey().equals("fact_order")))
        .apply(Keys.create());
  }

  @Test
  public void aStreamingRunRefreshesOncePerIntervalWhileWritesArrive() throws Exception {
    Warehouse warehouse = withHistory();
    TestStream<String> writes =
        TestStream.create(StringUtf8Coder.of())
            .addElements("batch 1", "batch 2")
            .advanceProcessingTime(Duration.standardSeconds(11))
            .addElements("batch 3")
            .advanceProcessingTime(Duration.standardSeconds(11))
            .advanceProcessingTime(Duration.standardSeconds(11))
            .advanceWatermarkToInfinity();
    PCollection<KV<String, Long>> refreshed =
        p.apply(writes)
            .apply(
                Mirror.refreshStar(warehouse, StarContract.model())
                    .withInterval(Duration.standardSeconds(10)));
    PAssert.that(facts(refreshed)).containsInAnyOrder("fact_order", "fact_order");
    p.run().waitUntilFinish();
    assertThat(Tables.count(warehouse, "SELECT count(*) FROM fact_order"), equalTo(1L));
    assertThat(
        "two versions and the unknown member",
        Tables.count(warehouse, "SELECT count(*) FROM dim_customer"),
        equalTo(3L));
    assertThat(
        Tables.count(
            warehouse,
            "SELECT count(*) FROM fact_order f JOIN dim_customer d"
                + " ON d.customer_key = f.customer_key WHERE d.segment = 'vip' AND d._position = '"
                + SourcePosition.of(0, 300).encoded()
                + "'"),
        equalTo(1L));
  }

  @Test
  public void aBoundedRunRefreshesOnceAtTheEndEvenWhenNothingWasWritten() throws Exception {
    Warehouse warehouse = withHistory();
    PCollection<KV<String, Long>> refreshed =
        p.apply(Create.empty(StringUtf8Coder.of()))
            .apply(Mirror.refreshStar(warehouse, StarContract.model()));
    PAssert.that(facts(refreshed)).containsInAnyOrder("fact_order");
    p.run().waitUntilFinish();
    assertThat(Tables.count(warehouse, "SELECT count(*) FROM fact_order"), equalTo(1L));
    assertThat(Tables.count(warehouse, "SELECT count(*) FROM dim_date"), equalTo(8L));
  }
}
