package io.starflow.pipelines.cli;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.empty;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItems;
import static org.hamcrest.Matchers.startsWith;

import io.starflow.transforms.pii.PiiMasking;
import io.starflow.transforms.testing.Tables;
import io.starflow.transforms.warehouse.Warehouse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.regex.Pattern;
import org.junit.Before;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;
import org.junit.runner.RunWith;
import org.junit.runners.JUnit4;

/**
 * {@code starflow ecst --model}: the model's PII columns of a full-state source are masked before
 * anything lands, in a child JVM that has the key in its environment (and in one that has not).
 */
@RunWith(JUnit4.class)
public class EcstModelIT {
  @Rule public final TemporaryFolder folder = new TemporaryFolder();

  private static final Pattern RAW =
      Pattern.compile("contact\\d+@example\\.com|Contact \\d+", Pattern.CASE_INSENSITIVE);

  private static final String MODEL =
      String.join(
          "\n",
          "sources:",
          "  contacts:",
          "    kind: ecst",
          "    key: [id]",
          "    columns: {id: bigint, version: bigint, name: string, email: string, tier: string}",
          "    pii: [name, email]",
          "dimensions:",
          "  dim_contact:",
          "    source: contacts",
          "    attributes: [name, tier]",
          "    versioned_by: [tier]",
          "");

  /** Three versions of 30 contacts, shuffled and partly redelivered, and events that fail. */
  private static List<String> events() {
    List<String> lines = new ArrayList<>();
    for (int id = 1; id <= 30; id++) {
      for (int version = 1; version <= 3; version++) {
        lines.add(
            String.format(
                "{\"event_id\":\"c%d-%d\",\"event_time\":\"2025-11-%02dT10:00:00Z\","
                    + "\"data\":{\"id\":%d,\"version\":%d,\"name\":\"Contact %d\","
                    + "\"email\":\"contact%d@example.com\",\"tier\":\"t%d\"}}",
                id, version, version, id, version, id, id, version));
      }
    }
    Random random = new Random(7);
    for (int i = 0; i < 10; i++) {
      lines.add(lines.get(random.nextInt(lines.size())));
    }
    Collections.shuffle(lines, random);
    // over the size limit, and cut short: both dead-lettered, neither raw
    lines.add(
        "{\"event_id\":\"big\",\"event_time\":\"2025-11-04T10:00:00Z\",\"data\":{\"id\":31,"
            + "\"version\":1,\"name\":\"Contact 31\",\"email\":\"contact31@example.com\","
            + "\"tier\":\""
            + "x".repeat(600)
            + "\"}}");
    lines.add("{\"event_id\":\"cut\",\"data\":{\"id\":32,\"name\":\"Contact 32\"");
    return lines;
  }

  private Path work;
  private Path input;
  private Path model;

  @Before
  public void writeEventsAndModel() throws Exception {
    work = folder.getRoot().toPath();
    input = work.resolve("contacts.jsonl");
    Files.write(input, events());
    model = work.resolve("crm.yaml");
    Files.writeString(model, MODEL);
  }

  private StarflowCli.Run ecst(Path warehouse, String key) throws Exception {
    Map<String, String> environment = new HashMap<>();
    environment.put(PiiMasking.KEY_VARIABLE, key);
    return StarflowCli.inChildProcess(
        environment,
        "ecst",
        "--input",
        input.toString(),
        "--table",
        "contacts",
        "--key",
        "id",
        "--version-field",
        "version",
        "--max-event-bytes",
        "500",
        "--model",
        model.toString(),
        "--warehouse",
        "jdbc:duckdb:" + warehouse);
  }

  @Test
  public void modelPiiColumnsAreMaskedInEveryTableAndTheStarIsBuilt() throws Exception {
    assertThat(RAW.matcher(Files.readString(input)).find(), equalTo(true));

    Path file = work.resolve("crm.duckdb");
    StarflowCli.Run run = ecst(file, "a-test-key-for-contacts-0123456789");
    assertThat(run.out, run.exitCode, equalTo(0));
    assertThat(run.out, containsString("counts reconcile"));
    assertThat(
        run.out,
        Pattern.compile("oversized, dead-lettered +1 ").matcher(run.out).find(),
        equalTo(true));
    assertThat(RAW.matcher(run.out).find(), equalTo(false));

    Warehouse warehouse = Warehouse.at("jdbc:duckdb:" + file);
    Tables.Scan scan = Tables.scan(warehouse, RAW);
    assertThat(
        scan.tables,
        hasItems("bronze_contacts", "contacts", "contacts_history", "dim_contact", "dead_letter"));
    assertThat(scan.found.subList(0, Math.min(5, scan.found.size())), empty());
    assertThat(Tables.count(warehouse, "SELECT count(*) FROM contacts"), equalTo(30L));
    assertThat(Tables.count(warehouse, "SELECT count(*) FROM contacts_history"), equalTo(90L));
    assertThat(Tables.count(warehouse, "SELECT count(*) FROM dead_letter"), equalTo(2L));
    // three tiers, so three versions per contact in the SCD2 dimension, named by digest
    assertThat(
        Tables.count(warehouse, "SELECT count(*) FROM dim_contact WHERE id > 0"), equalTo(90L));
    assertThat(String.valueOf(Tables.value(warehouse, "contacts", 7, "name")), startsWith("hmac:"));
    assertThat(
        Tables.rows(warehouse, "SELECT DISTINCT name FROM dim_contact WHERE id = 7").toString(),
        equalTo("[" + Tables.value(warehouse, "contacts", 7, "name") + "]"));
  }

  @Test
  public void aModelWithPiiAndNoKeyRefusesToStart() throws Exception {
    Path file = work.resolve("refused.duckdb");
    StarflowCli.Run run = ecst(file, null);
    assertThat(run.out, run.exitCode, equalTo(2));
    assertThat(run.out, containsString("contacts.name, contacts.email"));
    assertThat(run.out, containsString("STARFLOW_PII_KEY is not set"));
    assertThat(Files.exists(file), equalTo(false));
  }
}
