package io.starflow.transforms.deadletter;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.starflow.transforms.StarflowMetrics;
import io.starflow.transforms.warehouse.Warehouse;
import java.io.IOException;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.apache.beam.sdk.metrics.Counter;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.transforms.display.DisplayData;
import org.apache.beam.sdk.transforms.errorhandling.BadRecord;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PDone;

/**
 * Writes Beam {@link BadRecord}s to the warehouse's {@code dead_letter} table: stage, source (the
 * record's origin, e.g. {@code file:line}), reason (the failure description), the raw record and
 * the time it was written.
 *
 * <p>Records routed as {@link io.starflow.schemas.RawRecord}s keep their origin and exact text; any
 * other record is kept as Beam's JSON rendering of it. Writes are idempotent: a re-run over the
 * same input adds no rows. Dead letters are written at the end of each bundle, so a retried bundle
 * writes them again, harmlessly.
 */
public final class WriteDeadLetters extends PTransform<PCollection<BadRecord>, PDone> {
  private final Warehouse warehouse;

  WriteDeadLetters(Warehouse warehouse) {
    this.warehouse = warehouse;
  }

  @Override
  public PDone expand(PCollection<BadRecord> input) {
    input.apply("WriteToDeadLetterTable", ParDo.of(new WriteFn(warehouse)));
    return PDone.in(input.getPipeline());
  }

  @Override
  public void populateDisplayData(DisplayData.Builder builder) {
    super.populateDisplayData(builder);
    builder.add(DisplayData.item("warehouse", warehouse.displayUrl()).withLabel("Warehouse"));
  }

  /** Turns a bad record into a dead letter. */
  static DeadLetter toDeadLetter(BadRecord bad, Instant now, ObjectMapper json) {
    String rendered = bad.getRecord().getHumanReadableJsonRecord();
    String stage = "unknown";
    String source = "unknown";
    String raw = rendered;
    if (rendered != null) {
      try {
        JsonNode node = json.readTree(rendered);
        if (node.isObject() && node.has("origin") && node.has("stage")) {
          stage = node.get("stage").asText();
          source = node.get("origin").asText();
          JsonNode value = node.get("value");
          raw = value == null || value.isNull() ? null : value.asText();
        } else if (node.isTextual()) {
          raw = node.asText();
        }
      } catch (IOException e) {
        // Not JSON: keep Beam's rendering as it is.
      }
    }
    return DeadLetter.of(stage, source, bad.getFailure().getDescription(), raw, now);
  }

  private static final class WriteFn extends DoFn<BadRecord, Void> {
    private static final int MAX_BUFFERED = 1_000;

    private final Warehouse warehouse;
    private final Counter written = StarflowMetrics.counter(StarflowMetrics.DEAD_LETTERS_WRITTEN);
    private transient ObjectMapper json;
    private transient DeadLetterWriter writer;
    private transient List<DeadLetter> buffer;

    WriteFn(Warehouse warehouse) {
      this.warehouse = warehouse;
    }

    @Setup
    public void setup() throws SQLException {
      json = new ObjectMapper();
      writer = DeadLetterWriter.open(warehouse);
      buffer = new ArrayList<>();
    }

    @ProcessElement
    public void process(@Element BadRecord bad) throws SQLException {
      buffer.add(toDeadLetter(bad, Instant.now(), json));
      if (buffer.size() >= MAX_BUFFERED) {
        flush();
      }
    }

    @FinishBundle
    public void finishBundle() throws SQLException {
      flush();
    }

    private void flush() throws SQLException {
      writer.write(buffer);
      written.inc(buffer.size());
      buffer.clear();
    }

    @Teardown
    public void teardown() throws SQLException {
      if (writer != null) {
        writer.close();
      }
    }
  }
}
