package io.starflow.transforms.compact;

import io.starflow.schemas.ChangeRecord;
import io.starflow.schemas.ChangeRecordCoder;
import io.starflow.transforms.StarflowMetrics;
import org.apache.beam.sdk.coders.CannotProvideCoderException;
import org.apache.beam.sdk.coders.Coder;
import org.apache.beam.sdk.coders.CoderRegistry;
import org.apache.beam.sdk.coders.KvCoder;
import org.apache.beam.sdk.coders.NullableCoder;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.metrics.Counter;
import org.apache.beam.sdk.transforms.Combine;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.MapElements;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.TypeDescriptor;
import org.apache.beam.sdk.values.TypeDescriptors;

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
 * <p>Windowing: compaction happens within each window and pane of the input (the global window in
 * batch). Across windows, panes and runs the warehouse's guarded writes keep the latest version.
 */
public final class CompactByKey
    extends PTransform<PCollection<ChangeRecord>, PCollection<ChangeRecord>> {

  CompactByKey() {}

  @Override
  public PCollection<ChangeRecord> expand(PCollection<ChangeRecord> input) {
    return input
        .apply(
            "KeyByRow",
            MapElements.into(
                    TypeDescriptors.kvs(
                        TypeDescriptors.strings(), TypeDescriptor.of(ChangeRecord.class)))
                .via((ChangeRecord r) -> KV.of(r.rowKey(), r)))
        .setCoder(KvCoder.of(StringUtf8Coder.of(), ChangeRecordCoder.of()))
        .apply("LatestPerRow", Combine.perKey(new LatestByPosition()))
        .apply("EmitLatest", ParDo.of(new EmitLatestFn()))
        .setCoder(ChangeRecordCoder.of());
  }

  static final class LatestByPosition
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
        CoderRegistry registry, Coder<ChangeRecord> inputCoder) throws CannotProvideCoderException {
      return NullableCoder.of(LatestVersionCoder.of());
    }
  }

  private static final class EmitLatestFn extends DoFn<KV<String, ChangeRecord>, ChangeRecord> {
    private final Counter compacted = StarflowMetrics.counter(StarflowMetrics.COMPACTED);

    @ProcessElement
    public void process(
        @Element KV<String, ChangeRecord> latest, OutputReceiver<ChangeRecord> out) {
      compacted.inc();
      out.output(latest.getValue());
    }
  }
}
