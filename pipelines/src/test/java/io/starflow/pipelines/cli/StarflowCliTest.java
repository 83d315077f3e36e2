package io.starflow.pipelines.cli;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.not;

import io.starflow.transforms.debezium.DebeziumTable;
import io.starflow.transforms.testing.Tables;
import io.starflow.transforms.warehouse.Warehouse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;
import org.junit.runner.RunWith;
import org.junit.runners.JUnit4;

@RunWith(JUnit4.class)
public class StarflowCliTest {
  @Rule public final TemporaryFolder folder = new TemporaryFolder();

  private static StarflowCli.Run starflow(String... args) {
    return StarflowCli.run(args);
  }

  @Test
  public void everyCommandHasHelp() {
    java.util.Set<String> commands = Starflow.commandLine().getSubcommands().keySet();
    assertThat(commands, org.hamcrest.Matchers.hasItems("mirror", "events", "ecst", "enrich"));
    for (String command : commands) {
      StarflowCli.Run run = starflow(command, "--help");
      assertThat(command, run.exitCode, equalTo(0));
      assertThat(run.out, containsString("Usage: starflow " + command));
    }
    StarflowCli.Run top = starflow("--help");
    assertThat(top.exitCode, equalTo(0));
    assertThat(top.out, containsString("Exit codes"));
  }

  @Test
  public void everyShapeThatReadsKafkaCanStream() {
    for (String command : List.of("mirror", "events", "ecst", "enrich")) {
      StarflowCli.Run run = starflow(command, "--help");
      assertThat(command, run.out, containsString("--streaming"));
    }
  }

  @Test
  public void mirrorWithoutKeyIsAUsageError() {
    StarflowCli.Run run = starflow("mirror", "--input", "x.jsonl");
    assertThat(run.exitCode, equalTo(2));
    assertThat(run.err, containsString("give the key columns with --key, or a model"));
  }

  @Test
  public void inputMatchingNothingIsAUsageError() {
    StarflowCli.Run run =
        starflow("mirror", "--input", folder.getRoot() + "/none-*.jsonl", "--key", "id");
    assertThat(run.exitCode, equalTo(2));
    assertThat(run.err, containsString("no file matches --input"));
  }

  @Test
  public void unknownWarehouseIsAUsageErrorThatHidesThePassword() throws Exception {
    Path input = folder.newFile("in.jsonl").toPath();
    StarflowCli.Run run =
        starflow(
            "mirror",
            "--input",
            input.toString(),
            "--key",
            "id",
            "--warehouse",
            "jdbc:oracle:thin:@db?user=a&password=hunter2");
    assertThat(run.exitCode, equalTo(2));
    assertThat(run.err, containsString("unsupported warehouse URL"));
    assertThat(run.err.contains("hunter2"), equalTo(false));
  }

  @Test
  public void malformedKeySpecIsAUsageError() throws Exception {
    Path input = folder.newFile("in.jsonl").toPath();
    StarflowCli.Run run = starflow("mirror", "--input", input.toString(), "--key", "a=");
    assertThat(run.exitCode, equalTo(2));
    assertThat(run.err, containsString("key spec 'a='"));
  }

  @Test
  public void mirrorWritesTheTableAndReportsReconciledCounts() throws Exception {
    DebeziumTable users =
        DebeziumTable.postgres("app", "public", "users")
            .column("id", "int64")
            .column("name", "string")
            .build();
    Instant t = Instant.parse("2025-11-28T14:00:00Z");
    Path input = folder.getRoot().toPath().resolve("users.jsonl");
    Files.write(
        input,
        List.of(
            users.insert(DebeziumTable.pg(1, 10), t, Map.of("id", 1L, "name", "a")),
            users.update(DebeziumTable.pg(2, 20), t, Map.of("id", 1L, "name", "b")),
            "{not json",
            users.insert(DebeziumTable.pg(2, 30), t, Map.of("id", 2L, "name", "c"))));
    Warehouse warehouse =
        Warehouse.at("jdbc:duckdb:" + folder.getRoot().toPath().resolve("w.duckdb"));
    StarflowCli.Run run =
        starflow(
            "mirror",
            "--input",
            input.toString(),
            "--key",
            "id",
            "--table",
            "people",
            "--warehouse",
            warehouse.jdbcUrl());
    assertThat(run.err, run.exitCode, equalTo(0));
    assertThat(run.out, containsString("records read                      4"));
    assertThat(run.out, containsString("counts reconcile"));
    assertThat(Tables.value(warehouse, "people", 1, "name"), equalTo("b"));
    assertThat(Tables.count(warehouse, "SELECT count(*) FROM dead_letter"), equalTo(1L));
  }

