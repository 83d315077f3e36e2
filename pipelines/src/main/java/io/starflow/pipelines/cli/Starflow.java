package io.starflow.pipelines.cli;

import io.starflow.transforms.warehouse.Warehouse;
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
      "Exit codes: 0 done; 1 the run failed (a run out of memory ends within seconds with 1,",
      "            never hangs); 2 bad usage or configuration;",
      "            3 the run finished but its counts do not reconcile."
    })
public final class Starflow implements Runnable {
  /** The run failed. */
  static final int FAILED = 1;

  /** The run finished but its counts do not reconcile (or the demo's mirror check failed). */
  static final int NOT_RECONCILED = 3;

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  public static void main(String[] args) {
    FatalErrors.install();
    int code;
    try {
      code = commandLine().execute(args);
    } catch (Error e) {
      FatalErrors.exit(e);
      return;
    }
    System.exit(code);
  }

  static CommandLine commandLine() {
    return new CommandLine(new Starflow())
        .setCaseInsensitiveEnumValuesAllowed(true)
        .setExecutionExceptionHandler(
            (e, commandLine, parseResult) -> {
              java.util.function.UnaryOperator<String> masked = secretsHidden(parseResult);
              Error fatal = FatalErrors.fatalCause(e);
              if (fatal != null) {
                if (FatalErrors.installed()) {
                  FatalErrors.exit(fatal);
                }
                commandLine.getErr().println(FatalErrors.message(fatal));
                return FAILED;
              }
              if (e instanceof UsageException) {
                commandLine.getErr().println("starflow: " + masked.apply(e.getMessage()));
                return CommandLine.ExitCode.USAGE;
              }
              if (e instanceof IllegalArgumentException) {
                // a refusal that explains itself: the message, without a stack trace
                commandLine.getErr().println("starflow: " + masked.apply(e.getMessage()));
                return FAILED;
              }
              commandLine
                  .getErr()
                  .println("starflow: the run failed: " + masked.apply(rootMessage(e)));
              java.io.StringWriter trace = new java.io.StringWriter();
              e.printStackTrace(new java.io.PrintWriter(trace));
              commandLine.getErr().print(masked.apply(trace.toString()));
              return FAILED;
            });
  }

  /**
   * What hides the warehouse's password in a message: the one given on the command line (in its
   * URL, as the driver reads it, or in the environment), and any password parameter of any URL.
   */
  private static java.util.function.UnaryOperator<String> secretsHidden(
      CommandLine.ParseResult parseResult) {
    CommandLine.ParseResult command = parseResult;
    while (command.subcommand() != null) {
      command = command.subcommand();
    }
    String url = command.matchedOptionValue("--warehouse", null);
    Warehouse warehouse = null;
    if (url != null) {
      try {
        warehouse = Warehouse.at(url);
      } catch (IllegalArgumentException e) {
        // not a warehouse URL: its secret, if any, is hidden as any URL's below
      }
    }
    Warehouse known = warehouse;
    return text -> {
      if (text == null) {
        return null;
      }
      String shown = known != null ? known.masked(text) : text;
      return Warehouse.display(shown);
    };
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
