package io.starflow.transforms;

/** A record that cannot become a change record; the message is the dead letter's reason. */
public class DecodeException extends RuntimeException {
  public DecodeException(String reason) {
    super(reason, null, false, false);
  }

  public DecodeException(String reason, Throwable cause) {
    super(reason, cause, false, false);
  }
}
