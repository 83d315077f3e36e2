package io.starflow.transforms.ecst;

import static org.apache.beam.sdk.util.Preconditions.checkArgumentNotNull;

import io.starflow.schemas.ChangeRecord;
import io.starflow.schemas.ChangeRecordCoder;
import io.starflow.schemas.RawRecord;
import io.starflow.transforms.BadRecords;
import io.starflow.transforms.DecodeException;
import io.starflow.transforms.StarflowMetrics;
import java.time.Instant;
import java.util.Map;
import org.apache.beam.sdk.Pipeline;
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
import org.apache.beam.sdk.values.PInput;
import org.apache.beam.sdk.values.POutput;
import org.apache.beam.sdk.values.PValue;
import org.apache.beam.sdk.values.TupleTag;
import org.apache.beam.sdk.values.TupleTagList;

/**
 * Decodes ECST events ({@link EcstFormat}) into bronze rows (for {@code bronze_<table>}: the event
 * as received, its origin, key, ingest and event time, size; keyed by origin so a replay adds
 * nothing) and change records for the entity's mirror and history. Events above the size limit
 * (stage {@code ingest}) and events that cannot be read (stage {@code decode}) go to the error
 * handler with the reason.
 */
public final class DecodeEcst extends PTransform<PCollection<RawRecord>, DecodeEcst.Result> {
  private static final TupleTag<ChangeRecord> BRONZE = new TupleTag<ChangeRecord>() {};
  private static final TupleTag<ChangeRecord> CHANGES = new TupleTag<ChangeRecord>() {};

  private final EcstFormat format;
  private final ErrorHandler<BadRecord, ?> errorHandler;
  private final BadRecordRouter router;

  private DecodeEcst(
      EcstFormat format, ErrorHandler<BadRecord, ?> errorHandler, BadRecordRouter router) {
    this.format = format;
    this.errorHandler = errorHandler;
    this.router = router;
  }

  public static DecodeEcst of(EcstFormat format) {
    checkArgumentNotNull(format, "format");
    return new DecodeEcst(format, new DefaultErrorHandler<>(), BadRecordRouter.THROWING_ROUTER);
  }

  public DecodeEcst withBadRecordErrorHandler(ErrorHandler<BadRecord, ?> handler) {
    checkArgumentNotNull(handler, "withBadRecordErrorHandler(handler) called with null handler");
    return new DecodeEcst(format, handler, BadRecordRouter.RECORDING_ROUTER);
  }

  /** Bronze rows and change records. */
  public static final class Result implements POutput {
    private final Pipeline pipeline;
    private final PCollection<ChangeRecord> bronze;
    private final PCollection<ChangeRecord> changes;

    Result(Pipeline pipeline, PCollection<ChangeRecord> bronze, PCollection<ChangeRecord> changes) {
      this.pipeline = pipeline;
      this.bronze = bronze;
      this.changes = changes;
    }

    public PCollection<ChangeRecord> bronze() {
      return bronze;
    }

    public PCollection<ChangeRecord> changes() {
      return changes;
    }

    @Override
    public Pipeline getPipeline() {
      return pipeline;
    }

    @Override
    public Map<TupleTag<?>, PValue> expand() {
      return Map.of(BRONZE, bronze, CHANGES, changes);
    }

    @Override
    public void finishSpecifyingOutput(
        String transformName, PInput input, PTransform<?, ?> transform) {}
  }

  @Override
  public Result expand(PCollection<RawRecord> input) {
    PCollectionTuple result =
        input.apply(
            "DecodeEcst",
            ParDo.of(new DecodeFn(new EcstDecoder(format), router))
                .withOutputTags(
                    CHANGES, TupleTagList.of(BRONZE).and(BadRecordRouter.BAD_RECORD_TAG)));
    BadRecords.collect(errorHandler, result);
    return new Result(
        input.getPipeline(),
        result.get(BRONZE).setCoder(ChangeRecordCoder.of()),
        result.get(CHANGES).setCoder(ChangeRecordCoder.of()));
  }

  private static final class DecodeFn extends DoFn<RawRecord, ChangeRecord> {
    private final EcstDecoder decoder;
    private final BadRecordRouter router;
    private final Counter decoded = StarflowMetrics.counter(StarflowMetrics.DECODED);
    private final Counter failed = StarflowMetrics.counter(StarflowMetrics.DECODE_FAILED);
    private final Counter oversized = StarflowMetrics.counter(StarflowMetrics.OVERSIZED);

    DecodeFn(EcstDecoder decoder, BadRecordRouter router) {
      this.decoder = decoder;
      this.router = router;
    }

    @ProcessElement
    public void process(@Element RawRecord raw, MultiOutputReceiver out) throws Exception {
      try {
        EcstDecoder.Decoded decoded = decoder.decode(raw, Instant.now());
        out.get(BRONZE).output(decoded.bronze);
        out.get(CHANGES).output(decoded.change);
        this.decoded.inc();
      } catch (EcstDecoder.OversizedException e) {
        oversized.inc();
        failed.inc();
        BadRecords.route(router, out, "ingest", raw, e, e.getMessage());
      } catch (DecodeException | IllegalArgumentException e) {
        failed.inc();
        BadRecords.route(router, out, "decode", raw, e, e.getMessage());
      }
    }
  }
}
