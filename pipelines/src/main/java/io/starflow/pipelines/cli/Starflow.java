package io.starflow.pipelines.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code starflow} command line. */
@Command(
    name = "starflow",
    mixinStandardHelpOptions = true,
    versionProvider = Starflow.Version.class,
    description = {
      "Turns application event streams (Debezium CDC, event-sourced aggregates, full-state"
          + " events, thin notifications) into a"
          + " star-schema warehouse with"
          + " Apache Beam.",
      "",
      "Runs on the DirectRunner by default; --runner FlinkRunner or DataflowRunner runs the same"
          + " pipelines there."
    },
    subcommands = {
      MirrorCommand.class,
      RunCommand.class,
      EventsCommand.class,
      EcstCommand.class,
      EnrichCommand.class,
      AsOfCommand.class,
      BackfillCommand.class,
      DemoCommand.class,
      BenchCommand.class,
      CommandLine.HelpCommand.class
    },
    footer = {
      "",
      "Exit codes: 0 done; 1 the run failed; 2 bad usage or configuration;",
      "            3 the run finished but its counts do not reconcile."
    })
public final class Starflow implements Runnable {
  /** The run failed. */
  static final int FAILED = 1;

  /** The run finished but its counts do not reconcile (or the demo's mirror check failed). */
  static final int NOT_RECONCILED = 3;

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  public static void main(String[] args) {
    System.exit(commandLine().execute(args));
  }

  static CommandLine commandLine() {
    return new CommandLine(new Starflow())
        .setCaseInsensitiveEnumValuesAllowed(true)
        .setExecutionExceptionHandler(
            (e, commandLine, parseResult) -> {
              if (e instanceof IllegalArgumentException) {
                commandLine.getErr().println("starflow: " + e.getMessage());
                return CommandLine.ExitCode.USAGE;
              }
              commandLine.getErr().println("starflow: the run failed: " + rootMessage(e));
              e.printStackTrace(commandLine.getErr());
              return FAILED;
            });
  }

  static String rootMessage(Throwable e) {
    Throwable root = e;
    while (root.getCause() != null && root.getCause() != root) {
      root = root.getCause();
    }
    return root == e ? String.valueOf(e.getMessage()) : e.getMessage() + " (" + root + ")";
  }

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }

  /** The version from the jar's manifest. */
  static final class Version implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      String version = Starflow.class.getPackage().getImplementationVersion();
      return new String[] {"starflow " + (version == null ? "development build" : version)};
    }
  }
}
