package io.starflow.transforms.io;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.SeekableByteChannel;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.beam.sdk.io.FileSystems;

/**
 * Where a record was read, as text: {@code file:line} for a line of a file, {@code
 * kafka:TOPIC/PARTITION@OFFSET} for a Kafka record.
 *
 * <p>A file read in ranges does not know, in a range after the first, how many lines come before
 * it: counting them would take a pass over the file. So a line there is first named by the offset
 * of its range's first line and its number within the range ({@code file:@OFFSET+N}), and {@link
 * #resolve} turns that into {@code file:line} where a line number is shown or stored (dead letters,
 * bronze rows), counting the lines before the offset once per file and offset, in this process.
 */
public final class Origins {
  private static final Pattern IN_RANGE = Pattern.compile("(.*):@(\\d+)\\+(\\d+)");

  /** Newlines before an offset, per file and offset counted. */
  private static final Map<String, TreeMap<Long, Long>> NEWLINES = new ConcurrentHashMap<>();

  private Origins() {}

  /** The origin of line {@code number} (from 1) of a range whose first line starts there. */
  public static String ofLine(String file, long firstLineStart, long number) {
    return firstLineStart == 0 ? file + ":" + number : file + ":@" + firstLineStart + "+" + number;
  }

  /** Most origins one text names; the rest are counted. */
  static final int MAX_LISTED = 100;

  /** Several origins as one text: listed, separated by {@code ", "}. */
  public static String list(java.util.List<String> origins) {
    if (origins.size() <= MAX_LISTED) {
      return String.join(LIST_SEPARATOR, origins);
    }
    return String.join(LIST_SEPARATOR, origins.subList(0, MAX_LISTED))
        + " and "
        + (origins.size() - MAX_LISTED)
        + " more";
  }

  private static final String LIST_SEPARATOR = ", ";

  /**
   * {@code origins} (one origin, or several {@linkplain #list listed}) with every line named within
   * its range turned into {@code file:line}.
   */
  public static String resolve(String origins) {
    if (origins.indexOf(":@") < 0) {
      return origins;
    }
    String[] parts = origins.split(LIST_SEPARATOR, -1);
    for (int i = 0; i < parts.length; i++) {
      parts[i] = resolveOne(parts[i]);
    }
    return String.join(LIST_SEPARATOR, parts);
  }

  private static String resolveOne(String origin) {
    Matcher inRange = IN_RANGE.matcher(origin);
    if (!inRange.matches()) {
      return origin;
    }
    String file = inRange.group(1);
    long offset = Long.parseLong(inRange.group(2));
    long number = Long.parseLong(inRange.group(3));
    return file + ":" + (newlinesBefore(file, offset) + number);
  }

  private static long newlinesBefore(String file, long offset) {
    TreeMap<Long, Long> known = NEWLINES.computeIfAbsent(file, f -> new TreeMap<>(Map.of(0L, 0L)));
    synchronized (known) {
      Map.Entry<Long, Long> from = known.floorEntry(offset);
      long count = from.getValue() + countNewlines(file, from.getKey(), offset);
      known.put(offset, count);
      return count;
    }
  }

  private static long countNewlines(String file, long from, long to) {
    if (from == to) {
      return 0;
    }
    try (ReadableByteChannel channel =
        FileSystems.open(FileSystems.matchNewResource(file, false))) {
      if (!(channel instanceof SeekableByteChannel)) {
        throw new IOException("cannot seek in " + file);
      }
      ((SeekableByteChannel) channel).position(from);
      ByteBuffer buffer = ByteBuffer.allocate(1 << 20);
      long position = from;
      long count = 0;
      while (position < to) {
        buffer.clear();
        buffer.limit((int) Math.min(buffer.capacity(), to - position));
        int n = channel.read(buffer);
        if (n < 0) {
          break;
        }
        byte[] bytes = buffer.array();
        for (int i = 0; i < n; i++) {
          if (bytes[i] == '\n') {
            count++;
          }
        }
        position += n;
      }
      return count;
    } catch (IOException e) {
      throw new UncheckedIOException("counting the lines of " + file, e);
    }
  }
}
