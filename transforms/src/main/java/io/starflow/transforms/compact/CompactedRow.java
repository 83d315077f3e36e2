package io.starflow.transforms.compact;

import com.google.auto.value.AutoValue;
import io.starflow.schemas.ChangeRecord;
import io.starflow.schemas.ChangeRecordCoder;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.List;
import org.apache.beam.sdk.coders.AtomicCoder;
import org.apache.beam.sdk.coders.Coder;
import org.apache.beam.sdk.coders.ListCoder;
import org.apache.beam.sdk.coders.StringUtf8Coder;

/**
 * The latest version of a row in one window, every distinct version the window saw (by position,
 * oldest first: what the row's history needs), and the origins of every change that went into it:
 * once the row is written, all of them are handled.
 */
@AutoValue
public abstract class CompactedRow {
  public abstract ChangeRecord record();

  public abstract List<String> origins();

  public abstract List<ChangeRecord> versions();

  public static CompactedRow of(ChangeRecord record, List<String> origins) {
    return of(record, origins, List.of(record));
  }

  public static CompactedRow of(
      ChangeRecord record, List<String> origins, List<ChangeRecord> versions) {
    return new AutoValue_CompactedRow(record, List.copyOf(origins), List.copyOf(versions));
  }

  public static Coder<CompactedRow> coder() {
    return CompactedRowCoder.INSTANCE;
  }

  private static final class CompactedRowCoder extends AtomicCoder<CompactedRow> {
    static final CompactedRowCoder INSTANCE = new CompactedRowCoder();
    private static final ListCoder<String> ORIGINS = ListCoder.of(StringUtf8Coder.of());
    private static final ListCoder<ChangeRecord> VERSIONS = ListCoder.of(ChangeRecordCoder.of());

    @Override
    public void encode(CompactedRow row, OutputStream out) throws IOException {
      ChangeRecordCoder.of().encode(row.record(), out);
      ORIGINS.encode(row.origins(), out);
      VERSIONS.encode(row.versions(), out);
    }

    @Override
    public CompactedRow decode(InputStream in) throws IOException {
      return CompactedRow.of(
          ChangeRecordCoder.of().decode(in), ORIGINS.decode(in), VERSIONS.decode(in));
    }
  }
}
