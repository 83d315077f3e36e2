package io.starflow.transforms.debezium;

import io.starflow.schemas.Truncation;

/** A record that truncates a table ({@code op: "t"}): no row change, but the truncation. */
final class Truncated extends RuntimeException {
  private final Truncation truncation;

  Truncated(Truncation truncation) {
    super("truncate of " + truncation.table(), null, false, false);
    this.truncation = truncation;
  }

  public Truncation truncation() {
    return truncation;
  }
}
