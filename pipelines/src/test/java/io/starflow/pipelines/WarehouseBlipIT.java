package io.starflow.pipelines;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.greaterThan;

import io.starflow.pipelines.cli.StarflowCli;
import io.starflow.schemas.KeyColumns;
import io.starflow.transforms.debezium.DebeziumTable;
import io.starflow.transforms.testing.EmbeddedKafka;
import io.starflow.transforms.testing.Runs;
import io.starflow.transforms.testing.Tables;
import io.starflow.transforms.testing.TestWarehouses;
import io.starflow.transforms.warehouse.Warehouse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.junit.ClassRule;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;
import org.junit.runner.RunWith;
import org.junit.runners.JUnit4;

/**
 * A streaming mirror into PostgreSQL keeps running while the database drops its connections (as a
 * restart, a failover or an idle-connection reaper does), and ends with the same warehouse as a run
 * that saw no such thing.
 */
@RunWith(JUnit4.class)
public class WarehouseBlipIT {
  @ClassRule public static final EmbeddedKafka KAFKA = new EmbeddedKafka();
  @Rule public final TemporaryFolder folder = new TemporaryFolder();
  @Rule public final TestWarehouses.PostgresSchema streamed = new TestWarehouses.PostgresSchema();
  @Rule public final TestWarehouses.PostgresSchema reference = new TestWarehouses.PostgresSchema();

  private static final String TOPIC = "blip.accounts";
  private static final String GROUP = "blip-test";
  private static final String APPLICATION = "starflow-blip-test";
  private static final int PARTITIONS = 3;
  private static final DebeziumTable ACCOUNTS =
      DebeziumTable.postgres("bank", "public", "accounts")
          .column("id", "int64")
          .column("balance", "int64")
          .build();

  private static List<List<String>> changes(int count, long lsnFrom, long seed) {
    Random random = new Random(seed);
    List<List<String>> byPartition = new ArrayList<>();
    for (int p = 0; p < PARTITIONS; p++) {
      byPartition.add(new ArrayList<>());
    }
    Instant time = Instant.parse("2025-11-28T14:00:00Z").plusSeconds(lsnFrom);
    long lsn = lsnFrom;
    for (int i = 0; i < count; i++) {
      long id = random.nextInt(200);
      lsn += 1 + random.nextInt(5);
      time = time.plusMillis(random.nextInt(200));
      byPartition
          .get((int) (id % PARTITIONS))
          .add(
              random.nextInt(25) == 0
                  ? ACCOUNTS.delete(DebeziumTable.pg(lsn - 1, lsn), time, Map.of("id", id))
                  : ACCOUNTS.update(
                      DebeziumTable.pg(lsn - 1, lsn),
                      time,
                      Map.of("id", id, "balance", (long) random.nextInt(10_000))));
    }
    return byPartition;
  }

  private static void send(List<List<String>> byPartition) {
    for (int p = 0; p < PARTITIONS; p++) {
      KAFKA.send(TOPIC, p, byPartition.get(p));
    }
  }

  /** Terminates every connection of the streaming run; returns how many there were. */
  private static int dropConnections() throws Exception {
    try (Connection admin = DriverManager.getConnection(TestWarehouses.postgresUrl());
        Statement statement = admin.createStatement();
        ResultSet rs =
            statement.executeQuery(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
                    + " WHERE application_name = '"
                    + APPLICATION
                    + "' AND pid <> pg_backend_pid()")) {
      rs.next();
      return rs.getInt(1);
    }
  }

  private static List<String> activity() throws Exception {
    return Tables.rows(
        Warehouse.at(TestWarehouses.postgresUrl()),
        "SELECT application_name || ' ' || coalesce(query, '') FROM pg_stat_activity");
  }

  @Test
  public void aStreamingRunOutlivesDroppedConnectionsAndLosesNothing() throws Exception {
    KAFKA.createTopic(TOPIC, PARTITIONS);
    send(changes(600, 1_000, 1));
    Path log = folder.getRoot().toPath().resolve("mirror.log");
    String url = streamed.warehouse().jdbcUrl() + "&ApplicationName=" + APPLICATION;
    Process run =
        new ProcessBuilder(
                StarflowCli.childCommand(
                    "mirror",
                    "--kafka",
                    KAFKA.bootstrapServers(),
                    "--topics",
                    TOPIC,
                    "--group",
                    GROUP,
                    "--key",
                    "id",
                    "--streaming",
                    "--window",
                    "1s",
                    "--max-event-delay",
                    "1s",
                    "--warehouse",
                    url))
            .redirectErrorStream(true)
            .redirectOutput(log.toFile())
            .start();
    int dropped = 0;
    try {
      StarflowCli.awaitChild(
          "some committed progress", () -> KAFKA.committedTotal(GROUP) > 0, run, log);
      for (int round = 0; round < 4; round++) {
        send(changes(250, 100_000 * (round + 2), 10 + round));
        dropped += dropConnections();
        Thread.sleep(700);
        dropped += dropConnections();
      }
      StarflowCli.awaitChild(
          "every offset committed", () -> KAFKA.allCommitted(GROUP, TOPIC, PARTITIONS), run, log);
      assertThat("the run kept going:\n" + Files.readString(log), run.isAlive(), equalTo(true));
    } finally {
      run.destroy();
      if (!run.waitFor(60, TimeUnit.SECONDS)) {
        run.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
      }
    }
    assertThat("connections were dropped: " + activity(), dropped, greaterThan(0));

    long total = 0;
    for (long end : KAFKA.endOffsets(TOPIC, PARTITIONS).values()) {
      total += end;
    }
    Warehouse uninterrupted = reference.warehouse();
    Pipeline pipeline = Pipeline.create(PipelineOptionsFactory.create());
    MirrorPipeline.buildFromKafka(
        pipeline,
        MirrorSettings.builder().setWarehouse(uninterrupted).setKeys(KeyColumns.of("id")).build(),
        KafkaSettings.builder()
            .setBootstrapServers(KAFKA.bootstrapServers())
            .setTopics(List.of(TOPIC))
            .setMaxRecords(total)
            .build());
    Runs.finish(pipeline.run());

    Warehouse blipped = streamed.warehouse();
    for (String table : List.of("accounts", "accounts_history")) {
      assertThat(table, Tables.dump(blipped, table), equalTo(Tables.dump(uninterrupted, table)));
    }
    assertThat(Tables.count(blipped, "SELECT count(*) FROM dead_letter"), equalTo(0L));
    System.out.println("connections dropped under the streaming run: " + dropped);
  }
}
