package io.starflow.transforms.pii;

import io.starflow.schemas.ChangeRecord;
import io.starflow.schemas.ChangeRecordCoder;
import org.apache.beam.sdk.transforms.MapElements;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.TypeDescriptor;

/** Masks the PII columns of change records ({@link PiiMasking}) before anything writes them. */
public final class MaskPii
    extends PTransform<PCollection<ChangeRecord>, PCollection<ChangeRecord>> {
  private final PiiMasking masking;

  private MaskPii(PiiMasking masking) {
    this.masking = masking;
  }

  public static MaskPii with(PiiMasking masking) {
    return new MaskPii(masking);
  }

  @Override
  public PCollection<ChangeRecord> expand(PCollection<ChangeRecord> input) {
    PiiMasking pii = masking;
    return input
        .apply(
            "MaskColumns", MapElements.into(TypeDescriptor.of(ChangeRecord.class)).via(pii::mask))
        .setCoder(ChangeRecordCoder.of());
  }
}
