package io.starflow.transforms.deadletter;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.starflow.transforms.FailedRecord;
import io.starflow.transforms.Json;
import io.starflow.transforms.StarflowMetrics;
import io.starflow.transforms.io.CommitOffsets;
import io.starflow.transforms.io.Origins;
import io.starflow.transforms.pii.PiiMasking;
import io.starflow.transforms.warehouse.Warehouse;
import java.io.IOException;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.metrics.Counter;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.transforms.display.DisplayData;
import org.apache.beam.sdk.transforms.errorhandling.BadRecord;
import org.apache.beam.sdk.transforms.windowing.BoundedWindow;
import org.apache.beam.sdk.values.PCollection;

/**
 * Writes Beam {@link BadRecord}s to the warehouse's {@code dead_letter} table: stage, source (the
 * record's origin, e.g. {@code file:line}), reason (the failure description), the raw record and
 * the time it was written.
 *
 * <p>Records routed as {@link FailedRecord}s keep their stage, origin and exact text; any other
 * record is kept as Beam's JSON rendering of it, with stage and source {@code unknown}.
 *
 * <p>Output: once a bundle's dead letters are written, the origins they cover ({@link
 * FailedRecord#covers()}), so that source offsets can be committed after, never before, the dead
 * letters are safe. A record that failed before any part of it was made (stages {@code read},
 * {@code ingest}, {@code decode}, {@code sequence}, {@code enrich}) is reported handled {@link
 * CommitOffsets#whole whole}; one that failed in a write ({@code apply}, {@code history}) or in the
 * reducer, as one of its parts. Writes are idempotent: a re-run over the same input adds no rows,
 * and a retried bundle writes them again, harmlessly.
 */
public final class WriteDeadLetters
    extends PTransform<PCollection<BadRecord>, PCollection<String>> {
  private final Warehouse warehouse;
  private final @javax.annotation.Nullable PiiMasking pii;

  WriteDeadLetters(Warehouse warehouse, @javax.annotation.Nullable PiiMasking pii) {
    this.warehouse = warehouse;
    this.pii = pii;
  }

  @Override
  public PCollection<String> expand(PCollection<BadRecord> input) {
    return input
        .apply("WriteToDeadLetterTable", ParDo.of(new WriteFn(warehouse, pii)))
        .setCoder(StringUtf8Coder.of());
  }

  @Override
  public void populateDisplayData(DisplayData.Builder builder) {
    super.populateDisplayData(builder);
    builder.add(DisplayData.item("warehouse", warehouse.displayUrl()).withLabel("Warehouse"));
  }

  /** A bad record as a dead letter, and the origins it covers. */
  static final class Parsed {
    final DeadLetter letter;
    final List<String> covers;

    Parsed(DeadLetter letter, List<String> covers) {
      this.letter = letter;
      this.covers = covers;
    }
  }

  static Parsed parse(BadRecord bad, Instant now, ObjectMapper json) {
    String rendered = bad.getRecord().getHumanReadableJsonRecord();
    String stage = "unknown";
    String source = "unknown";
    String raw = rendered;
    List<String> covers = new ArrayList<>();
    if (rendered != null) {
      try {
        JsonNode node = json.readTree(rendered);
        if (node.isObject() && node.has("origin") && node.has("stage")) {
          stage = node.get("stage").asText();
          source = Origins.resolve(node.get("origin").asText());
          JsonNode value = node.get("value");
          raw = value == null || value.isNull() ? null : value.asText();
          JsonNode covered = node.get("covers");
          if (covered != null && covered.isArray()) {
            covered.forEach(origin -> covers.add(origin.asText()));
          }
        } else if (node.isTextual()) {
          raw = node.asText();
        }
      } catch (IOException e) {
        // Not JSON: keep Beam's rendering as it is.
      }
    }
    DeadLetter letter = DeadLetter.of(stage, source, bad.getFailure().getDescription(), raw, now);
    return new Parsed(letter, covers);
  }

  /** The stages that fail a record before any part of it is made. */
  private static final java.util.Set<String> WHOLE_RECORD_STAGES =
      java.util.Set.of("read", "ingest", "decode", "sequence", "enrich");

  private static final class WriteFn extends DoFn<BadRecord, String> {
    private static final int MAX_BUFFERED = 1_000;

    /** Covered origins to emit at the end of the bundle, with where they belong. */
    private static final class Covered {
      final String origin;
      final org.joda.time.Instant timestamp;
      final BoundedWindow window;

      Covered(String origin, org.joda.time.Instant timestamp, BoundedWindow window) {
        this.origin = origin;
        this.timestamp = timestamp;
        this.window = window;
      }
    }

    private final Warehouse warehouse;
    private final @javax.annotation.Nullable PiiMasking pii;
    private final Counter written = StarflowMetrics.counter(StarflowMetrics.DEAD_LETTERS_WRITTEN);
    private transient ObjectMapper json;
    private transient DeadLetterWriter writer;
    private transient List<DeadLetter> unwritten;
    private transient List<Covered> covered;

    WriteFn(Warehouse warehouse, @javax.annotation.Nullable PiiMasking pii) {
      this.warehouse = warehouse;
      this.pii = pii;
    }

    @Override
    public void populateDisplayData(DisplayData.Builder builder) {
      builder.add(DisplayData.item("warehouse", warehouse.displayUrl()).withLabel("Warehouse"));
    }

    @Setup
    public void setup() throws SQLException {
      json = Json.mapper();
      writer = DeadLetterWriter.open(warehouse);
      unwritten = new ArrayList<>();
      covered = new ArrayList<>();
    }

    @ProcessElement
    public void process(
        @Element BadRecord bad, @Timestamp org.joda.time.Instant timestamp, BoundedWindow window)
        throws SQLException {
      Parsed parsed = parse(bad, Instant.now(), json);
      if (pii != null) {
        DeadLetter letter = parsed.letter;
        parsed =
            new Parsed(
                DeadLetter.of(
                    letter.stage(),
                    letter.source(),
                    pii.maskReason(letter.reason()),
                    pii.maskText(letter.rawRecord()),
                    letter.failedAt()),
                parsed.covers);
      }
      unwritten.add(parsed.letter);
      boolean whole = WHOLE_RECORD_STAGES.contains(parsed.letter.stage());
      for (String origin : parsed.covers) {
        covered.add(new Covered(whole ? CommitOffsets.whole(origin) : origin, timestamp, window));
      }
      if (unwritten.size() >= MAX_BUFFERED) {
        write();
      }
    }

    @FinishBundle
    public void finishBundle(FinishBundleContext context) throws SQLException {
      write();
      for (Covered c : covered) {
        context.output(c.origin, c.timestamp, c.window);
      }
      covered.clear();
    }

    private void write() throws SQLException {
      writer.write(unwritten);
      written.inc(unwritten.size());
      unwritten.clear();
    }

    @Teardown
    public void teardown() throws SQLException {
      if (writer != null) {
        writer.close();
      }
    }
  }
}
