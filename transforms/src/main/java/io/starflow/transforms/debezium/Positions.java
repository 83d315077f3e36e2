package io.starflow.transforms.debezium;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.starflow.schemas.SourcePosition;
import io.starflow.transforms.ColumnInference;
import io.starflow.transforms.DecodeException;
import io.starflow.transforms.Json;
import java.io.IOException;
import javax.annotation.Nullable;

/**
 * The {@link SourcePosition} of a Debezium change, read from its {@code source} block.
 *
 * <ul>
 *   <li>PostgreSQL: {@code (lastCommitLsn, lsn)} from {@code source.sequence} (a JSON array written
 *       as a string); a null {@code lastCommitLsn} (snapshot rows, and the first transaction after
 *       a snapshot) counts as 0. Without {@code sequence}, {@code (lsn)}.
 *   <li>MySQL: {@code (binlog file number, pos, row)}. A snapshot row that names no binlog file
 *       (Flink CDC writes {@code "file": "", "pos": 0}) is {@code (0, 0, 0)}: before every binlog
 *       position, whose files are numbered from 1.
 *   <li>SQL Server: {@code (commit_lsn, change_lsn, event_serial_no)}, each LSN as its three
 *       hexadecimal parts.
 *   <li>Oracle: {@code (commit_scn, scn, ssn)}; a snapshot row has no {@code commit_scn} and is
 *       placed at its {@code scn}, the snapshot's, before every change committed after it.
 *   <li>MongoDB: {@code (ts_ms, ord)}: the oplog time (whole seconds, in milliseconds; {@code sec}
 *       in seconds before Debezium 0.8) and the ordinal of the operation within that second.
 * </ul>
 *
 * <p>When {@code source.connector} is missing (Debezium before 0.8 did not write it), the connector
 * is told from the block's fields: {@code file} and {@code pos} are MySQL's, {@code lsn}
 * PostgreSQL's, {@code change_lsn} or {@code commit_lsn} SQL Server's, {@code scn} Oracle's, {@code
 * ord} with {@code collection} or {@code rs} MongoDB's.
 */
final class Positions {
  private static final ObjectMapper JSON = Json.mapper();

  private Positions() {}

  static SourcePosition of(JsonNode source) {
    String connector = connector(source);
    switch (connector) {
      case "postgresql":
        return postgres(source);
      case "mysql":
        return mysql(source);
      case "sqlserver":
        return sqlServer(source);
      case "oracle":
        return oracle(source);
      case "mongodb":
        return mongo(source);
      default:
        throw new DecodeException(
            "connector '"
                + connector
                + "' is not supported: no known source position (supported: postgresql, mysql,"
                + " sqlserver, oracle, mongodb)");
    }
  }

  /** The connector that wrote {@code source}: named in it, or told from its fields. */
  static String connector(JsonNode source) {
    String named = DebeziumDecoder.text(source, "connector");
    if (named != null) {
      return named;
    }
    if (source.has("file") && source.has("pos")) {
      return "mysql";
    }
    if (source.has("lsn")) {
      return "postgresql";
    }
    if (source.has("change_lsn") || source.has("commit_lsn")) {
      return "sqlserver";
    }
    if (source.has("scn")) {
      return "oracle";
    }
    if (source.has("ord") && (source.has("collection") || source.has("rs") || source.has("ns"))) {
      return "mongodb";
    }
    throw new DecodeException(
        "source block names no connector and has none of the fields that tell one (file and pos,"
            + " lsn, change_lsn, scn, ord): cannot order the change");
  }

  private static SourcePosition postgres(JsonNode source) {
    JsonNode sequence = source.get("sequence");
    if (sequence != null && !sequence.isNull()) {
      if (sequence.isTextual()) {
        long[] quoted = quotedPair(sequence.textValue());
        if (quoted != null) {
          return position(quoted[0], quoted[1]);
        }
      }
      JsonNode parts = sequence;
      if (sequence.isTextual()) {
        try {
          parts = JSON.readTree(sequence.textValue());
        } catch (IOException e) {
          throw new DecodeException("source.sequence is not a JSON array: " + sequence);
        }
      }
      if (!parts.isArray() || parts.size() != 2) {
        throw new DecodeException("source.sequence is not [lastCommitLsn, lsn]: " + sequence);
      }
      Long lastCommit = parseLongOrNull(parts.get(0), "source.sequence");
      Long lsn = parseLongOrNull(parts.get(1), "source.sequence");
      if (lsn == null) {
        lsn = required(source, "lsn");
      }
      return position(lastCommit == null ? 0 : lastCommit, lsn);
    }
    return position(required(source, "lsn"));
  }

