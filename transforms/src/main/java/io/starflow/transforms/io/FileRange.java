package io.starflow.transforms.io;

import com.google.auto.value.AutoValue;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;
import org.apache.beam.sdk.coders.AtomicCoder;
import org.apache.beam.sdk.coders.BooleanCoder;
import org.apache.beam.sdk.coders.Coder;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.coders.VarLongCoder;
import org.apache.beam.sdk.io.Compression;
import org.apache.beam.sdk.io.fs.MatchResult;

/**
 * A byte range of one JSON-lines file, read by one worker: it holds the lines that start at an
 * offset in {@code [start, end)} (a line starts at offset 0 or right after a newline), so that
 * consecutive ranges of a file hold each line exactly once. A compressed file is one range: it
 * cannot be entered in the middle.
 */
@AutoValue
public abstract class FileRange implements Serializable {
  /** Ranges of 64 MiB: a few seconds of decoding each, and many of them for a large file. */
  public static final long DEFAULT_BYTES = 64L << 20;

  /** The file, as its resource id's text. */
  public abstract String file();

  public abstract long start();

  public abstract long end();

  /** Whether the file is read through a decompressor (then the range is the whole file). */
  public abstract boolean compressed();

  public static FileRange of(String file, long start, long end, boolean compressed) {
    if (start < 0 || end < start) {
      throw new IllegalArgumentException("not a byte range: [" + start + ", " + end + ")");
    }
    return new AutoValue_FileRange(file, start, end, compressed);
  }

  /** The ranges of {@code file}: one if it is compressed or small, else of about {@code bytes}. */
  public static List<FileRange> of(MatchResult.Metadata file, long bytes) {
    if (bytes < 1) {
      throw new IllegalArgumentException("range size must be at least 1 byte, was " + bytes);
    }
    String name = file.resourceId().toString();
    long size = file.sizeBytes();
    boolean compressed = Compression.detect(name) != Compression.UNCOMPRESSED;
    List<FileRange> ranges = new ArrayList<>();
    if (compressed || !file.isReadSeekEfficient() || size <= bytes) {
      ranges.add(of(name, 0, compressed ? Long.MAX_VALUE : size, compressed));
      return ranges;
    }
    for (long start = 0; start < size; start += bytes) {
      ranges.add(of(name, start, Math.min(size, start + bytes), false));
    }
    return ranges;
  }

  /** Bytes of the file this range covers, for progress; 0 when unknown (compressed). */
  public long length() {
    return compressed() ? 0 : end() - start();
  }

  public static Coder<FileRange> coder() {
    return FileRangeCoder.INSTANCE;
  }

  private static final class FileRangeCoder extends AtomicCoder<FileRange> {
    static final FileRangeCoder INSTANCE = new FileRangeCoder();

    @Override
    public void encode(FileRange range, OutputStream out) throws IOException {
      StringUtf8Coder.of().encode(range.file(), out);
      VarLongCoder.of().encode(range.start(), out);
      VarLongCoder.of().encode(range.end(), out);
      BooleanCoder.of().encode(range.compressed(), out);
    }

    @Override
    public FileRange decode(InputStream in) throws IOException {
      return of(
          StringUtf8Coder.of().decode(in),
          VarLongCoder.of().decode(in),
          VarLongCoder.of().decode(in),
          BooleanCoder.of().decode(in));
    }

    @Override
    public void verifyDeterministic() {}
  }
}
