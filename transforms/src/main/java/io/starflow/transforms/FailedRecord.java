package io.starflow.transforms;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.google.auto.value.AutoValue;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.List;
import javax.annotation.Nullable;
import org.apache.beam.sdk.coders.AtomicCoder;
import org.apache.beam.sdk.coders.Coder;
import org.apache.beam.sdk.coders.ListCoder;
import org.apache.beam.sdk.coders.NullableCoder;
import org.apache.beam.sdk.coders.StringUtf8Coder;

/**
 * A record a stage could not take, as routed to Beam's error handler: which stage refused it, where
 * the record came from, and the record as it arrived. Its JSON form is what {@link
 * WriteDeadLetters} reads back.
 */
@AutoValue
public abstract class FailedRecord {
  @JsonProperty("stage")
  public abstract String stage();

  @JsonProperty("origin")
  public abstract String origin();

  @JsonProperty("value")
  public abstract @Nullable String value();

  @JsonProperty("covers")
  public abstract List<String> covers();

  /** A record that stands for itself: it covers its own origin. */
  public static FailedRecord of(String stage, String origin, @Nullable String value) {
    return new AutoValue_FailedRecord(stage, origin, value, List.of(origin));
  }

  public static FailedRecord of(
      String stage, String origin, @Nullable String value, List<String> covers) {
    return new AutoValue_FailedRecord(stage, origin, value, List.copyOf(covers));
  }

  public static Coder<FailedRecord> coder() {
    return FailedRecordCoder.INSTANCE;
  }

  private static final class FailedRecordCoder extends AtomicCoder<FailedRecord> {
    static final FailedRecordCoder INSTANCE = new FailedRecordCoder();
    private static final StringUtf8Coder TEXT = StringUtf8Coder.of();
    private static final NullableCoder<String> VALUE = NullableCoder.of(TEXT);
    private static final ListCoder<String> COVERS = ListCoder.of(TEXT);

    @Override
    public void encode(FailedRecord record, OutputStream out) throws IOException {
      TEXT.encode(record.stage(), out);
      TEXT.encode(record.origin(), out);
      VALUE.encode(record.value(), out);
      COVERS.encode(record.covers(), out);
    }

    @Override
    public FailedRecord decode(InputStream in) throws IOException {
      return FailedRecord.of(TEXT.decode(in), TEXT.decode(in), VALUE.decode(in), COVERS.decode(in));
    }

    @Override
    public void verifyDeterministic() {}
  }
}
