package io.starflow.transforms.events;

import static org.apache.beam.sdk.util.Preconditions.checkArgumentNotNull;

import io.starflow.schemas.DomainEvent;
import io.starflow.schemas.DomainEventCoder;
import io.starflow.schemas.RawRecord;
import io.starflow.transforms.BadRecords;
import io.starflow.transforms.DecodeException;
import io.starflow.transforms.StarflowMetrics;
import org.apache.beam.sdk.metrics.Counter;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.transforms.errorhandling.BadRecord;
import org.apache.beam.sdk.transforms.errorhandling.BadRecordRouter;
import org.apache.beam.sdk.transforms.errorhandling.ErrorHandler;
import org.apache.beam.sdk.transforms.errorhandling.ErrorHandler.DefaultErrorHandler;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PCollectionTuple;
import org.apache.beam.sdk.values.TupleTag;
import org.apache.beam.sdk.values.TupleTagList;

/**
 * Decodes JSON domain events ({@link DomainEventJson}); a record that is not one goes to the error
 * handler (stage {@code decode}) with the reason.
 */
public final class DecodeDomainEvents
    extends PTransform<PCollection<RawRecord>, PCollection<DomainEvent>> {
  private static final TupleTag<DomainEvent> DECODED = new TupleTag<DomainEvent>() {};

  private final ErrorHandler<BadRecord, ?> errorHandler;
  private final BadRecordRouter router;

  private DecodeDomainEvents(ErrorHandler<BadRecord, ?> errorHandler, BadRecordRouter router) {
    this.errorHandler = errorHandler;
    this.router = router;
  }

  public static DecodeDomainEvents create() {
    return new DecodeDomainEvents(new DefaultErrorHandler<>(), BadRecordRouter.THROWING_ROUTER);
  }

  /** Sends records that are not domain events to {@code handler} instead of failing. */
  public DecodeDomainEvents withBadRecordErrorHandler(ErrorHandler<BadRecord, ?> handler) {
    checkArgumentNotNull(handler, "withBadRecordErrorHandler(handler) called with null handler");
    return new DecodeDomainEvents(handler, BadRecordRouter.RECORDING_ROUTER);
  }

  @Override
  public PCollection<DomainEvent> expand(PCollection<RawRecord> input) {
    PCollectionTuple result =
        input.apply(
            "DecodeEvents",
            ParDo.of(new DecodeFn(router))
                .withOutputTags(DECODED, TupleTagList.of(BadRecordRouter.BAD_RECORD_TAG)));
    BadRecords.collect(errorHandler, result);
    return result.get(DECODED).setCoder(DomainEventCoder.of());
  }

  private static final class DecodeFn extends DoFn<RawRecord, DomainEvent> {
    private final BadRecordRouter router;
    private final Counter decoded = StarflowMetrics.counter(StarflowMetrics.DECODED);
    private final Counter failed = StarflowMetrics.counter(StarflowMetrics.DECODE_FAILED);

    DecodeFn(BadRecordRouter router) {
      this.router = router;
    }

    @ProcessElement
    public void process(@Element RawRecord raw, MultiOutputReceiver out) throws Exception {
      try {
        out.get(DECODED).output(DomainEventJson.decode(raw.value(), raw.origin()));
        decoded.inc();
      } catch (DecodeException | IllegalArgumentException e) {
        failed.inc();
        BadRecords.route(router, out, "decode", raw, e, e.getMessage());
      }
    }
  }
}