  @Test
  public void ecstLandsInBronzeOnceAndReportsOversizedEvents() throws Exception {
    Path input = folder.getRoot().toPath().resolve("catalog.jsonl");
    Files.write(
        input,
        List.of(
            "{\"event_id\":\"a\",\"event_time\":\"2025-11-01T00:00:00Z\","
                + "\"data\":{\"sku\":\"A\",\"version\":1,\"name\":\"apple\"}}",
            "{\"event_id\":\"b\",\"event_time\":\"2025-11-01T01:00:00Z\","
                + "\"data\":{\"sku\":\"A\",\"version\":2,\"name\":\""
                + "a".repeat(300)
                + "\"}}"));
    String[] args = {
      "ecst",
      "--input",
      input.toString(),
      "--table",
      "products",
      "--key",
      "sku",
      "--version-field",
      "version",
      "--max-event-bytes",
      "200",
      "--warehouse",
      "jdbc:duckdb:" + folder.getRoot().toPath().resolve("ecst.duckdb")
    };
    StarflowCli.Run first = starflow(args);
    assertThat(first.err, first.exitCode, equalTo(0));
    assertThat(first.out, containsString("records read                          2"));
    assertThat(first.out, containsString("oversized, dead-lettered              1"));
    assertThat(first.out, containsString("rows in bronze_products               1"));
    StarflowCli.Run again = starflow(args);
    assertThat(again.out, containsString("rows in bronze_products               1"));
    assertThat(again.out, containsString("counts reconcile"));
  }

  @Test
  public void eventsAndAsOfCheckTheirArguments() throws Exception {
    StarflowCli.Run none = starflow("events");
    assertThat(none.exitCode, equalTo(2));
    assertThat(none.err, containsString("give one of --input, --kafka or --event-store"));
    StarflowCli.Run unknown = starflow("events", "--input", "x.jsonl", "--aggregate", "orders");
    assertThat(unknown.exitCode, equalTo(2));
    assertThat(unknown.err, containsString("no reducer for aggregate type 'orders'"));
    StarflowCli.Run both =
        starflow("as-of", "--at", "2025-11-28T14:00:00Z", "--from", "2025-11-28T00:00:00Z");
    assertThat(both.exitCode, equalTo(2));
    assertThat(both.err, containsString("give --at, or --from, --to and --every; not both"));
    StarflowCli.Run badTime = starflow("as-of", "--at", "Black Friday");
    assertThat(badTime.exitCode, equalTo(2));
    assertThat(badTime.err, containsString("is not a time such as 2025-11-28T14:00:00Z"));
    StarflowCli.Run noEvents =
        starflow(
            "as-of",
            "--at",
            "2025-11-28T14:00:00Z",
            "--warehouse",
            "jdbc:duckdb:" + folder.getRoot().toPath().resolve("empty.duckdb"));
    // not a usage error: the command line is right, the warehouse is not ready for it
    assertThat(noEvents.exitCode, equalTo(1));
    assertThat(noEvents.err, containsString("run `starflow events` first"));
    assertThat(noEvents.err, not(containsString("Exception")));
  }

