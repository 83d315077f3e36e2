package io.starflow.transforms.compact;

import io.starflow.schemas.ChangeRecord;
import io.starflow.schemas.ChangeRecordCoder;
import io.starflow.schemas.Column;
import io.starflow.schemas.ColumnCoder;
import io.starflow.schemas.SourcePosition;
import io.starflow.schemas.SourcePositionCoder;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.Map;
import java.util.TreeMap;
import org.apache.beam.sdk.coders.AtomicCoder;
import org.apache.beam.sdk.coders.NullableCoder;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.util.VarInt;

/** Coder for {@link LatestVersion} accumulators. */
final class LatestVersionCoder extends AtomicCoder<LatestVersion> {
  private static final LatestVersionCoder INSTANCE = new LatestVersionCoder();
  private static final NullableCoder<Column> FILL_COLUMN = NullableCoder.of(ColumnCoder.of());

  static LatestVersionCoder of() {
    return INSTANCE;
  }

  private LatestVersionCoder() {}

  @Override
  public void encode(LatestVersion value, OutputStream out) throws IOException {
    ChangeRecordCoder.of().encode(value.latest(), out);
    VarInt.encode(value.fills().size(), out);
    for (Map.Entry<String, LatestVersion.Fill> entry : value.fills().entrySet()) {
      StringUtf8Coder.of().encode(entry.getKey(), out);
      SourcePositionCoder.of().encode(entry.getValue().position, out);
      FILL_COLUMN.encode(entry.getValue().column, out);
    }
  }

  @Override
  public LatestVersion decode(InputStream in) throws IOException {
    ChangeRecord latest = ChangeRecordCoder.of().decode(in);
    int size = VarInt.decodeInt(in);
    Map<String, LatestVersion.Fill> fills = new TreeMap<>();
    for (int i = 0; i < size; i++) {
      String name = StringUtf8Coder.of().decode(in);
      SourcePosition position = SourcePositionCoder.of().decode(in);
      fills.put(name, new LatestVersion.Fill(position, FILL_COLUMN.decode(in)));
    }
    return new LatestVersion(latest, fills);
  }
}
