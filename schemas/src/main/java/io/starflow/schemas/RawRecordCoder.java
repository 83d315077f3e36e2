package io.starflow.schemas;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import org.apache.beam.sdk.coders.AtomicCoder;
import org.apache.beam.sdk.coders.NullableCoder;
import org.apache.beam.sdk.coders.StringUtf8Coder;

/** A deterministic coder for {@link RawRecord}. */
public final class RawRecordCoder extends AtomicCoder<RawRecord> {
  private static final RawRecordCoder INSTANCE = new RawRecordCoder();
  private static final StringUtf8Coder ORIGIN = StringUtf8Coder.of();
  private static final NullableCoder<String> VALUE = NullableCoder.of(StringUtf8Coder.of());

  public static RawRecordCoder of() {
    return INSTANCE;
  }

  private RawRecordCoder() {}

  @Override
  public void encode(RawRecord value, OutputStream out) throws IOException {
    ORIGIN.encode(value.origin(), out);
    VALUE.encode(value.value(), out);
  }

  @Override
  public RawRecord decode(InputStream in) throws IOException {
    return RawRecord.of(ORIGIN.decode(in), VALUE.decode(in));
  }

  @Override
  public void verifyDeterministic() {}

  @Override
  public boolean consistentWithEquals() {
    return true;
  }
}
