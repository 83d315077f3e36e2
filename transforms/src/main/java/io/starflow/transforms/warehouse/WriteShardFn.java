package io.starflow.transforms.warehouse;

import io.starflow.schemas.ChangeRecord;
import java.util.ArrayList;
import java.util.List;
import org.apache.beam.sdk.transforms.errorhandling.BadRecordRouter;
import org.apache.beam.sdk.values.KV;

/**
 * Writes the records of one shard in batches of {@code batchSize}, one transaction each; subclasses
 * say what a batch writes and outputs.
 */
abstract class WriteShardFn<OutputT>
    extends WarehouseWriteFn<KV<String, Iterable<ChangeRecord>>, OutputT> {
  private final int batchSize;

  WriteShardFn(Warehouse warehouse, int batchSize, BadRecordRouter router) {
    super(warehouse, router);
    this.batchSize = batchSize;
  }

  @ProcessElement
  public void process(@Element KV<String, Iterable<ChangeRecord>> shard, MultiOutputReceiver out)
      throws Exception {
    List<ChangeRecord> batch = new ArrayList<>(Math.min(batchSize, 1024));
    for (ChangeRecord record : shard.getValue()) {
      batch.add(record);
      if (batch.size() >= batchSize) {
        write(batch, out);
        batch.clear();
      }
    }
    if (!batch.isEmpty()) {
      write(batch, out);
    }
  }

  /** Writes one batch in one transaction; routes what the warehouse cannot hold. */
  abstract void write(List<ChangeRecord> batch, MultiOutputReceiver out) throws Exception;
}
