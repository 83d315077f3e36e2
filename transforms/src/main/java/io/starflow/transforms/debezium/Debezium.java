package io.starflow.transforms.debezium;

/** Transforms for Debezium change events. */
public final class Debezium {
  private Debezium() {}

  /** Decodes Debezium JSON record values into change records; see {@link DecodeDebezium}. */
  public static DecodeDebezium decode() {
    return DecodeDebezium.create();
  }
}
