package io.starflow.transforms;

import io.starflow.schemas.RawRecord;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.errorhandling.BadRecord;
import org.apache.beam.sdk.transforms.errorhandling.BadRecordRouter;
import org.apache.beam.sdk.transforms.errorhandling.ErrorHandler;
import org.apache.beam.sdk.values.PCollectionTuple;

/**
 * How every stage hands on the records it cannot take: routed as Beam bad records with a {@link
 * FailedRecord}, collected into the pipeline's error handler (the dead-letter sink sits above, in
 * {@code deadletter}).
 */
public final class BadRecords {
  private BadRecords() {}

  /**
   * Gives the bad records a transform routed to {@link BadRecordRouter#BAD_RECORD_TAG} to {@code
   * handler}.
   */
  public static void collect(ErrorHandler<BadRecord, ?> handler, PCollectionTuple result) {
    handler.addErrorCollection(
        result
            .get(BadRecordRouter.BAD_RECORD_TAG)
            .setCoder(BadRecord.getCoder(result.getPipeline())));
  }

  /**
   * Sends {@code raw}, which failed at {@code stage} for {@code reason}, to the dead letters
   * through {@code router}: the record whole, with its origin.
   */
  public static void route(
      BadRecordRouter router,
      DoFn.MultiOutputReceiver out,
      String stage,
      RawRecord raw,
      Exception cause,
      String reason)
      throws Exception {
    router.route(
        out,
        FailedRecord.of(stage, raw.origin(), raw.value()),
        FailedRecord.coder(),
        cause,
        reason);
  }
}
