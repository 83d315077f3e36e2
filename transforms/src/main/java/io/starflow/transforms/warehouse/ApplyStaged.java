package io.starflow.transforms.warehouse;

import io.starflow.transforms.StarflowMetrics;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import org.apache.beam.sdk.coders.KvCoder;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.coders.VarLongCoder;
import org.apache.beam.sdk.metrics.Counter;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.GroupByKey;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.transforms.display.DisplayData;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PCollection;

/**
 * Applies what {@link StageChanges} staged, one table at a time, set-based in the warehouse ({@link
 * MirrorWriter#applyStaged}): the history of every version, and the latest version per key to the
 * mirror with the guarded upsert. Runs once every version of a table is staged (after the grouping
 * by table), so compaction sees them all.
 *
 * <p>Input: {@code (table, stage)}. Output: per table, the mirror rows changed. When the warehouse
 * refuses a table's batch, its versions are dead-lettered there (stage {@code apply}) and the other
 * tables go on. Delivery: applying again changes nothing (the writes are guarded).
 */
public final class ApplyStaged
    extends PTransform<PCollection<KV<String, String>>, PCollection<KV<String, Long>>> {
  private final Warehouse warehouse;
  private final boolean history;

  private ApplyStaged(Warehouse warehouse, boolean history) {
    this.warehouse = warehouse;
    this.history = history;
  }

  /** Applies what {@code stage} staged, to its warehouse and with its history setting. */
  static ApplyStaged of(StageChanges stage) {
    return new ApplyStaged(stage.warehouse(), stage.history());
  }

  @Override
  public PCollection<KV<String, Long>> expand(PCollection<KV<String, String>> staged) {
    return staged
        .apply("GroupByTable", GroupByKey.create())
        .apply("ApplyTables", ParDo.of(new ApplyFn(warehouse, history)))
        .setCoder(KvCoder.of(StringUtf8Coder.of(), VarLongCoder.of()));
  }

  @Override
  public void populateDisplayData(DisplayData.Builder builder) {
    super.populateDisplayData(builder);
    builder.add(DisplayData.item("warehouse", warehouse.displayUrl()).withLabel("Warehouse"));
  }

  private static final class ApplyFn extends DoFn<KV<String, Iterable<String>>, KV<String, Long>> {
    private final Warehouse warehouse;
    private final boolean history;
    private final Counter applied = StarflowMetrics.counter(StarflowMetrics.APPLIED);
    private final Counter changed = StarflowMetrics.counter(StarflowMetrics.CHANGED);
    private final Counter stale = StarflowMetrics.counter(StarflowMetrics.STALE);
    private final Counter compacted = StarflowMetrics.counter(StarflowMetrics.COMPACTED);
    private final Counter refused = StarflowMetrics.counter(StarflowMetrics.APPLY_FAILED);
    private final Counter historyAdded = StarflowMetrics.counter(StarflowMetrics.HISTORY_ADDED);
    private transient MirrorWriter writer;

    ApplyFn(Warehouse warehouse, boolean history) {
      this.warehouse = warehouse;
      this.history = history;
    }

    @Setup
    public void setup() throws SQLException {
      writer = MirrorWriter.open(warehouse);
    }

    @ProcessElement
    public void process(
        @Element KV<String, Iterable<String>> table, OutputReceiver<KV<String, Long>> out)
        throws SQLException {
      List<String> stages = new ArrayList<>(new TreeSet<String>(toList(table.getValue())));
      MirrorWriter.StagedResult result = writer.applyStaged(table.getKey(), stages, history);
      applied.inc(result.applied);
      changed.inc(result.changed);
      stale.inc(result.applied - result.changed);
      compacted.inc(result.applied + result.refused);
      refused.inc(result.refused);
      historyAdded.inc(result.historyAdded);
      out.output(KV.of(table.getKey(), result.changed));
    }

    private static List<String> toList(Iterable<String> names) {
      List<String> list = new ArrayList<>();
      names.forEach(list::add);
      return list;
    }

    @Teardown
    public void teardown() throws SQLException {
      if (writer != null) {
        writer.close();
      }
    }
  }
}
