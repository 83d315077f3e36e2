package io.starflow.pipelines.cli;

import java.util.function.Supplier;

/**
 * A command line that cannot run as given: options missing, contradicting each other, or with
 * values that cannot be read (a key list, a warehouse URL, a model file). The command exits 2 with
 * the message; any other failure exits 1.
 */
final class UsageException extends IllegalArgumentException {
  UsageException(String message) {
    super(message);
  }

  UsageException(String message, Throwable cause) {
    super(message, cause);
  }

  /** What {@code read} reads from an option's value, its refusal as a usage error. */
  static <T> T reading(Supplier<T> read) {
    try {
      return read.get();
    } catch (UsageException e) {
      throw e;
    } catch (IllegalArgumentException e) {
      throw new UsageException(e.getMessage(), e);
    }
  }
}
