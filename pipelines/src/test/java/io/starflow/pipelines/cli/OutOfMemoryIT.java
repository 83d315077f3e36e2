package io.starflow.pipelines.cli;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.lessThan;

import java.io.BufferedWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;
import org.junit.runner.RunWith;
import org.junit.runners.JUnit4;

/**
 * A run that runs out of memory ends, with a non-zero exit code and a message that says what ran
 * out and what to do, instead of hanging with its worker threads dead.
 */
@RunWith(JUnit4.class)
public class OutOfMemoryIT {
  @Rule public final TemporaryFolder folder = new TemporaryFolder();

  @Test
  public void aRunOutOfHeapExitsNonZeroWithinSecondsAndSaysWhatToDo() throws Exception {
    // one line of 150 MB: a 64 MB heap cannot hold it
    Path input = folder.getRoot().toPath().resolve("huge.jsonl");
    try (BufferedWriter out = Files.newBufferedWriter(input, StandardCharsets.UTF_8)) {
      out.write(
          "{\"op\":\"c\",\"source\":{\"table\":\"t\",\"lsn\":1},\"after\":{\"id\":1,\"v\":\"");
      char[] chunk = "x".repeat(1 << 20).toCharArray();
      for (int i = 0; i < 150; i++) {
        out.write(chunk);
      }
      out.write("\"}}\n");
    }
    Path log = folder.getRoot().toPath().resolve("run.log");
    Process process =
        new ProcessBuilder(
                StarflowCli.childCommandWithHeap(
                    "64m",
                    "mirror",
                    "--input",
                    input.toString(),
                    "--key",
                    "id",
                    "--warehouse",
                    "jdbc:duckdb:" + folder.getRoot().toPath().resolve("w.duckdb")))
            .redirectErrorStream(true)
            .redirectOutput(log.toFile())
            .start();
    long start = System.nanoTime();
    boolean ended = process.waitFor(3, TimeUnit.MINUTES);
    double seconds = (System.nanoTime() - start) / 1e9;
    if (!ended) {
      process.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
    }
    String printed = Files.readString(log);
    assertThat("the run ended:\n" + printed, ended, equalTo(true));
    System.out.printf("the run out of heap ended in %.1f s%n", seconds);
    assertThat(printed, process.exitValue(), equalTo(1));
    assertThat(printed, containsString("ran out of memory (Java heap space"));
    assertThat(printed, containsString("-Xmx"));
    assertThat(printed, containsString("--runner FlinkRunner"));
    // start-up, a 150 MB read and the end, on a slow machine
    assertThat(printed, seconds, lessThan(60.0));
  }
}
