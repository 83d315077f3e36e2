package io.starflow.transforms.warehouse;

import io.starflow.schemas.ChangeRecord;
import io.starflow.transforms.StarflowMetrics;
import io.starflow.transforms.deadletter.FailedRecord;
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

  /** The dead letter of a version its history table refused. */
  static FailedRecord historyDeadLetter(MirrorWriter.Rejected rejected) {
    return FailedRecord.of(
        HISTORY_STAGE,
        "history table "
            + SqlDialect.historyTable(rejected.record.table())
            + ", key "
            + rejected.record.key()
            + ", position "
            + rejected.record.position().encoded(),
        ChangeRecordJson.render(rejected.record),
        List.of());
  }

  /** The stage named in dead letters of versions a history table cannot hold. */
  static final String HISTORY_STAGE = "history";

  /** The dead letter of a refused row, completing the handling of {@code covers}. */
  static FailedRecord deadLetter(MirrorWriter.Rejected rejected, List<String> covers) {
    return FailedRecord.of(
        ApplyToMirror.STAGE,
        "mirror table " + rejected.record.table() + ", key " + rejected.record.key(),
        ChangeRecordJson.render(rejected.record),
        covers);
  }

  void close() throws SQLException {
    if (writer != null) {
      writer.close();
      writer = null;
    }
  }
}
