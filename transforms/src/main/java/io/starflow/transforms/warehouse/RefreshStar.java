package io.starflow.transforms.warehouse;

import io.starflow.schemas.model.WarehouseModel;
import io.starflow.transforms.StarflowMetrics;
import java.util.Map;
import org.apache.beam.sdk.coders.KvCoder;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.coders.VarLongCoder;
import org.apache.beam.sdk.metrics.Counter;
import org.apache.beam.sdk.transforms.Combine;
import org.apache.beam.sdk.transforms.Count;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.Filter;
import org.apache.beam.sdk.transforms.MapElements;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.transforms.windowing.AfterProcessingTime;
import org.apache.beam.sdk.transforms.windowing.GlobalWindows;
import org.apache.beam.sdk.transforms.windowing.Repeatedly;
import org.apache.beam.sdk.transforms.windowing.Window;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.TypeDescriptors;
import org.joda.time.Duration;

/**
 * Runs {@link StarRefresh} for a model after the writes it follows: once at the end of a bounded
 * run (also when it wrote nothing, so the dimensions exist), and in a streaming run at most once
 * per interval while writes keep coming. The refresh computes from the warehouse's history tables,
 * so any element of the input only says "something was written". Output: per refresh, each star
 * table and the rows it changed.
 */
public final class RefreshStar extends PTransform<PCollection<?>, PCollection<KV<String, Long>>> {
  /** How long a streaming run lets writes gather before it refreshes the star. */
  public static final Duration DEFAULT_INTERVAL = Duration.standardSeconds(30);

  private final Warehouse warehouse;
  private final WarehouseModel model;
  private final Duration interval;

  private RefreshStar(Warehouse warehouse, WarehouseModel model, Duration interval) {
    this.warehouse = warehouse;
    this.model = model;
    this.interval = interval;
  }

  static RefreshStar create(Warehouse warehouse, WarehouseModel model) {
    return new RefreshStar(warehouse, model, DEFAULT_INTERVAL);
  }

  /** In a streaming run, the longest a write waits before the star shows it. */
  public RefreshStar withInterval(Duration interval) {
    if (!interval.isLongerThan(Duration.ZERO)) {
      throw new IllegalArgumentException(
          "withInterval(interval): must be positive, was " + interval);
    }
    return new RefreshStar(warehouse, model, interval);
  }

  @Override
  public PCollection<KV<String, Long>> expand(PCollection<?> input) {
    PCollection<Long> written =
        input.apply("Written", MapElements.into(TypeDescriptors.longs()).via((Object any) -> 1L));
    PCollection<Long> signals;
    if (input.isBounded() == PCollection.IsBounded.BOUNDED) {
      signals =
          written
              .apply("InGlobalWindow", Window.<Long>into(new GlobalWindows()))
              .apply("AfterAllWrites", Count.globally());
    } else {
      signals =
          written
              .apply(
                  "EveryInterval",
                  Window.<Long>into(new GlobalWindows())
                      .triggering(
                          Repeatedly.forever(
                              AfterProcessingTime.pastFirstElementInPane().plusDelayOf(interval)))
                      .discardingFiredPanes()
                      .withAllowedLateness(Duration.ZERO))
              .apply("WritesSinceLast", Combine.globally(Count.<Long>combineFn()).withoutDefaults())
              // the pane that closes the global window at the end of a run can be empty
              .apply("OnlyAfterWrites", Filter.by((Long writes) -> writes > 0));
    }
    return signals
        .apply("Refresh", ParDo.of(new RefreshFn(warehouse, model)))
        .setCoder(KvCoder.of(StringUtf8Coder.of(), VarLongCoder.of()));
  }

  private static final class RefreshFn extends DoFn<Long, KV<String, Long>> {
    private final Warehouse warehouse;
    private final WarehouseModel model;
    private final Counter refreshes = StarflowMetrics.counter(StarflowMetrics.STAR_REFRESHES);
    private final Counter changed = StarflowMetrics.counter(StarflowMetrics.STAR_ROWS_CHANGED);

    RefreshFn(Warehouse warehouse, WarehouseModel model) {
      this.warehouse = warehouse;
      this.model = model;
    }

    @ProcessElement
    public void process(@Element Long writes, OutputReceiver<KV<String, Long>> out)
        throws Exception {
      try (WarehouseSession session = WarehouseSession.open(warehouse)) {
        Map<String, Long> result = new StarRefresh(warehouse, model).refresh(session);
        refreshes.inc();
        for (Map.Entry<String, Long> table : result.entrySet()) {
          changed.inc(table.getValue());
          out.output(KV.of(table.getKey(), table.getValue()));
        }
      }
    }
  }
}
