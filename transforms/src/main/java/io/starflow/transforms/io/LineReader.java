package io.starflow.transforms.io;

import java.io.IOException;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.SeekableByteChannel;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.apache.beam.sdk.io.Compression;
import org.apache.beam.sdk.io.FileSystems;
import org.apache.beam.sdk.io.fs.ResourceId;

/**
 * Reads the lines of one {@link FileRange} as UTF-8, strictly: a line that is not valid UTF-8 is
 * reported as such (with the byte where it breaks), never decoded with replacement characters. A
 * line ends at {@code \n}; a {@code \r} before it is dropped, and so is a byte order mark at the
 * start of a file. Lines are handed over with their number within the range, from 1: as bytes
 * ({@link Lines#line(long, byte[], int, int)}, valid UTF-8, no copy made when the line lies in one
 * chunk of the file) or as text.
 *
 * <p>Not thread-safe: one reader per thread.
 */
public final class LineReader {
  private static final int CHUNK = 1 << 20;
  private static final byte[] BOM = {(byte) 0xEF, (byte) 0xBB, (byte) 0xBF};
  private static final VarHandle LONGS =
      MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
  private static final long ONES = 0x0101010101010101L;
  private static final long HIGHS = 0x8080808080808080L;
  private static final long NEWLINES = ONES * '\n';

  /** What the lines of a range are handed to. */
  public interface Lines {
    /** A line of text. */
    void line(long number, String text) throws Exception;

    /**
     * A line as UTF-8 bytes, {@code bytes[offset, offset + length)}, valid for the call only. By
     * default, as text.
     */
    default void line(long number, byte[] bytes, int offset, int length) throws Exception {
      line(number, new String(bytes, offset, length, StandardCharsets.UTF_8));
    }

    /** A line that is not valid UTF-8: its text with replacement characters, and why. */
    void invalid(long number, String lossyText, String reason) throws Exception;

    /** A whitespace-only line, which carries nothing. */
    void blank(long number) throws Exception;

    /** Bytes of the file read so far, for progress. */
    default void bytesRead(long bytes) {}
  }

  private final Utf8 utf8 = new Utf8();

  /** A line that spans chunks, gathered here. */
  private byte[] line = new byte[1 << 12];

  private int lineLength;
  private long firstLineStart;

  /**
   * The byte offset in the file of the first line of the range being read (0 for a compressed
   * file): known before that line is handed over.
   */
  public long firstLineStart() {
    return firstLineStart;
  }

  /** Reads every line that starts in {@code range}, in order; returns how many there were. */
  public long read(FileRange range, Lines lines) throws Exception {
    ResourceId file = FileSystems.matchNewResource(range.file(), false);
    try (ReadableByteChannel channel = open(file, range)) {
      ByteBuffer buffer = ByteBuffer.allocate(CHUNK);
      byte[] bytes = buffer.array();
      long offset = range.compressed() ? 0 : range.start();
      firstLineStart = offset;
      boolean skipping = offset > 0;
      if (skipping && channel instanceof SeekableByteChannel) {
        // The line that straddles the start belongs to the range before: start one byte early,
        // so that a newline right before the start ends it at once.
        ((SeekableByteChannel) channel).position(offset - 1);
        offset--;
      }
      long end = range.end();
      long number = 0;
      long read = 0;
      boolean atFileStart = offset == 0;
      lineLength = 0;
      while (true) {
        buffer.clear();
        int n = channel.read(buffer);
        if (n < 0) {
          break;
        }
        read += n;
        lines.bytesRead(Math.min(read, range.length()));
        int from = 0;
        if (atFileStart && n >= BOM.length && Arrays.equals(bytes, 0, 3, BOM, 0, 3)) {
          from = BOM.length;
          offset += BOM.length;
        }
        atFileStart = false;
        int newline;
        while ((newline = indexOfNewline(bytes, from, n)) >= 0) {
          int length = newline - from;
          long lineEnd = offset + length;
          if (skipping) {
            skipping = false;
            lineLength = 0;
            firstLineStart = lineEnd + 1;
            if (firstLineStart >= end) {
              return 0;
            }
          } else if (lineLength > 0) {
            append(bytes, from, length);
            emit(++number, line, 0, lineLength, lines);
            lineLength = 0;
          } else {
            emit(++number, bytes, from, length, lines);
          }
          if (!skipping && lineEnd + 1 >= end) {
            return number;
          }
          offset = lineEnd + 1;
          from = newline + 1;
        }
        if (!skipping) {
          append(bytes, from, n - from);
        }
        offset += n - from;
      }
      if (!skipping && lineLength > 0) {
        emit(++number, line, 0, lineLength, lines); // the last line, without a newline
      }
      return number;
    }
  }

  /** The index of the first {@code \n} in {@code bytes[from, to)}, or -1: eight bytes a step. */
  static int indexOfNewline(byte[] bytes, int from, int to) {
    int i = from;
    for (; i + 8 <= to; i += 8) {
      long word = (long) LONGS.get(bytes, i) ^ NEWLINES;
      long found = (word - ONES) & ~word & HIGHS;
      if (found != 0) {
        return i + (Long.numberOfTrailingZeros(found) >>> 3);
      }
    }
    for (; i < to; i++) {
      if (bytes[i] == '\n') {
        return i;
      }
    }
    return -1;
  }

  private static ReadableByteChannel open(ResourceId file, FileRange range) throws IOException {
    ReadableByteChannel channel = FileSystems.open(file);
    return range.compressed()
        ? Compression.detect(range.file()).readDecompressed(channel)
        : channel;
  }

  private void append(byte[] bytes, int from, int length) {
    if (lineLength + length > line.length) {
      line = Arrays.copyOf(line, Math.max(line.length * 2, lineLength + length));
    }
    System.arraycopy(bytes, from, line, lineLength, length);
    lineLength += length;
  }

  private void emit(long number, byte[] bytes, int from, int length, Lines lines) throws Exception {
    if (length > 0 && bytes[from + length - 1] == '\r') {
      length--;
    }
    if (isBlank(bytes, from, length)) {
      lines.blank(number);
      return;
    }
    if (Utf8.isAscii(bytes, from, from + length)) {
      lines.line(number, bytes, from, length);
      return;
    }
    byte[] copy = Arrays.copyOfRange(bytes, from, from + length);
    if (utf8.decode(copy, length) != null) {
      lines.line(number, copy, 0, length);
    } else {
      lines.invalid(number, Utf8.lossy(copy, length), utf8.whyInvalid(copy, length, "line"));
    }
  }

  private static boolean isBlank(byte[] bytes, int from, int length) {
    for (int i = from; i < from + length; i++) {
      byte b = bytes[i];
      if (b != ' ' && b != '\t' && b != '\r' && b != 0x0B && b != '\f') {
        return false;
      }
    }
    return true;
  }
}
