package io.starflow.transforms.warehouse;

import static org.apache.beam.sdk.util.Preconditions.checkArgumentNotNull;

import io.starflow.schemas.Truncation;
import io.starflow.transforms.StarflowMetrics;
import java.sql.SQLException;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.metrics.Counter;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.transforms.display.DisplayData;
import org.apache.beam.sdk.values.PCollection;

/**
 * Applies truncates of source tables to their mirror and history tables ({@link
 * MirrorWriter#truncate}): rows older than a truncate become tombstones at its position, the
 * history gets a deletion there for every key with an older version, and the truncation is kept so
 * that older versions arriving later are handled the same way.
 *
 * <p>Input: truncations, in any order and with any redeliveries: the result depends only on the set
 * of truncations and changes, never on the order they are written in. Output: the origins of the
 * truncates applied, once each is committed. Delivery: a retried bundle applies them again, which
 * changes nothing.
 */
public final class ApplyTruncations
    extends PTransform<PCollection<Truncation>, PCollection<String>> {
  private final Warehouse warehouse;

  private ApplyTruncations(Warehouse warehouse) {
    this.warehouse = warehouse;
  }

  static ApplyTruncations create(Warehouse warehouse) {
    checkArgumentNotNull(warehouse, "Mirror.applyTruncations(warehouse) called with null");
    return new ApplyTruncations(warehouse);
  }

  @Override
  public PCollection<String> expand(PCollection<Truncation> input) {
    return input
        .apply("ApplyTruncation", ParDo.of(new TruncateFn(warehouse)))
        .setCoder(StringUtf8Coder.of());
  }

  @Override
  public void populateDisplayData(DisplayData.Builder builder) {
    super.populateDisplayData(builder);
    builder.add(DisplayData.item("warehouse", warehouse.displayUrl()).withLabel("Warehouse"));
  }

  private static final class TruncateFn extends DoFn<Truncation, String> {
    private final Warehouse warehouse;
    private final Counter applied = StarflowMetrics.counter(StarflowMetrics.TRUNCATIONS_APPLIED);
    private transient MirrorWriter writer;

    TruncateFn(Warehouse warehouse) {
      this.warehouse = warehouse;
    }

    @Setup
    public void setup() throws SQLException {
      writer = MirrorWriter.open(warehouse);
    }

    @ProcessElement
    public void process(@Element Truncation truncation, OutputReceiver<String> out)
        throws SQLException {
      writer.truncate(truncation);
      applied.inc();
      if (truncation.origin() != null) {
        out.output(truncation.origin());
      }
    }

    @Teardown
    public void teardown() throws SQLException {
      if (writer != null) {
        writer.close();
      }
    }
  }
}