  @Test
  public void aModelThatCannotBeUsedIsAUsageErrorNamingFileAndLine() throws Exception {
    Path model = folder.getRoot().toPath().resolve("bad.yaml");
    Files.writeString(
        model,
        String.join(
            "\n",
            "sources:",
            "  users:",
            "    kind: cdc",
            "    location: users.jsonl",
            "    key: [id]",
            "    columns: {id: bigint, name: string}",
            "dimensions:",
            "  dim_user:",
            "    source: users",
            "    attributes: [name, nickname]",
            ""));
    StarflowCli.Run run = starflow("run", "--model", model.toString());
    assertThat(run.exitCode, equalTo(2));
    assertThat(
        run.err,
        containsString(model + ":10: dimension dim_user: attribute nickname is not a column"));

    Files.writeString(model, "sources:\n  users: {kind: cdc, key: [id], columns: {id: bigint}}\n");
    StarflowCli.Run noLocation = starflow("run", "--model", model.toString());
    assertThat(noLocation.exitCode, equalTo(2));
    assertThat(noLocation.err, containsString("source users has no location"));

    Files.writeString(model, "sources:\n  users: {kind: ecst, key: [id], columns: {id: bigint}}\n");
    StarflowCli.Run fullState = starflow("run", "--model", model.toString());
    assertThat(fullState.exitCode, equalTo(2));
    assertThat(
        fullState.err,
        containsString("source users holds full-state events: land them with starflow ecst"));
    StarflowCli.Run notInModel =
        starflow(
            "ecst",
            "--input",
            model.toString(),
            "--table",
            "accounts",
            "--key",
            "id",
            "--model",
            model.toString());
    assertThat(notInModel.exitCode, equalTo(2));
    assertThat(notInModel.err, containsString("no source named accounts (sources: [users])"));
    StarflowCli.Run otherKey =
        starflow(
            "ecst",
            "--input",
            model.toString(),
            "--table",
            "users",
            "--key",
            "uid",
            "--model",
            model.toString());
    assertThat(otherKey.exitCode, equalTo(2));
    assertThat(otherKey.err, containsString("--key uid differs from the key of source users"));
  }

  @Test
  public void eventsAccountForEveryLineReadInTheirCounts() throws Exception {
    Path input = folder.getRoot().toPath().resolve("inventory.jsonl");
    String event =
        "{\"aggregate_type\":\"TYPE\",\"aggregate_id\":\"SKU-1\",\"version\":V,"
            + "\"event_type\":\"received\",\"payload\":{\"quantity\":2,\"unit_cost\":1.5},"
            + "\"event_time\":\"2025-11-01T00:00:0VZ\",\"event_id\":\"eV\"}";
    Files.write(
        input,
        List.of(
            event.replace("TYPE", "inventory").replace("V", "1"),
            event.replace("TYPE", "inventory").replace("V", "2"),
            event.replace("TYPE", "inventory").replace("V", "2"), // a redelivery
            event.replace("TYPE", "orders").replace("V", "1"), // no reducer for it
            "{\"aggregate_type\":"));
    StarflowCli.Run run =
        starflow(
            "events",
            "--input",
            input.toString(),
            "--aggregate",
            "inventory",
            "--warehouse",
            "jdbc:duckdb:" + folder.getRoot().toPath().resolve("events.duckdb"));
    assertThat(run.err, run.exitCode, equalTo(0));
    assertThat(run.out, containsString("records read                        5"));
    assertThat(run.out, containsString("other types dead-lettered           1"));
    assertThat(run.out, containsString("undecodable dead-lettered           1"));
    assertThat(run.out, containsString("counts reconcile"));
  }

  @Test
  public void enrichmentAccountsForEveryLineReadInItsCounts() throws Exception {
    Path input = folder.getRoot().toPath().resolve("notifications.jsonl");
    Files.write(
        input,
        List.of(
            "{\"event\":\"OrderPaid\",\"id\":\"1\",\"time\":\"2025-11-28T08:00:00Z\"}",
            "{\"event\":\"OrderShipped\",\"id\":\"1\",\"time\":\"2025-11-28T09:00:00Z\"}",
            "{\"event\":\"OrderPaid\",\"id\":\"2\",\"time\":\"2025-11-28T08:00:00Z\"}",
            "not a notification"));
    try (io.starflow.pipelines.sample.OrderApi api =
        io.starflow.pipelines.sample.OrderApi.start()) {
      StarflowCli.Run run =
          starflow(
              "enrich",
              "--input",
              input.toString(),
              "--url",
              api.url(),
              "--table",
              "order_details",
              "--warehouse",
              "jdbc:duckdb:" + folder.getRoot().toPath().resolve("enrich.duckdb"));
      assertThat(run.err, run.exitCode, equalTo(0));
      assertThat(run.out, containsString("records read                          4"));
      assertThat(run.out, containsString("records enriched                      2"));
      assertThat(run.out, containsString("counts reconcile"));
    }
  }
}
