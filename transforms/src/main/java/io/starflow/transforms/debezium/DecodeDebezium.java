package io.starflow.transforms.debezium;

import static org.apache.beam.sdk.util.Preconditions.checkArgumentNotNull;

import com.google.auto.value.AutoValue;
import io.starflow.schemas.ChangeRecord;
import io.starflow.schemas.ChangeRecordCoder;
import io.starflow.schemas.Identifiers;
import io.starflow.schemas.KeyColumns;
import io.starflow.schemas.RawRecord;
import io.starflow.schemas.Truncation;
import io.starflow.schemas.WarehouseNames;
import io.starflow.transforms.BadRecords;
import java.util.Map;
import javax.annotation.Nullable;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.transforms.display.DisplayData;
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
 * Decodes Debezium JSON record values (with or without the {@code schema}/{@code payload} wrapper)
 * into {@link ChangeRecord}s.
 *
 * <p>Input: {@link RawRecord}s, one Kafka record value each; a null value or the JSON literal
 * {@code null} is a tombstone, counted ({@code tombstones_skipped}) and skipped; so is a valid
 * record that changes no row (a transaction boundary, a logical decoding message: {@code
 * not_row_changes_skipped}). Output ({@link Result}): one change record per row change, carrying
 * its origin, in the input's windows and with its timestamps; and the origins of the records
 * skipped, for committing source offsets. Nothing is reordered here (ordering is by {@link
 * ChangeRecord#position()} downstream, never by arrival).
 *
 * <p>Records that cannot be decoded (malformed JSON, a missing or unknown {@code op}, a missing key
 * column, a value that does not fit its declared type, a truncate, an unsupported connector) go to
 * the error handler given with {@link #withBadRecordErrorHandler}, with the reason as the failure
 * description; without one, the first such record fails the pipeline.
 */
@AutoValue
public abstract class DecodeDebezium
    extends PTransform<PCollection<RawRecord>, DecodeDebezium.Result> {
  private static final TupleTag<ChangeRecord> DECODED = new TupleTag<ChangeRecord>() {};
  private static final TupleTag<String> TOMBSTONES = new TupleTag<String>() {};
  private static final TupleTag<Truncation> TRUNCATIONS = new TupleTag<Truncation>() {};

  /** The stage named in dead letters of records that cannot be decoded. */
  public static final String STAGE = "decode";

  abstract @Nullable KeyColumns keys();

  abstract @Nullable String table();

  abstract String unavailablePlaceholder();

  abstract ErrorHandler<BadRecord, ?> badRecordErrorHandler();

  abstract BadRecordRouter badRecordRouter();

  abstract Builder toBuilder();

  static DecodeDebezium create() {
    return new AutoValue_DecodeDebezium.Builder()
        .setUnavailablePlaceholder(DebeziumDecoder.DEFAULT_UNAVAILABLE_PLACEHOLDER)
        .setBadRecordErrorHandler(new DefaultErrorHandler<>())
        .setBadRecordRouter(BadRecordRouter.THROWING_ROUTER)
        .build();
  }

  /** The natural key columns of each table (required). */
  public DecodeDebezium withKeys(KeyColumns keys) {
    checkArgumentNotNull(keys, "withKeys(keys) called with null keys");
    return toBuilder().setKeys(keys).build();
  }

  /** Sends every record to this mirror table instead of the one named by {@code source.table}. */
  public DecodeDebezium withTable(String table) {
    checkArgumentNotNull(table, "withTable(table) called with null table");
    Identifiers.check("withTable(table): table", table);
    if (!WarehouseNames.table(table).equals(table)) {
      throw new IllegalArgumentException(
          "withTable(table): '" + table + "' is a name Starflow uses for its own tables");
    }
    return toBuilder().setTable(table).build();
  }

  /**
   * The connector's {@code unavailable.value.placeholder}, if it is not Debezium's default {@value
   * DebeziumDecoder#DEFAULT_UNAVAILABLE_PLACEHOLDER}.
   */
  public DecodeDebezium withUnavailablePlaceholder(String placeholder) {
    if (placeholder == null || placeholder.isEmpty()) {
      throw new IllegalArgumentException(
          "withUnavailablePlaceholder(placeholder): placeholder must not be empty");
    }
    return toBuilder().setUnavailablePlaceholder(placeholder).build();
  }

  /** Sends records that cannot be decoded to {@code handler} instead of failing. */
  public DecodeDebezium withBadRecordErrorHandler(ErrorHandler<BadRecord, ?> handler) {
    checkArgumentNotNull(handler, "withBadRecordErrorHandler(handler) called with null handler");
    return toBuilder()
        .setBadRecordErrorHandler(handler)
        .setBadRecordRouter(BadRecordRouter.RECORDING_ROUTER)
        .build();
  }

  /** What decoding gives: change records, and the origins of the tombstones it skipped. */
  public static final class Result implements POutput {
    private final Pipeline pipeline;
    private final PCollection<ChangeRecord> records;
    private final PCollection<String> tombstones;
    private final PCollection<Truncation> truncations;

    Result(
        Pipeline pipeline,
        PCollection<ChangeRecord> records,
        PCollection<String> tombstones,
        PCollection<Truncation> truncations) {
      this.pipeline = pipeline;
      this.records = records;
      this.tombstones = tombstones;
      this.truncations = truncations;
    }

    /** The truncates ({@code op: "t"}): to apply with {@code Mirror.applyTruncations}. */
    public PCollection<Truncation> truncations() {
      return truncations;
    }

    public PCollection<ChangeRecord> records() {
      return records;
    }

    /** Origins of the tombstones and other records skipped: handled, with nothing to write. */
    public PCollection<String> tombstones() {
      return tombstones;
    }

    @Override
    public Pipeline getPipeline() {
      return pipeline;
    }

    @Override
    public Map<TupleTag<?>, PValue> expand() {
      return Map.of(DECODED, records, TOMBSTONES, tombstones, TRUNCATIONS, truncations);
    }

    @Override
    public void finishSpecifyingOutput(
        String transformName, PInput input, PTransform<?, ?> transform) {}
  }

  /** The decoder this transform's configuration makes, for steps that decode as they read. */
  public DebeziumDecoder decoder() {
    KeyColumns keys = keys();
    if (keys == null) {
      throw new IllegalArgumentException(
          "DecodeDebezium needs key columns: call withKeys(KeyColumns)");
    }
    return new DebeziumDecoder(keys, table(), unavailablePlaceholder());
  }

  @Override
  public Result expand(PCollection<RawRecord> input) {
    DebeziumDecoder decoder = decoder();
    PCollectionTuple result =
        input.apply(
            "DecodeEnvelopes",
            ParDo.of(new DecodeFn(decoder, badRecordRouter()))
                .withOutputTags(
                    DECODED,
                    TupleTagList.of(BadRecordRouter.BAD_RECORD_TAG)
                        .and(TOMBSTONES)
                        .and(TRUNCATIONS)));
    BadRecords.collect(badRecordErrorHandler(), result);
    return new Result(
        input.getPipeline(),
        result.get(DECODED).setCoder(ChangeRecordCoder.of()),
        result.get(TOMBSTONES).setCoder(StringUtf8Coder.of()),
        result.get(TRUNCATIONS).setCoder(Truncation.coder()));
  }

  @Override
  public void populateDisplayData(DisplayData.Builder builder) {
    super.populateDisplayData(builder);
    builder
        .addIfNotNull(
            DisplayData.item("keys", keys() == null ? null : keys().toString())
                .withLabel("Key columns"))
        .addIfNotNull(DisplayData.item("table", table()).withLabel("Mirror table override"))
        .add(
            DisplayData.item("unavailablePlaceholder", unavailablePlaceholder())
                .withLabel("Unchanged-value placeholder"));
  }

  @AutoValue.Builder
  abstract static class Builder {
    abstract Builder setKeys(KeyColumns keys);

    abstract Builder setTable(String table);

    abstract Builder setUnavailablePlaceholder(String placeholder);

    abstract Builder setBadRecordErrorHandler(ErrorHandler<BadRecord, ?> handler);

    abstract Builder setBadRecordRouter(BadRecordRouter router);

    abstract DecodeDebezium build();
  }

  private static final class DecodeFn extends DoFn<RawRecord, ChangeRecord> {
    private final DebeziumDecoding decoding;
    private final BadRecordRouter router;

    DecodeFn(DebeziumDecoder decoder, BadRecordRouter router) {
      this.decoding = new DebeziumDecoding(decoder);
      this.router = router;
    }

    @FinishBundle
    public void finishBundle() {
      decoding.flush();
    }

    @ProcessElement
    public void process(@Element RawRecord raw, MultiOutputReceiver out) throws Exception {
      decoding.decode(
          raw,
          new DebeziumDecoding.Outcomes() {
            @Override
            public void change(ChangeRecord record) {
              out.get(DECODED).output(record);
            }

            @Override
            public void truncation(Truncation truncation) {
              out.get(TRUNCATIONS).output(truncation);
            }

            @Override
            public void skipped(RawRecord skipped) {
              out.get(TOMBSTONES).output(skipped.origin());
            }

            @Override
            public void failed(RawRecord failed, Exception cause, String reason) throws Exception {
              BadRecords.route(router, out, STAGE, failed, cause, reason);
            }
          });
    }
  }
}
