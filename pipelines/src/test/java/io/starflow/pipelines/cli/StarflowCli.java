package io.starflow.pipelines.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine;

/**
 * Runs the starflow command line, in this JVM or in a child JVM with its own environment, and
 * captures what it printed.
 */
public final class StarflowCli {
  private StarflowCli() {}

  /** What one invocation printed and returned. */
  public static final class Run {
    public final int exitCode;
    public final String out;
    public final String err;

    Run(int exitCode, String out, String err) {
      this.exitCode = exitCode;
      this.out = out;
      this.err = err;
    }
  }

  public static Run run(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    CommandLine commandLine = Starflow.commandLine();
    commandLine.setOut(new PrintWriter(out, true));
    commandLine.setErr(new PrintWriter(err, true));
    int exitCode = commandLine.execute(args);
    return new Run(exitCode, out.toString(), err.toString());
  }

  /** The command that runs the command line in a child JVM on this test's class path. */
  public static List<String> childCommand(String... args) {
    return childCommandWithHeap("1g", args);
  }

  /** As {@link #childCommand(String...)}, with a heap of at most {@code maxHeap} (e.g. 64m). */
  public static List<String> childCommandWithHeap(String maxHeap, String... args) {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.add("-Xmx" + maxHeap);
    command.add("-cp");
    command.add(System.getProperty("java.class.path"));
    command.add(Starflow.class.getName());
    command.addAll(List.of(args));
    return command;
  }

  /**
   * Runs the command line in a child JVM on this test's class path, with {@code environment}
   * changed (a null value removes the variable); what it printed, both streams, is in {@code out}.
   */
  public static Run inChildProcess(Map<String, String> environment, String... args)
      throws IOException, InterruptedException {
    ProcessBuilder builder = new ProcessBuilder(childCommand(args)).redirectErrorStream(true);
    environment.forEach(
        (name, value) -> {
          if (value == null) {
            builder.environment().remove(name);
          } else {
            builder.environment().put(name, value);
          }
        });
    Path output = Files.createTempFile("starflow", ".log");
    try {
      Process process = builder.redirectOutput(output.toFile()).start();
      if (!process.waitFor(5, TimeUnit.MINUTES)) {
        process.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
        throw new AssertionError(
            "starflow "
                + String.join(" ", args)
                + " did not end in 5 minutes:\n"
                + Files.readString(output));
      }
      return new Run(process.exitValue(), Files.readString(output), "");
    } finally {
      Files.deleteIfExists(output);
    }
  }

  /**
   * Waits until {@code condition} holds while {@code child} (writing to {@code log}) runs, within
   * the suite's pipeline limit; fails with the log if the child ends first or time runs out.
   */
  public static void awaitChild(
      String what, java.util.function.BooleanSupplier condition, Process child, Path log)
      throws Exception {
    awaitChild(what, condition, child, log, () -> "");
  }

  /** As {@link #awaitChild}, adding {@code diagnosis} to a timeout's message. */
  public static void awaitChild(
      String what,
      java.util.function.BooleanSupplier condition,
      Process child,
      Path log,
      java.util.function.Supplier<String> diagnosis)
      throws Exception {
    long deadline =
        System.currentTimeMillis() + io.starflow.transforms.testing.Runs.PIPELINE_LIMIT.getMillis();
    while (!condition.getAsBoolean()) {
      if (!child.isAlive()) {
        throw new AssertionError(
            "the child process ended while waiting for " + what + ":\n" + Files.readString(log));
      }
      if (System.currentTimeMillis() > deadline) {
        throw new AssertionError(
            "timed out waiting for "
                + what
                + "; "
                + diagnosis.get()
                + "\n"
                + Files.readString(log));
      }
      Thread.sleep(200);
    }
  }
}
