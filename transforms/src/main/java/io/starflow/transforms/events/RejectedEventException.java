package io.starflow.transforms.events;

/** An event the aggregate's state cannot take, with the reason. */
public final class RejectedEventException extends Exception {
  public RejectedEventException(String reason) {
    super(reason);
  }
}
