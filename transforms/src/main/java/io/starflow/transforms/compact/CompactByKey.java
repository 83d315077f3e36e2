package io.starflow.transforms.compact;

import io.starflow.schemas.ChangeRecord;
import io.starflow.schemas.ChangeRecordCoder;
import io.starflow.transforms.StarflowMetrics;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.beam.sdk.coders.Coder;
import org.apache.beam.sdk.coders.CoderRegistry;
import org.apache.beam.sdk.coders.KvCoder;
import org.apache.beam.sdk.coders.MapCoder;
import org.apache.beam.sdk.coders.NullableCoder;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.metrics.Counter;
import org.apache.beam.sdk.transforms.Combine;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.transforms.display.DisplayData;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PCollection;

/**
 * Keeps, per row (table and natural key) and window, the change with the greatest source position.
 *
 * <p>Input: change records in any order, with any number of exact redeliveries. Output: one change
 * record per row and window: the latest, where a winning delete stays a delete (a tombstone
 * downstream) and columns the latest change left unavailable (unchanged TOAST values) are filled
 * from the newest older change in the window that carries them. The output is the same whatever the
 * input order and however often a record is repeated; ties at one position are broken by {@link
 * RecordOrder}.
 *
 * <p>By default changes are combined per row, which spreads best on distributed runners. {@link
 * #withShards} combines them instead in a fixed number of groups per table, each holding the latest
 * version of its rows: the same result with far fewer keys, which suits runners whose cost is per
 * key (the DirectRunner).
 *
 * <p>Windowing: compaction happens within each window and pane of the input (the global window in
 * batch). Across windows, panes and runs the warehouse's guarded writes keep the latest version.
 */
public final class CompactByKey
    extends PTransform<PCollection<ChangeRecord>, PCollection<ChangeRecord>> {
  private final int shards;

  CompactByKey(int shards) {
    this.shards = shards;
  }

  /**
   * Combines in {@code shards} groups per table instead of per row; 0 means per row. The result is
   * the same; only the number of keys the runner handles changes.
   */
  public CompactByKey withShards(int shards) {
    if (shards < 0) {
      throw new IllegalArgumentException("withShards(shards): must not be negative, was " + shards);
    }
    return new CompactByKey(shards);
  }

  @Override
  public PCollection<ChangeRecord> expand(PCollection<ChangeRecord> input) {
    KvCoder<String, ChangeRecord> keyed = KvCoder.of(StringUtf8Coder.of(), ChangeRecordCoder.of());
    if (shards == 0) {
      return input
          .apply("KeyByRow", ParDo.of(new KeyFn(0)))
          .setCoder(keyed)
          .apply("LatestPerRow", Combine.perKey(new LatestPerRow()))
          .apply("EmitLatest", ParDo.of(new EmitFn<ChangeRecord>()))
          .setCoder(ChangeRecordCoder.of());
    }
    return input
        .apply("KeyByShard", ParDo.of(new KeyFn(shards)))
        .setCoder(keyed)
        .apply("LatestPerRowInShard", Combine.perKey(new LatestInShard()))
        .apply("EmitLatest", ParDo.of(new EmitFn<List<ChangeRecord>>()))
        .setCoder(ChangeRecordCoder.of());
  }

  @Override
  public void populateDisplayData(DisplayData.Builder builder) {
    super.populateDisplayData(builder);
    builder.add(
        DisplayData.item("shards", shards == 0 ? "per row" : Integer.toString(shards))
            .withLabel("Compaction groups per table"));
  }

  private static final class KeyFn extends DoFn<ChangeRecord, KV<String, ChangeRecord>> {
    private final int shards;

    KeyFn(int shards) {
      this.shards = shards;
    }

    @ProcessElement
    public void process(
        @Element ChangeRecord record, OutputReceiver<KV<String, ChangeRecord>> out) {
      String key =
          shards == 0
              ? record.rowKey()
              : record.table() + "#" + Math.floorMod(record.key().hashCode(), shards);
      out.output(KV.of(key, record));
    }
  }

  /** The latest version of one row. */
  static final class LatestPerRow
      extends Combine.CombineFn<ChangeRecord, LatestVersion, ChangeRecord> {
    // An empty accumulator is represented by null until the first input arrives.
    @Override
    public LatestVersion createAccumulator() {
      return null;
    }

    @Override
    public LatestVersion addInput(LatestVersion accumulator, ChangeRecord input) {
      LatestVersion single = LatestVersion.of(input);
      return accumulator == null ? single : accumulator.merge(single);
    }

    @Override
    public LatestVersion mergeAccumulators(Iterable<LatestVersion> accumulators) {
      LatestVersion merged = null;
      for (LatestVersion accumulator : accumulators) {
        if (accumulator != null) {
          merged = merged == null ? accumulator : merged.merge(accumulator);
        }
      }
      return merged;
    }

    @Override
    public ChangeRecord extractOutput(LatestVersion accumulator) {
      return accumulator.result();
    }

    @Override
    public Coder<LatestVersion> getAccumulatorCoder(
        CoderRegistry registry, Coder<ChangeRecord> inputCoder) {
      return NullableCoder.of(LatestVersionCoder.of());
    }
  }

  /** The latest version of every row in one shard. */
  static final class LatestInShard
      extends Combine.CombineFn<ChangeRecord, Map<String, LatestVersion>, List<ChangeRecord>> {
    @Override
    public Map<String, LatestVersion> createAccumulator() {
      return new HashMap<>();
    }

    @Override
    public Map<String, LatestVersion> addInput(
        Map<String, LatestVersion> accumulator, ChangeRecord input) {
      accumulator.merge(input.rowKey(), LatestVersion.of(input), LatestVersion::merge);
      return accumulator;
    }

    @Override
    public Map<String, LatestVersion> mergeAccumulators(
        Iterable<Map<String, LatestVersion>> accumulators) {
      Map<String, LatestVersion> merged = null;
      for (Map<String, LatestVersion> accumulator : accumulators) {
        if (merged == null) {
          merged = accumulator;
        } else {
          for (Map.Entry<String, LatestVersion> entry : accumulator.entrySet()) {
            merged.merge(entry.getKey(), entry.getValue(), LatestVersion::merge);
          }
        }
      }
      return merged == null ? new HashMap<>() : merged;
    }

    @Override
    public List<ChangeRecord> extractOutput(Map<String, LatestVersion> accumulator) {
      List<ChangeRecord> latest = new ArrayList<>(accumulator.size());
      accumulator.values().forEach(version -> latest.add(version.result()));
      return latest;
    }

    @Override
    public Coder<Map<String, LatestVersion>> getAccumulatorCoder(
        CoderRegistry registry, Coder<ChangeRecord> inputCoder) {
      return MapCoder.of(StringUtf8Coder.of(), LatestVersionCoder.of());
    }
  }

  private static final class EmitFn<T> extends DoFn<KV<String, T>, ChangeRecord> {
    private final Counter compacted = StarflowMetrics.counter(StarflowMetrics.COMPACTED);

    @ProcessElement
    @SuppressWarnings("unchecked")
    public void process(@Element KV<String, T> latest, OutputReceiver<ChangeRecord> out) {
      Object value = latest.getValue();
      if (value instanceof ChangeRecord) {
        compacted.inc();
        out.output((ChangeRecord) value);
        return;
      }
      List<ChangeRecord> records = (List<ChangeRecord>) value;
      compacted.inc(records.size());
      records.forEach(out::output);
    }
  }
}
