package io.starflow.schemas;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import org.apache.beam.sdk.coders.AtomicCoder;
import org.apache.beam.sdk.coders.CoderException;
import org.apache.beam.sdk.util.VarInt;

/** A deterministic coder for {@link SourcePosition}: a count, then each component as a varint. */
public final class SourcePositionCoder extends AtomicCoder<SourcePosition> {
  private static final SourcePositionCoder INSTANCE = new SourcePositionCoder();
  private static final int MAX_COMPONENTS = 64;

  public static SourcePositionCoder of() {
    return INSTANCE;
  }

  private SourcePositionCoder() {}

  @Override
  public void encode(SourcePosition value, OutputStream out) throws IOException {
    VarInt.encode(value.size(), out);
    for (int i = 0; i < value.size(); i++) {
      VarInt.encode(value.component(i), out);
    }
  }

  @Override
  public SourcePosition decode(InputStream in) throws IOException {
    int size = VarInt.decodeInt(in);
    if (size <= 0 || size > MAX_COMPONENTS) {
      throw new CoderException("corrupt source position: " + size + " components");
    }
    long[] components = new long[size];
    for (int i = 0; i < size; i++) {
      components[i] = VarInt.decodeLong(in);
    }
    return SourcePosition.of(components);
  }

  @Override
  public void verifyDeterministic() {}

  @Override
  public boolean consistentWithEquals() {
    return true;
  }
}
