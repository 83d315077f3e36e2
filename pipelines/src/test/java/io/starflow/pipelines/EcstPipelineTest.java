package io.starflow.pipelines;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.equalTo;

import io.starflow.schemas.KeyColumns;
import io.starflow.transforms.StarflowMetrics;
import io.starflow.transforms.ecst.EcstFormat;
import io.starflow.transforms.pii.PiiMasking;
import io.starflow.transforms.testing.Runs;
import io.starflow.transforms.testing.Tables;
import io.starflow.transforms.testing.TestWarehouses;
import io.starflow.transforms.warehouse.Warehouse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.PipelineResult;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;
import org.junit.runner.RunWith;
import org.junit.runners.JUnit4;

/** ECST events: bronze first (idempotent on origin), then mirror and history; size limit. */
@RunWith(JUnit4.class)
public class EcstPipelineTest {
  @Rule public final TemporaryFolder folder = new TemporaryFolder();

  private static final int LIMIT = 600;
  private static final EcstFormat FORMAT =
      EcstFormat.builder()
          .setTable("products")
          .setKeyFields(List.of("sku"))
          .setVersionField("version")
          .setMaxBytes(LIMIT)
          .build();

  private static String event(String sku, long version, String name, long price, boolean deleted) {
    return String.format(
        "{\"event_id\":\"%s-%d\",\"event_time\":\"%s\",\"type\":\"ProductChanged\",%s"
            + "\"data\":{\"sku\":\"%s\",\"version\":%d,\"name\":\"%s\",\"price_cents\":%d}}",
        sku,
        version,
        Instant.parse("2025-11-01T00:00:00Z").plusSeconds(version * 3600),
        deleted ? "\"deleted\":true," : "",
        sku,
        version,
        name,
        price);
  }

  private PipelineResult land(Warehouse warehouse, Path file) {
    return land(warehouse, file, null);
  }

  private PipelineResult land(Warehouse warehouse, Path file, PiiMasking pii) {
    Pipeline pipeline = Pipeline.create(PipelineOptionsFactory.create());
    EcstPipeline.fromFiles(
        pipeline,
        FORMAT,
        MirrorSettings.builder()
            .setWarehouse(warehouse)
            .setKeys(KeyColumns.parse(List.of("sku")))
            .setShards(2)
            .setPii(pii)
            .build(),
        file.toString());
    PipelineResult result = pipeline.run();
    assertThat(Runs.finish(result), equalTo(PipelineResult.State.DONE));
    return result;
  }

