package io.starflow.transforms.warehouse;

import io.starflow.schemas.ChangeRecord;
import io.starflow.transforms.FailedRecord;
import io.starflow.transforms.StarflowMetrics;
import io.starflow.transforms.io.Origins;
import java.io.Serializable;
import java.sql.SQLException;
import java.util.List;
import org.apache.beam.sdk.metrics.Counter;

/**
 * What the warehouse-writing DoFns share: a {@link MirrorWriter} per DoFn instance, the counters of
 * what the writes did, and the dead letter of a row the warehouse refused.
 */
final class CountingWriter implements Serializable {
  private final Warehouse warehouse;
  private final Counter applied = StarflowMetrics.counter(StarflowMetrics.APPLIED);
  private final Counter changed = StarflowMetrics.counter(StarflowMetrics.CHANGED);
  private final Counter stale = StarflowMetrics.counter(StarflowMetrics.STALE);
  private final Counter failed = StarflowMetrics.counter(StarflowMetrics.APPLY_FAILED);
  private final Counter historyAdded = StarflowMetrics.counter(StarflowMetrics.HISTORY_ADDED);
  private final Counter historyFailed = StarflowMetrics.counter(StarflowMetrics.HISTORY_FAILED);
  private transient MirrorWriter writer;

  CountingWriter(Warehouse warehouse) {
    this.warehouse = warehouse;
  }

  Warehouse warehouse() {
    return warehouse;
  }

  void open() throws SQLException {
    writer = MirrorWriter.open(warehouse);
  }

  MirrorWriter.Result write(List<ChangeRecord> batch) throws SQLException {
    MirrorWriter.Result result = writer.write(batch);
    applied.inc(result.applied);
    changed.inc(result.changed);
    stale.inc(result.applied - result.changed);
    failed.inc(result.rejected.size());
    return result;
  }

  MirrorWriter.HistoryResult writeHistory(List<ChangeRecord> versions) throws SQLException {
    MirrorWriter.HistoryResult result = writer.writeHistory(versions);
    historyAdded.inc(result.added);
    historyFailed.inc(result.rejected.size());
    return result;
  }

  /** The dead letter of a version its history table refused: its origin, its table and key. */
  static FailedRecord historyDeadLetter(MirrorWriter.Rejected rejected) {
    ChangeRecord record = rejected.record;
    return FailedRecord.of(
        HISTORY_STAGE,
        record.origin() == null ? "unknown" : record.origin(),
        ChangeRecordJson.render(record),
        List.of());
  }

  /** The stage named in dead letters of versions a history table cannot hold. */
  static final String HISTORY_STAGE = "history";

  /**
   * What a dead letter of {@code rejected} says: where the refusal happened (table, key and, for
   * history, position), then why.
   */
  static String reason(MirrorWriter.Rejected rejected, boolean history) {
    ChangeRecord record = rejected.record;
    String where =
        history
            ? "history table "
                + SqlDialect.historyTable(record.table())
                + ", key "
                + record.key()
                + ", position "
                + record.position().encoded()
            : "mirror table " + record.table() + ", key " + record.key();
    return where + ": " + rejected.reason;
  }

  /**
   * The dead letter of a refused row, completing the handling of {@code covers}: the origins of
   * every change the row stands for (its own when none are given).
   */
  static FailedRecord deadLetter(MirrorWriter.Rejected rejected, List<String> covers) {
    ChangeRecord record = rejected.record;
    List<String> origins =
        !covers.isEmpty() ? covers : record.origin() == null ? List.of() : List.of(record.origin());
    return FailedRecord.of(
        ApplyToMirror.STAGE,
        origins.isEmpty() ? "unknown" : Origins.list(origins),
        ChangeRecordJson.render(record),
        covers);
  }

  void close() throws SQLException {
    if (writer != null) {
      writer.close();
      writer = null;
    }
  }
}
