package io.starflow.transforms.debezium;

/**
 * A record that is valid but changes no row: a transaction boundary or a logical decoding message.
 * It is counted and skipped, like a tombstone; the message says what it was.
 */
final class NotARowChange extends RuntimeException {
  static final String TRANSACTION_MARKER = "transaction";
  static final String MESSAGE = "message";

  private final String kind;

  NotARowChange(String kind, String what) {
    super(what + ", not a row change", null, false, false);
    this.kind = kind;
  }

  /** {@code transaction} or {@code message}. */
  public String kind() {
    return kind;
  }
}
