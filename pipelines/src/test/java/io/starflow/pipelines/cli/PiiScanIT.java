package io.starflow.pipelines.cli;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.empty;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.greaterThan;

import io.starflow.transforms.testing.Tables;
import io.starflow.transforms.warehouse.Warehouse;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

/**
 * The demo's customers carry personal data (name "Customer N", email "customerN@example.com", a bio
 * that repeats the name). After a whole demo run, no table, dead letter or log line holds any of it
 * raw: only keyed digests.
 */
public class PiiScanIT {
  @Rule public final TemporaryFolder folder = new TemporaryFolder();

  private static final Pattern RAW =
      Pattern.compile("customer\\d+@example\\.com|Customer \\d+", Pattern.CASE_INSENSITIVE);

  @Test
  public void noTableDeadLetterOrLogLineHoldsRawPersonalData() throws Exception {
    Path work = folder.getRoot().toPath();
    Path data = work.resolve("data");
    ByteArrayOutputStream logs = new ByteArrayOutputStream();
    PrintStream out = System.out;
    PrintStream err = System.err;
    StarflowCli.Run run;
    try (PrintStream capture = new PrintStream(logs, true, StandardCharsets.UTF_8)) {
      System.setOut(capture);
      System.setErr(capture);
      run =
          StarflowCli.run(
              "demo",
              "--data-dir",
              data.toString(),
              "--warehouse",
              "jdbc:duckdb:" + work.resolve("pii.duckdb"));
    } finally {
      System.setOut(out);
      System.setErr(err);
    }
    assertThat(run.err, run.exitCode, equalTo(0));
    // the input does hold it, so the scan below can find it
    assertThat(
        RAW.matcher(Files.readString(data.resolve("customers.jsonl"))).find(), equalTo(true));

    Tables.Scan scan = Tables.scan(Warehouse.at("jdbc:duckdb:" + work.resolve("pii.duckdb")), RAW);
    assertThat(scan.tables.contains("dead_letter"), equalTo(true));
    assertThat(scan.cells, greaterThan(100_000L));
    assertThat(scan.found.subList(0, Math.min(5, scan.found.size())), empty());
    String logged = logs.toString(StandardCharsets.UTF_8) + run.out + run.err;
    List<String> leaked = new ArrayList<>();
    logged.lines().filter(line -> RAW.matcher(line).find()).limit(5).forEach(leaked::add);
    assertThat(leaked, empty());
  }
}
