package io.starflow.transforms.warehouse;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.List;

/**
 * Surrogate keys: a signed 64-bit integer from the MD5 of an unambiguous encoding of the natural
 * key and the position of the change that opened the version. Each key part is written as its UTF-8
 * byte length, ':' and its text, so no two keys encode alike; then '|' and the position (empty for
 * a member not yet seen in its source, and for type 1 dimensions). The warehouse computes the same
 * in SQL; this is the reference.
 */
public final class StarKeys {
  private StarKeys() {}

  /** The encoding hashed for {@code naturalKey} (each part's text) and {@code position}. */
  public static String encode(List<String> naturalKey, String position) {
    StringBuilder text = new StringBuilder();
    for (String part : naturalKey) {
      text.append(part.getBytes(StandardCharsets.UTF_8).length).append(':').append(part);
    }
    return text.append('|').append(position).toString();
  }

  /** The surrogate key of {@code encoded}: the first 8 bytes of its MD5, big-endian, signed. */
  public static long hash(String encoded) {
    try {
      byte[] digest =
          MessageDigest.getInstance("MD5").digest(encoded.getBytes(StandardCharsets.UTF_8));
      return ByteBuffer.wrap(digest).getLong();
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("MD5 is part of every Java runtime", e);
    }
  }

  /** The surrogate key of a version: {@code hash(encode(naturalKey, position))}. */
  public static long of(List<String> naturalKey, String position) {
    return hash(encode(naturalKey, position));
  }
}
