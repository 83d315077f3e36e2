package io.starflow.transforms.warehouse;

import io.starflow.schemas.ChangeRecord;
import io.starflow.transforms.FailedRecord;
import java.sql.SQLException;
import java.util.List;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.display.DisplayData;
import org.apache.beam.sdk.transforms.errorhandling.BadRecordRouter;

/**
 * A step that writes to the warehouse through one connection per instance, opened at setup and
 * closed at teardown, and routes what the warehouse cannot hold to dead letters.
 */
abstract class WarehouseWriteFn<InputT, OutputT> extends DoFn<InputT, OutputT> {
  final CountingWriter writer;
  private final BadRecordRouter router;

  WarehouseWriteFn(Warehouse warehouse, BadRecordRouter router) {
    this.writer = new CountingWriter(warehouse);
    this.router = router;
  }

  @Override
  public void populateDisplayData(DisplayData.Builder builder) {
    builder.add(
        DisplayData.item("warehouse", writer.warehouse().displayUrl()).withLabel("Warehouse"));
  }

  @Setup
  public void setup() throws SQLException {
    writer.open();
  }

  @Teardown
  public void teardown() throws SQLException {
    writer.close();
  }

  /** Sends {@code failed} to the dead letters with the reason it was rejected. */
  void deadLetter(MultiOutputReceiver out, FailedRecord failed, MirrorWriter.Rejected rejected)
      throws Exception {
    boolean history = failed.stage().equals(CountingWriter.HISTORY_STAGE);
    router.route(out, failed, FailedRecord.coder(), null, CountingWriter.reason(rejected, history));
  }

  /** Adds {@code versions} to their history tables; returns how many were new. */
  long writeHistory(List<ChangeRecord> versions, MultiOutputReceiver out) throws Exception {
    MirrorWriter.HistoryResult result = writer.writeHistory(versions);
    for (MirrorWriter.Rejected rejected : result.rejected) {
      deadLetter(out, CountingWriter.historyDeadLetter(rejected), rejected);
    }
    return result.added;
  }
}
