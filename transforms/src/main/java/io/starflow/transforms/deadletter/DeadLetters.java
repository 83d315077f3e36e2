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
    return new WriteDeadLetters(warehouse);
  }
}
