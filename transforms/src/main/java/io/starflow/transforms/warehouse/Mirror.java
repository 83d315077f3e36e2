package io.starflow.transforms.warehouse;

/** Transforms that keep mirror tables of source tables in a warehouse. */
public final class Mirror {
  private Mirror() {}

  /** Applies change records to mirror tables in {@code warehouse}; see {@link ApplyToMirror}. */
  public static ApplyToMirror applyTo(Warehouse warehouse) {
    return ApplyToMirror.create(warehouse);
  }
}
