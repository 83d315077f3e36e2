package io.starflow.transforms.warehouse;

/** Transforms that keep mirror tables of source tables in a warehouse. */
public final class Mirror {
  private Mirror() {}

  /** Applies change records to mirror tables in {@code warehouse}; see {@link ApplyToMirror}. */
  public static ApplyToMirror applyTo(Warehouse warehouse) {
    return ApplyToMirror.create(warehouse);
  }

  /**
   * Writes batches of compacted rows, already sharded by key, to mirror tables in {@code
   * warehouse}; see {@link WriteMirrorBatches}.
   */
  public static WriteMirrorBatches writeBatches(Warehouse warehouse) {
    return WriteMirrorBatches.create(warehouse);
  }

  /** Applies truncates of source tables in {@code warehouse}; see {@link ApplyTruncations}. */
  public static ApplyTruncations applyTruncations(Warehouse warehouse) {
    return ApplyTruncations.create(warehouse);
  }

  /**
   * Adds every version of every row to history tables in {@code warehouse}; see {@link
   * ApplyToHistory}.
   */
  public static ApplyToHistory applyHistoryTo(Warehouse warehouse) {
    return ApplyToHistory.create(warehouse);
  }

  /**
   * Builds the dimensions and facts of {@code model} from the history tables once what it follows
   * has been written; see {@link RefreshStar}.
   */
  public static RefreshStar refreshStar(
      Warehouse warehouse, io.starflow.schemas.model.WarehouseModel model) {
    return RefreshStar.create(warehouse, model);
  }
}
