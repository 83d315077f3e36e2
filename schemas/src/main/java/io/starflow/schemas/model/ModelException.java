package io.starflow.schemas.model;

/** A warehouse model that cannot be used, with the file and line where the problem is. */
public final class ModelException extends Exception {
  private final String file;
  private final int line;
  private final String problem;

  ModelException(String file, int line, String problem) {
    super(file + (line > 0 ? ":" + line : "") + ": " + problem);
    this.file = file;
    this.line = line;
    this.problem = problem;
  }

  /** The model file, as it was named when read. */
  public String file() {
    return file;
  }

  /** The line (from 1) the problem is on; 0 when it concerns the whole file. */
  public int line() {
    return line;
  }

  /** What is wrong, without the file and line. */
  public String problem() {
    return problem;
  }
}
