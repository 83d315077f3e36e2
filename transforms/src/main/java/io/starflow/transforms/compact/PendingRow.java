package io.starflow.transforms.compact;

import io.starflow.schemas.ChangeRecord;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.ArrayList;
import java.util.List;
import org.apache.beam.sdk.coders.AtomicCoder;
import org.apache.beam.sdk.coders.ListCoder;
import org.apache.beam.sdk.coders.StringUtf8Coder;

/** A row's versions merged so far in an open window, and the origins of the changes merged. */
final class PendingRow {
  final LatestVersion version;
  final List<String> origins;

  private PendingRow(LatestVersion version, List<String> origins) {
    this.version = version;
    this.origins = origins;
  }

  static PendingRow of(ChangeRecord record) {
    List<String> origins = new ArrayList<>(1);
    if (record.origin() != null) {
      origins.add(record.origin());
    }
    return new PendingRow(LatestVersion.of(record), origins);
  }

  PendingRow merge(ChangeRecord record) {
    List<String> merged = new ArrayList<>(origins);
    if (record.origin() != null) {
      merged.add(record.origin());
    }
    return new PendingRow(version.merge(LatestVersion.of(record)), merged);
  }

  CompactedRow result() {
    return CompactedRow.of(version.result(), origins);
  }

  static final class Coder extends AtomicCoder<PendingRow> {
    static final Coder INSTANCE = new Coder();
    private static final ListCoder<String> ORIGINS = ListCoder.of(StringUtf8Coder.of());

    @Override
    public void encode(PendingRow row, OutputStream out) throws IOException {
      LatestVersionCoder.of().encode(row.version, out);
      ORIGINS.encode(row.origins, out);
    }

    @Override
    public PendingRow decode(InputStream in) throws IOException {
      return new PendingRow(
          LatestVersionCoder.of().decode(in), new ArrayList<>(ORIGINS.decode(in)));
    }
  }
}
