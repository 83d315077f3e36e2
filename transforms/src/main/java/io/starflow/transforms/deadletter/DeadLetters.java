package io.starflow.transforms.deadletter;

import io.starflow.schemas.RawRecord;
import io.starflow.transforms.warehouse.Warehouse;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.errorhandling.BadRecord;
import org.apache.beam.sdk.transforms.errorhandling.BadRecordRouter;
import org.apache.beam.sdk.transforms.errorhandling.ErrorHandler;
import org.apache.beam.sdk.values.PCollectionTuple;

/** Where records that Starflow cannot take end up: the warehouse's {@code dead_letter} table. */
public final class DeadLetters {
  private DeadLetters() {}

  /**
   * A sink for Beam's bad records that writes them to {@code warehouse}'s {@code dead_letter}
   * table. Register it once per pipeline with {@code pipeline.registerBadRecordErrorHandler(...)}
   * and give the handler to every fallible transform.
   */
  public static WriteDeadLetters to(Warehouse warehouse) {
    return new WriteDeadLetters(warehouse, null);
  }

  /**
   * As {@link #to(Warehouse)}, masking personal data in raw records and reasons first, when {@code
   * pii} is given.
   */
  public static WriteDeadLetters to(
      Warehouse warehouse, @javax.annotation.Nullable io.starflow.transforms.pii.PiiMasking pii) {
    return new WriteDeadLetters(warehouse, pii);
  }

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
