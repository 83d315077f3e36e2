package io.starflow.pipelines.cli;

import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Option;

/** How to run a pipeline: which Beam runner, and any further Beam pipeline options. */
final class RunnerOptions {
  @Option(
      names = "--runner",
      defaultValue = "DirectRunner",
      description = "Beam runner (default: ${DEFAULT-VALUE}).")
  String runner = "DirectRunner";

  @Option(
      names = "--pipeline-option",
      paramLabel = "--NAME=VALUE",
      description =
          "A further Beam pipeline option, passed as is; repeatable."
              + " E.g. --pipeline-option=--targetParallelism=4")
  List<String> pipelineOptions = new ArrayList<>();

  /** Beam arguments for these options. */
  List<String> toArgs() {
    List<String> args = new ArrayList<>();
    args.add("--runner=" + runner);
    if ("DirectRunner".equals(runner)) {
      // Checks meant for tests; they cost most of the DirectRunner's time on real runs.
      args.add("--enforceImmutability=false");
      args.add("--enforceEncodability=false");
      args.add("--blockOnRun=false");
    }
    args.addAll(pipelineOptions);
    return args;
  }
}
