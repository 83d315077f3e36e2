package io.starflow.pipelines;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.equalTo;

import io.starflow.pipelines.sample.OrderApi;
import io.starflow.schemas.ChangeRecord;
import io.starflow.schemas.RawRecord;
import io.starflow.schemas.RawRecordCoder;
import io.starflow.transforms.enrich.EnrichNotifications;
import org.apache.beam.sdk.testing.PAssert;
import org.apache.beam.sdk.testing.TestPipeline;
import org.apache.beam.sdk.testing.TestStream;
import org.apache.beam.sdk.transforms.MapElements;
import org.apache.beam.sdk.values.TypeDescriptors;
import org.joda.time.Duration;
import org.junit.Rule;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.junit.runners.JUnit4;

/** On a stream, batches close by time too, and a record looked up once is served from cache. */
@RunWith(JUnit4.class)
public class NotificationsStreamingTest {
  @Rule public final transient TestPipeline p = TestPipeline.create();

  private static RawRecord notification(int line, String id, String time) {
    return RawRecord.of(
        "stream:" + line,
        "{\"event\":\"OrderPaid\",\"id\":\"" + id + "\",\"time\":\"" + time + "\"}");
  }

  @Test
  public void batchesCloseAfterTheLongestWaitAndTheCacheSavesCalls() throws Exception {
    try (OrderApi api = OrderApi.start()) {
      TestStream<RawRecord> stream =
          TestStream.create(RawRecordCoder.of())
              .addElements(
                  notification(1, "901", "2025-11-28T10:00:00Z"),
                  notification(2, "902", "2025-11-28T10:00:01Z"),
                  notification(3, "901", "2025-11-28T10:00:02Z"))
              .advanceProcessingTime(Duration.standardSeconds(6))
              .addElements(
                  notification(4, "901", "2025-11-28T10:01:00Z"),
                  notification(5, "902", "2025-11-28T10:01:01Z"))
              .advanceProcessingTime(Duration.standardSeconds(6))
              .advanceWatermarkToInfinity();
      PAssert.that(
              p.apply(stream)
                  .apply(
                      EnrichNotifications.with(
                          EnrichNotifications.Settings.builder(api.url(), "order_details")
                              .setBatchSize(1_000)
                              .setMaxWait(Duration.standardSeconds(5))
                              .setCacheTtl(java.time.Duration.ofMinutes(1))
                              .build()))
                  .apply(
                      MapElements.into(TypeDescriptors.strings())
                          .via((ChangeRecord r) -> r.column("id").value() + "@" + r.origin())))
          // on a stream every notification gets its record, so that each one's offset can be
          // committed once the row is written; the record of 901 is looked up once for lines 1, 3
          .containsInAnyOrder(
              "901@stream:1", "901@stream:3", "902@stream:2", "901@stream:4", "902@stream:5");
      p.run().waitUntilFinish();
      // the first batch closes after 5 s and looks both ids up, in at most one call per shard;
      // the second is served from the cache
      assertThat(api.idsAsked(), equalTo(2L));
    }
  }
}
