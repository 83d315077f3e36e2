package io.starflow.transforms.deadletter;

import com.google.auto.value.AutoValue;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.HexFormat;
import javax.annotation.Nullable;

/**
 * A record Starflow could not take, kept with what is needed to act on it: the stage that refused
 * it, where it came from, why, and the record as it arrived.
 *
 * <p>The id is a hash of stage, source and raw record, so writing the same dead letter again (a
 * re-run over the same input) adds nothing.
 */
@AutoValue
abstract class DeadLetter {
  public abstract String id();

  public abstract String stage();

  public abstract String source();

  public abstract String reason();

  public abstract @Nullable String rawRecord();

  public abstract Instant failedAt();

  public static DeadLetter of(
      String stage, String source, String reason, @Nullable String rawRecord, Instant failedAt) {
    return new AutoValue_DeadLetter(
        idOf(stage, source, rawRecord), stage, source, reason, rawRecord, failedAt);
  }

  static String idOf(String stage, String source, @Nullable String rawRecord) {
    try {
      MessageDigest sha = MessageDigest.getInstance("SHA-256");
      for (String part : new String[] {stage, source, rawRecord == null ? "" : rawRecord}) {
        byte[] bytes = part.getBytes(StandardCharsets.UTF_8);
        sha.update(intBytes(bytes.length));
        sha.update(bytes);
      }
      return HexFormat.of().formatHex(sha.digest(), 0, 16);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  private static byte[] intBytes(int value) {
    return new byte[] {
      (byte) (value >>> 24), (byte) (value >>> 16), (byte) (value >>> 8), (byte) value
    };
  }
}
