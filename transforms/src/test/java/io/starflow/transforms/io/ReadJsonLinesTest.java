package io.starflow.transforms.io;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsInAnyOrder;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;

import io.starflow.schemas.RawRecord;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.GZIPOutputStream;
import org.apache.beam.sdk.io.FileSystems;
import org.apache.beam.sdk.io.fs.MatchResult;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.apache.beam.sdk.testing.PAssert;
import org.apache.beam.sdk.testing.TestPipeline;
import org.apache.beam.sdk.transforms.MapElements;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.TypeDescriptors;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;
import org.junit.runner.RunWith;
import org.junit.runners.JUnit4;

@RunWith(JUnit4.class)
public class ReadJsonLinesTest {
  @Rule public final transient TestPipeline p = TestPipeline.create();
  @Rule public final transient TemporaryFolder folder = new TemporaryFolder();

  /** Lines of different lengths, a blank one, CRLF endings, and no newline after the last. */
  private static List<String> lines(int n) {
    List<String> lines = new ArrayList<>();
    for (int i = 1; i <= n; i++) {
      lines.add(i % 17 == 0 ? "   " : "{\"n\":" + i + ",\"pad\":\"" + "x".repeat(i % 13) + "\"}");
    }
    return lines;
  }

  private Path write(String name, List<String> lines, boolean bom) throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    if (bom) {
      bytes.write(new byte[] {(byte) 0xEF, (byte) 0xBB, (byte) 0xBF});
    }
    for (int i = 0; i < lines.size(); i++) {
      bytes.write(lines.get(i).getBytes(StandardCharsets.UTF_8));
      if (i < lines.size() - 1) {
        bytes.write(i % 3 == 0 ? "\r\n".getBytes(StandardCharsets.US_ASCII) : new byte[] {'\n'});
      }
    }
    Path file = folder.getRoot().toPath().resolve(name);
    Files.write(file, bytes.toByteArray());
    return file;
  }

  /** What each range reader sees, resolved: "line:text". */
  private static List<String> readInRanges(Path file, long rangeBytes) throws Exception {
    FileSystems.setDefaultPipelineOptions(PipelineOptionsFactory.create());
    MatchResult.Metadata metadata = FileSystems.match(file.toString()).metadata().get(0);
    List<String> seen = new ArrayList<>();
    LineReader reader = new LineReader();
    for (FileRange range : FileRange.of(metadata, rangeBytes)) {
      reader.read(
          range,
          new LineReader.Lines() {
            @Override
            public void line(long number, String text) {
              String origin =
                  Origins.resolve(Origins.ofLine(range.file(), reader.firstLineStart(), number));
              seen.add(origin.substring(origin.lastIndexOf(':') + 1) + ":" + text);
            }

            @Override
            public void invalid(long number, String lossyText, String reason) {
              throw new AssertionError(reason);
            }

            @Override
            public void blank(long number) {}
          });
    }
    return seen;
  }

  private static List<String> expected(List<String> lines) {
    List<String> expected = new ArrayList<>();
    for (int i = 0; i < lines.size(); i++) {
      if (!lines.get(i).isBlank()) {
        expected.add((i + 1) + ":" + lines.get(i));
      }
    }
    return expected;
  }

  @Test
  public void rangesOfAnySizeHoldEveryLineOnceAtItsExactNumber() throws Exception {
    List<String> lines = lines(400);
    Path file = write("events.jsonl", lines, true);
    for (long rangeBytes : new long[] {1, 7, 50, 333, 4096, 1 << 20}) {
      assertThat(
          "ranges of " + rangeBytes, readInRanges(file, rangeBytes), equalTo(expected(lines)));
    }
  }

  @Test
  public void thePipelineReadsRangesInParallelWithExactOrigins() throws Exception {
    List<String> lines = lines(300);
    Path file = write("events.jsonl", lines, false);
    PCollection<String> read =
        p.apply(JsonLines.read(file.toString()).withRangeBytes(200))
            .apply(
                MapElements.into(TypeDescriptors.strings())
                    .via(
                        (RawRecord r) -> {
                          String origin = Origins.resolve(r.origin());
                          return origin.substring(origin.lastIndexOf(':') + 1) + ":" + r.value();
                        }));
    PAssert.that(read).containsInAnyOrder(expected(lines));
    p.run().waitUntilFinish();
  }

  @Test
  public void aCompressedFileIsOneRange() throws Exception {
    List<String> lines = lines(50);
    Path file = folder.getRoot().toPath().resolve("events.jsonl.gz");
    try (OutputStream out = new GZIPOutputStream(Files.newOutputStream(file))) {
      out.write(String.join("\n", lines).getBytes(StandardCharsets.UTF_8));
    }
    assertThat(readInRanges(file, 10), equalTo(expected(lines)));
  }

  @Test
  public void aLineThatIsNotUtf8IsReportedNotRepaired() throws Exception {
    Path file = folder.getRoot().toPath().resolve("bad.jsonl");
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    bytes.write("{\"ok\":\"é\"}\n{\"bad\":\"".getBytes(StandardCharsets.UTF_8));
    bytes.write(new byte[] {(byte) 0xC3, (byte) 0x28});
    bytes.write("\"}\n".getBytes(StandardCharsets.UTF_8));
    Files.write(file, bytes.toByteArray());
    FileSystems.setDefaultPipelineOptions(PipelineOptionsFactory.create());
    MatchResult.Metadata metadata = FileSystems.match(file.toString()).metadata().get(0);
    List<String> good = new ArrayList<>();
    List<String> bad = new ArrayList<>();
    new LineReader()
        .read(
            FileRange.of(metadata, 1 << 20).get(0),
            new LineReader.Lines() {
              @Override
              public void line(long number, String text) {
                good.add(number + ":" + text);
              }

              @Override
              public void invalid(long number, String lossyText, String reason) {
                bad.add(number + ":" + reason);
              }

              @Override
              public void blank(long number) {}
            });
    assertThat(good, containsInAnyOrder("1:{\"ok\":\"é\"}"));
    assertThat(bad.size(), equalTo(1));
    assertThat(bad.get(0), containsString("2:not valid UTF-8: the bytes at offset 8"));
  }
}
