package io.starflow.transforms.io;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import javax.annotation.Nullable;

/**
 * Strict UTF-8: bytes that are no UTF-8 character are reported, never replaced silently. Not
 * thread-safe: one instance per thread.
 */
final class Utf8 {
  private final CharsetDecoder strict =
      StandardCharsets.UTF_8
          .newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT);

  private static final VarHandle LONGS =
      MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
  private static final long HIGHS = 0x8080808080808080L;

  /** Whether {@code bytes[from, to)} are all ASCII, eight at a time. */
  static boolean isAscii(byte[] bytes, int from, int to) {
    int i = from;
    long high = 0;
    for (; i + 8 <= to; i += 8) {
      high |= (long) LONGS.get(bytes, i);
    }
    for (; i < to; i++) {
      high |= bytes[i];
    }
    return (high & HIGHS) == 0;
  }

  /** The text of {@code bytes[0, length)}, or null when they are not valid UTF-8. */
  @Nullable
  String decode(byte[] bytes, int length) {
    if (isAscii(bytes, 0, length)) {
      return new String(bytes, 0, length, StandardCharsets.ISO_8859_1);
    }
    try {
      return strict.reset().decode(ByteBuffer.wrap(bytes, 0, length)).toString();
    } catch (CharacterCodingException e) {
      return null;
    }
  }

  /** Whether {@code bytes[0, length)} are valid UTF-8, without making text of them. */
  boolean isValid(byte[] bytes, int length) {
    return isAscii(bytes, 0, length) || decode(bytes, length) != null;
  }

  /** Why {@code bytes[0, length)}, which {@link #decode} refused, are not UTF-8. */
  String whyInvalid(byte[] bytes, int length, String what) {
    ByteBuffer in = ByteBuffer.wrap(bytes, 0, length);
    CoderResult result = strict.reset().decode(in, CharBuffer.allocate(length), true);
    return "not valid UTF-8: the bytes at offset "
        + in.position()
        + " of the "
        + what
        + " ("
        + (result.isError() ? result.length() : 0)
        + " of them) are no UTF-8 character; the "
        + what
        + " is kept with replacement characters";
  }

  /** {@code bytes[0, length)} with replacement characters where they are not UTF-8. */
  static String lossy(byte[] bytes, int length) {
    return new String(bytes, 0, length, StandardCharsets.UTF_8);
  }
}
