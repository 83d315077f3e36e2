package io.starflow.schemas;

import com.google.auto.value.AutoValue;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.Serializable;
import java.time.Instant;
import javax.annotation.Nullable;
import org.apache.beam.sdk.coders.AtomicCoder;
import org.apache.beam.sdk.coders.Coder;
import org.apache.beam.sdk.coders.NullableCoder;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.coders.VarIntCoder;
import org.apache.beam.sdk.coders.VarLongCoder;

/**
 * A source table emptied at a position ({@code TRUNCATE}): every row whose latest version comes
 * before the position is gone; rows written after it stay.
 */
@AutoValue
public abstract class Truncation implements Serializable {
  /** The warehouse table the source table lands in. */
  public abstract String table();

  public abstract SourcePosition position();

  /** When the truncate was committed at the source. */
  public abstract Instant eventTime();

  /** Where the truncate was read, when known. */
  public abstract @Nullable String origin();

  public static Truncation of(
      String table, SourcePosition position, Instant eventTime, @Nullable String origin) {
    return new AutoValue_Truncation(table, position, eventTime, origin);
  }

  public static Coder<Truncation> coder() {
    return TruncationCoder.INSTANCE;
  }

  private static final class TruncationCoder extends AtomicCoder<Truncation> {
    static final TruncationCoder INSTANCE = new TruncationCoder();
    private static final StringUtf8Coder TEXT = StringUtf8Coder.of();
    private static final NullableCoder<String> ORIGIN = NullableCoder.of(TEXT);

    @Override
    public void encode(Truncation t, OutputStream out) throws IOException {
      TEXT.encode(t.table(), out);
      TEXT.encode(t.position().encoded(), out);
      VarLongCoder.of().encode(t.eventTime().getEpochSecond(), out);
      VarIntCoder.of().encode(t.eventTime().getNano(), out);
      ORIGIN.encode(t.origin(), out);
    }

    @Override
    public Truncation decode(InputStream in) throws IOException {
      String table = TEXT.decode(in);
      SourcePosition position = SourcePosition.parse(TEXT.decode(in));
      Instant time =
          Instant.ofEpochSecond(VarLongCoder.of().decode(in), VarIntCoder.of().decode(in));
      return of(table, position, time, ORIGIN.decode(in));
    }

    @Override
    public void verifyDeterministic() {}
  }
}
