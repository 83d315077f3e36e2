package io.starflow.transforms.compact;

import io.starflow.schemas.ChangeRecord;
import io.starflow.schemas.ChangeRecordCoder;
import io.starflow.schemas.SourcePosition;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;
import org.apache.beam.sdk.coders.AtomicCoder;
import org.apache.beam.sdk.coders.ListCoder;
import org.apache.beam.sdk.coders.StringUtf8Coder;

/**
 * A row's versions merged so far in an open window: the latest (with what its unavailable columns
 * need), every distinct version by position, and the origins of the changes merged.
 */
final class PendingRow {
  final LatestVersion version;
  final List<String> origins;
  final TreeMap<SourcePosition, ChangeRecord> versions;

  private PendingRow(
      LatestVersion version, List<String> origins, TreeMap<SourcePosition, ChangeRecord> versions) {
    this.version = version;
    this.origins = origins;
    this.versions = versions;
  }

  static PendingRow of(ChangeRecord record) {
    List<String> origins = new ArrayList<>(1);
    if (record.origin() != null) {
      origins.add(record.origin());
    }
    TreeMap<SourcePosition, ChangeRecord> versions = new TreeMap<>();
    versions.put(record.position(), record);
    return new PendingRow(LatestVersion.of(record), origins, versions);
  }

  PendingRow merge(ChangeRecord record) {
    List<String> merged = new ArrayList<>(origins);
    if (record.origin() != null) {
      merged.add(record.origin());
    }
    TreeMap<SourcePosition, ChangeRecord> allVersions = new TreeMap<>(versions);
    allVersions.merge(record.position(), record, RecordOrder::newer);
    return new PendingRow(version.merge(LatestVersion.of(record)), merged, allVersions);
  }

  CompactedRow result() {
    return CompactedRow.of(version.result(), origins, new ArrayList<>(versions.values()));
  }

  static final class Coder extends AtomicCoder<PendingRow> {
    static final Coder INSTANCE = new Coder();
    private static final ListCoder<String> ORIGINS = ListCoder.of(StringUtf8Coder.of());
    private static final ListCoder<ChangeRecord> VERSIONS = ListCoder.of(ChangeRecordCoder.of());

    @Override
    public void encode(PendingRow row, OutputStream out) throws IOException {
      LatestVersionCoder.of().encode(row.version, out);
      ORIGINS.encode(row.origins, out);
      VERSIONS.encode(new ArrayList<>(row.versions.values()), out);
    }

    @Override
    public PendingRow decode(InputStream in) throws IOException {
      LatestVersion version = LatestVersionCoder.of().decode(in);
      List<String> origins = new ArrayList<>(ORIGINS.decode(in));
      TreeMap<SourcePosition, ChangeRecord> versions = new TreeMap<>();
      for (ChangeRecord record : VERSIONS.decode(in)) {
        versions.put(record.position(), record);
      }
      return new PendingRow(version, origins, versions);
    }
  }
}