  /**
   * The two numbers of a sequence in its usual form, {@code ["123","456"]} (digits only, no
   * spaces), without a JSON parser; null for any other form, which the parser then reads.
   */
  @Nullable
  static long[] quotedPair(String text) {
    int n = text.length();
    if (n < 9 || !text.startsWith("[\"") || !text.endsWith("\"]")) {
      return null;
    }
    int comma = text.indexOf("\",\"", 2);
    if (comma < 0) {
      return null;
    }
    long first = comma > 2 ? ColumnInference.digits(text, 2, comma) : -1;
    long second = n - 2 > comma + 3 ? ColumnInference.digits(text, comma + 3, n - 2) : -1;
    return first < 0 || second < 0 ? null : new long[] {first, second};
  }

  private static SourcePosition mysql(JsonNode source) {
    String file = DebeziumDecoder.text(source, "file");
    if (file == null) {
      throw new DecodeException("missing source.file: cannot order the change");
    }
    if (file.isEmpty()) {
      if (required(source, "pos") != 0) {
        throw new DecodeException(
            "source.pos is not 0 though source.file names no binlog file: cannot order the change");
      }
      // A snapshot row read before any binlog position (Flink CDC): first of all.
      return position(0, 0, 0);
    }
    int dot = file.lastIndexOf('.');
    long fileNumber;
    try {
      fileNumber = Long.parseLong(file.substring(dot + 1));
    } catch (NumberFormatException e) {
      throw new DecodeException("binlog file name '" + file + "' does not end in a number");
    }
    Long row = longOrNull(source, "row");
    return position(fileNumber, required(source, "pos"), row == null ? 0 : row);
  }

  private static SourcePosition sqlServer(JsonNode source) {
    long[] commit = lsnParts(source, "commit_lsn");
    long[] change = lsnParts(source, "change_lsn");
    Long serial = longOrNull(source, "event_serial_no");
    return position(
        commit[0],
        commit[1],
        commit[2],
        change[0],
        change[1],
        change[2],
        serial == null ? 0 : serial);
  }

  private static SourcePosition oracle(JsonNode source) {
    long scn = required(source, "scn");
    Long commit = longOrNull(source, "commit_scn");
    Long ssn = longOrNull(source, "ssn");
    return position(commit == null ? scn : commit, scn, ssn == null ? 0 : ssn);
  }

  private static SourcePosition mongo(JsonNode source) {
    // Debezium before 0.8 wrote the oplog time as whole seconds, "sec".
    Long seconds = longOrNull(source, "sec");
    long millis = seconds != null ? Math.multiplyExact(seconds, 1000L) : required(source, "ts_ms");
    return position(millis, required(source, "ord"));
  }

  private static long[] lsnParts(JsonNode source, String field) {
    String lsn = DebeziumDecoder.text(source, field);
    if (lsn == null) {
      if (field.equals("commit_lsn")) {
        throw new DecodeException("missing source.commit_lsn: cannot order the change");
      }
      return new long[3];
    }
    String[] parts = lsn.split(":");
    if (parts.length != 3) {
      throw new DecodeException("source." + field + " '" + lsn + "' is not xxxxxxxx:xxxxxxxx:xxxx");
    }
    long[] result = new long[3];
    try {
      for (int i = 0; i < 3; i++) {
        result[i] = Long.parseLong(parts[i], 16);
      }
    } catch (NumberFormatException e) {
      throw new DecodeException("source." + field + " '" + lsn + "' is not hexadecimal");
    }
    return result;
  }

  private static SourcePosition position(long... components) {
    try {
      return SourcePosition.of(components);
    } catch (IllegalArgumentException e) {
      throw new DecodeException(e.getMessage());
    }
  }

  private static long required(JsonNode source, String field) {
    Long value = longOrNull(source, field);
    if (value == null) {
      throw new DecodeException("missing source." + field + ": cannot order the change");
    }
    return value;
  }

  /** A number written as a JSON number or a numeric string; null when absent or null. */
  static @Nullable Long longOrNull(JsonNode node, String field) {
    return parseLongOrNull(node.get(field), "source." + field);
  }

  private static @Nullable Long parseLongOrNull(@Nullable JsonNode value, String what) {
    if (value == null || value.isNull()) {
      return null;
    }
    if (value.isIntegralNumber() && value.canConvertToLong()) {
      return value.longValue();
    }
    if (value.isTextual()) {
      try {
        return Long.parseLong(value.textValue());
      } catch (NumberFormatException e) {
        throw new DecodeException(what + " is not a number: " + value);
      }
    }
    throw new DecodeException(what + " is not a number: " + value);
  }
}
