package io.starflow.pipelines;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.equalTo;

import io.starflow.pipelines.cli.StarflowCli;
import io.starflow.schemas.KeyColumns;
import io.starflow.transforms.debezium.DebeziumTable;
import io.starflow.transforms.testing.EmbeddedKafka;
import io.starflow.transforms.testing.Runs;
import io.starflow.transforms.testing.Tables;
import io.starflow.transforms.warehouse.Warehouse;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
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
 * A streaming mirror in its own process, killed with {@code kill -9} in the middle of the stream
 * and started again with the same consumer group, ends with the same warehouse as one uninterrupted
 * run: nothing missing, nothing twice, no older version winning.
 */
@RunWith(JUnit4.class)
public class KafkaRestartIT {
  @ClassRule public static final EmbeddedKafka KAFKA = new EmbeddedKafka();
  @Rule public final TemporaryFolder folder = new TemporaryFolder();

  private static final String TOPIC = "restart.accounts";
  private static final String GROUP = "restart-test";
  private static final int PARTITIONS = 3;
  private static final DebeziumTable ACCOUNTS =
      DebeziumTable.postgres("bank", "public", "accounts")
          .column("id", "int64")
          .column("balance", "int64")
          .column("note", "string")
          .build();

  /** Per partition, a change history of its keys: inserts, updates, deletes and re-inserts. */
  private static Map<Integer, List<String>> history(int events, long seed) {
    Random random = new Random(seed);
    Map<Integer, List<String>> byPartition = new LinkedHashMap<>();
    for (int p = 0; p < PARTITIONS; p++) {
      byPartition.put(p, new ArrayList<>());
    }
    Instant time = Instant.parse("2025-11-28T14:00:00Z");
    long lsn = 1_000;
    for (int i = 0; i < events; i++) {
      long id = random.nextInt(300);
      long last = lsn;
      lsn += 1 + random.nextInt(9);
      time = time.plusMillis(random.nextInt(500));
      List<String> partition = byPartition.get((int) (id % PARTITIONS));
      if (random.nextInt(20) == 0) {
        partition.add(ACCOUNTS.delete(DebeziumTable.pg(last, lsn), time, Map.of("id", id)));
        partition.add("null");
      } else {
        partition.add(
            ACCOUNTS.update(
                DebeziumTable.pg(last, lsn),
                time,
                Map.of("id", id, "balance", (long) random.nextInt(10_000), "note", "event " + i)));
      }
      if (random.nextInt(500) == 0) {
        partition.add("{\"broken\":");
      }
    }
    return byPartition;
  }

  private Process startMirror(Path warehouseFile, Path log) throws IOException {
    List<String> command =
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
            "jdbc:duckdb:" + warehouseFile);
    return new ProcessBuilder(command)
        .redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
        .start();
  }

  @Test
  public void killedMidStreamAndRestartedItEndsLikeAnUninterruptedRun() throws Exception {
    KAFKA.createTopic(TOPIC, PARTITIONS);
    Map<Integer, List<String>> first = history(1_500, 1);
    Map<Integer, List<String>> second = history(1_500, 2);
    first.forEach((p, lines) -> KAFKA.send(TOPIC, p, lines));

    Path work = folder.getRoot().toPath();
    Path warehouseFile = work.resolve("restarted.duckdb");
    Path log = work.resolve("mirror.log");
    Process run = startMirror(warehouseFile, log);
    try {
      StarflowCli.awaitChild(
          "some committed progress", () -> KAFKA.committedTotal(GROUP) > 0, run, log);
      second.forEach((p, lines) -> KAFKA.send(TOPIC, p, lines));
    } finally {
      run.destroyForcibly().waitFor(30, TimeUnit.SECONDS); // kill -9
    }
    // what the killed run committed no longer changes: it must have left records behind
    assertThat("killed mid-stream", KAFKA.allCommitted(GROUP, TOPIC, PARTITIONS), equalTo(false));

    Process again = startMirror(warehouseFile, log);
    try {
      StarflowCli.awaitChild(
          "every offset committed", () -> KAFKA.allCommitted(GROUP, TOPIC, PARTITIONS), again, log);
    } finally {
      again.destroy();
      if (!again.waitFor(60, TimeUnit.SECONDS)) {
        again.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
      }
    }

    long total = 0;
    for (long end : KAFKA.endOffsets(TOPIC, PARTITIONS).values()) {
      total += end;
    }
    Warehouse uninterrupted = Warehouse.at("jdbc:duckdb:" + work.resolve("uninterrupted.duckdb"));
    Pipeline reference = Pipeline.create(PipelineOptionsFactory.create());
    MirrorPipeline.buildFromKafka(
        reference,
        MirrorSettings.builder().setWarehouse(uninterrupted).setKeys(KeyColumns.of("id")).build(),
        KafkaSettings.builder()
            .setBootstrapServers(KAFKA.bootstrapServers())
            .setTopics(List.of(TOPIC))
            .setMaxRecords(total)
            .build());
    Runs.finish(reference.run());

    Warehouse restarted = Warehouse.at("jdbc:duckdb:" + warehouseFile);
    assertThat(Tables.dump(restarted, "accounts"), equalTo(Tables.dump(uninterrupted, "accounts")));
    assertThat(
        Tables.count(restarted, "SELECT count(*) FROM dead_letter"),
        equalTo(Tables.count(uninterrupted, "SELECT count(*) FROM dead_letter")));
    assertThat(
        Files.readString(log).contains("Committed offsets of group " + GROUP), equalTo(true));
  }
}
