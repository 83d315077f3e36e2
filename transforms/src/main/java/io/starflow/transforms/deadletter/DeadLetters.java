package io.starflow.transforms.deadletter;

import io.starflow.transforms.warehouse.Warehouse;

/** Where records that Starflow cannot take end up: the warehouse's {@code dead_letter} table. */
public final class DeadLetters {
  private DeadLetters() {}

  /**
   * A sink for Beam's bad records that writes them to {@code warehouse}'s {@code dead_letter}
   * table. Register it once per pipeline with {@code pipeline.registerBadRecordErrorHandler(...)}
   * and give the handler to every fallible transform.
   */
  public static WriteDeadLetters to(Warehouse warehouse) {
    return new WriteDeadLetters(warehouse, null);
  }

  /**
   * As {@link #to(Warehouse)}, masking personal data in raw records and reasons first, when {@code
   * pii} is given.
   */
  public static WriteDeadLetters to(
      Warehouse warehouse, @javax.annotation.Nullable io.starflow.transforms.pii.PiiMasking pii) {
    return new WriteDeadLetters(warehouse, pii);
  }
}
