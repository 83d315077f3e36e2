package io.starflow.pipelines.cli;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.matchesPattern;

import org.junit.Test;
import org.junit.runner.RunWith;
import org.junit.runners.JUnit4;

/** The benchmark command prints its figures and checks that every path agrees (not a timing). */
@RunWith(JUnit4.class)
public class BenchCommandIT {
  @Test
  public void printsEveryRatioAndThePeakHeapsAtBothSizes() {
    StarflowCli.Run run =
        StarflowCli.run(
            "bench",
            "--events",
            "3000",
            "--keys",
            "300",
            "--baseline",
            "duckdb-sql",
            "--heap-scaling");
    assertThat(run.out + run.err, run.exitCode, equalTo(0));
    String out = run.out;
    assertThat(out, matchesPattern("(?s).*default run / DuckDB's own SQL: \\d+\\.\\d\\d .*"));
    assertThat(out, matchesPattern("(?s).*mirror only / plain Java: \\d+\\.\\d\\d .*"));
    assertThat(
        out,
        matchesPattern(
            "(?s).*peak heap after GC at 3,000 events: [\\d,]+ MB; at 30,000: [\\d,]+ MB .*"));
    assertThat(out, containsString("rows"));
  }

  @Test
  public void timesTheKeyScopedStarRefreshBesideAFullRebuildThatFindsNothingLeft() {
    StarflowCli.Run run =
        StarflowCli.run("bench", "--star-refresh", "--versions", "4000", "--changed", "10,100");
    assertThat(run.out + run.err, run.exitCode, equalTo(0));
    assertThat(run.out, matchesPattern("(?s).*History: [\\d,]+ versions .*"));
    assertThat(run.out, matchesPattern("(?s).*Full rebuild of the star: \\d+\\.\\d\\d s.*"));
    for (String changed : new String[] {"10", "100"}) {
      assertThat(
          run.out,
          matchesPattern(
              "(?s).* +"
                  + changed
                  + " changed keys: history write .* key-scoped refresh \\d+\\.\\d+ s .*"
                  + "rows the rebuild still changed: 0\n.*"));
    }
  }

  @Test
  public void starRefreshWithoutChangedKeysIsAUsageError() {
    StarflowCli.Run run = StarflowCli.run("bench", "--star-refresh", "--changed", "0");
    assertThat(run.out + run.err, run.exitCode, equalTo(2));
    assertThat(run.err, containsString("every --changed positive"));
  }

  @Test
  public void heapScalingOnGivenFilesIsAUsageError() {
    StarflowCli.Run run =
        StarflowCli.run("bench", "--input", "/nonexistent/*.jsonl", "--heap-scaling");
    assertThat(run.out + run.err, run.exitCode, equalTo(2));
    assertThat(run.err, containsString("--heap-scaling generates its input"));
  }
}
