package io.starflow.transforms.io;

import java.io.IOException;
import java.nio.ByteBuffer;
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
 * start of a file. Lines are handed over with their number within the range, from 1.
 *
 * <p>Not thread-safe: one reader per thread.
 */
public final class LineReader {
  private static final int CHUNK = 1 << 20;
  private static final byte[] BOM = {(byte) 0xEF, (byte) 0xBB, (byte) 0xBF};

  /** What the lines of a range are handed to. */
  public interface Lines {
    /** A line of text. */
    void line(long number, String text) throws Exception;

    /** A line that is not valid UTF-8: its text with replacement characters, and why. */
    void invalid(long number, String lossyText, String reason) throws Exception;

    /** A whitespace-only line, which carries nothing. */
    void blank(long number) throws Exception;

    /** Bytes of the file read so far, for progress. */
    default void bytesRead(long bytes) {}
  }

  private final Utf8 utf8 = new Utf8();

  private byte[] line = new byte[1 << 12];
  private int lineLength;
  private boolean lineHasHighBytes;

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
      lineHasHighBytes = false;
      while (true) {
        buffer.clear();
        int n = channel.read(buffer);
        if (n < 0) {
          break;
        }
        read += n;
        lines.bytesRead(Math.min(read, range.length()));
        byte[] bytes = buffer.array();
        int from = 0;
        if (atFileStart && n >= BOM.length && Arrays.equals(bytes, 0, 3, BOM, 0, 3)) {
          from = BOM.length;
          offset += BOM.length;
        }
        atFileStart = false;
        for (int i = from; i < n; i++) {
          if (bytes[i] != '\n') {
            continue;
          }
          int length = i - from;
          long lineEnd = offset + length;
          if (skipping) {
            skipping = false;
            firstLineStart = lineEnd + 1;
            if (firstLineStart >= end) {
              return 0;
            }
          } else {
            append(bytes, from, length);
            emit(++number, lines);
            if (lineEnd + 1 >= end) {
              return number;
            }
          }
          offset = lineEnd + 1;
          from = i + 1;
        }
        if (!skipping) {
          append(bytes, from, n - from);
        }
        offset += n - from;
      }
      if (!skipping && lineLength > 0) {
        emit(++number, lines); // the last line of the file, without a newline
      }
      return number;
    }
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
    for (int i = 0; i < length; i++) {
      byte b = bytes[from + i];
      lineHasHighBytes |= b < 0;
      line[lineLength + i] = b;
    }
    lineLength += length;
  }

  private void emit(long number, Lines lines) throws Exception {
    int length = lineLength;
    if (length > 0 && line[length - 1] == '\r') {
      length--;
    }
    boolean highBytes = lineHasHighBytes;
    lineLength = 0;
    lineHasHighBytes = false;
    if (isBlank(line, length)) {
      lines.blank(number);
      return;
    }
    String text =
        highBytes
            ? utf8.decode(line, length)
            : new String(line, 0, length, StandardCharsets.ISO_8859_1);
    if (text != null) {
      lines.line(number, text);
    } else {
      lines.invalid(number, Utf8.lossy(line, length), utf8.whyInvalid(line, length, "line"));
    }
  }

  private static boolean isBlank(byte[] bytes, int length) {
    for (int i = 0; i < length; i++) {
      byte b = bytes[i];
      if (b != ' ' && b != '\t' && b != '\r' && b != 0x0B && b != '\f') {
        return false;
      }
    }
    return true;
  }
}