  @Test
  public void landsInBronzeOnceThenMirrorsTheLatestStateAndDeadLettersOversizedEvents()
      throws Exception {
    Random random = new Random(8);
    List<String> lines = new ArrayList<>();
    Map<String, String> finalState = new TreeMap<>();
    long versions = 0;
    for (int n = 0; n < 40; n++) {
      String sku = String.format("P%03d", n);
      int count = 1 + random.nextInt(5);
      for (int v = 1; v <= count; v++) {
        boolean deleted = v == count && random.nextInt(5) == 0;
        long price = 100 + random.nextInt(900);
        lines.add(event(sku, v, "name " + v, price, deleted));
        versions++;
        finalState.put(sku, deleted ? "deleted" : "name " + v + "|" + price);
      }
    }
    int delivered = lines.size();
    for (int i = 0; i < 25; i++) {
      lines.add(lines.get(random.nextInt(delivered)));
    }
    lines.add(event("P999", 1, "x".repeat(LIMIT), 1, false)); // above the limit
    lines.add(
        "{\"event_id\":\"e\",\"event_time\":\"2025-11-01T00:00:00Z\",\"data\":{\"name\":\"no sku\"}}");
    lines.add("{not json");
    Collections.shuffle(lines, random);
    Path file = folder.newFolder().toPath().resolve("products.jsonl");
    Files.write(file, lines);

    Warehouse warehouse = TestWarehouses.duckDb(folder.newFolder().toPath());
    RunCounts counts = RunCounts.of(land(warehouse, file));
    long good = lines.size() - 3;
    assertThat(Tables.count(warehouse, "SELECT count(*) FROM bronze_products"), equalTo(good));
    assertThat(
        "every bronze row knows its file and line",
        Tables.count(
            warehouse,
            "SELECT count(*) FROM bronze_products WHERE source_line BETWEEN 1 AND "
                + lines.size()
                + " AND source_file LIKE '%products.jsonl' AND size_bytes > 0"),
        equalTo(good));
    assertThat(counts.get(StarflowMetrics.OVERSIZED), equalTo(1L));
    assertThat(
        Tables.rows(warehouse, "SELECT stage, reason FROM dead_letter ORDER BY stage, reason"),
        equalTo(
            List.of(
                "decode|malformed JSON: Unexpected character ('n' (code 110)): was expecting"
                    + " double-quote to start field name (at line 1, column 3)",
                "decode|missing key field 'sku'",
                "ingest|event of "
                    + String.format(
                        "%,d",
                        lines.stream().filter(l -> l.contains("P999")).findFirst().get().length())
                    + " bytes is above the 600-byte limit; not truncated, not applied")));

    Map<String, String> mirrored = new TreeMap<>();
    for (String row :
        Tables.rows(warehouse, "SELECT sku, _deleted, name, price_cents FROM products")) {
      String[] parts = row.split("\\|");
      mirrored.put(parts[0], parts[1].equals("true") ? "deleted" : parts[2] + "|" + parts[3]);
    }
    assertThat(mirrored, equalTo(finalState));
    assertThat(Tables.count(warehouse, "SELECT count(*) FROM products_history"), equalTo(versions));

    // a replay of the same file adds nothing anywhere
    List<String> bronze = Tables.dump(warehouse, "bronze_products");
    List<String> history = Tables.dump(warehouse, "products_history");
    List<String> deadLetters = Tables.dump(warehouse, "dead_letter");
    land(warehouse, file);
    assertThat(Tables.dump(warehouse, "bronze_products"), equalTo(bronze));
    assertThat(Tables.dump(warehouse, "products_history"), equalTo(history));
    assertThat(Tables.dump(warehouse, "dead_letter").size(), equalTo(deadLetters.size()));
  }

  @Test
  public void personalFieldsAreMaskedInBronzeMirrorHistoryAndDeadLetters() throws Exception {
    List<String> lines = new ArrayList<>();
    for (int n = 0; n < 20; n++) {
      lines.add(event(String.format("P%03d", n), 1, "Secret Name " + n, 100 + n, false));
    }
    lines.add(event("P999", 1, "Secret Name 999 " + "x".repeat(LIMIT), 1, false)); // oversized
    lines.add(
        "{\"event_id\":\"e\",\"event_time\":\"yesterday\",\"data\":{\"sku\":\"Q\",\"name\":\"Secret Name 1000\"}}");
    Path file = folder.newFolder().toPath().resolve("products.jsonl");
    Files.write(file, lines);
    Warehouse warehouse = TestWarehouses.duckDb(folder.newFolder().toPath());
    PiiMasking pii = PiiMasking.withKey(Map.of("products", List.of("name")), "test-key-0123456789");
    land(warehouse, file, pii);
    List<String> everything = new ArrayList<>();
    for (String table : List.of("bronze_products", "products", "products_history", "dead_letter")) {
      everything.addAll(Tables.dump(warehouse, table));
    }
    assertThat(
        everything.stream()
            .filter(r -> r.contains("Secret Name"))
            .collect(java.util.stream.Collectors.toList()),
        equalTo(List.of()));
    assertThat(
        Tables.rows(warehouse, "SELECT name FROM products WHERE sku = 'P003'"),
        equalTo(List.of(pii.hmac("Secret Name 3"))));
    assertThat(Tables.count(warehouse, "SELECT count(*) FROM dead_letter"), equalTo(2L));
  }
}
