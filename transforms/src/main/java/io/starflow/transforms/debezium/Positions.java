package io.starflow.transforms.debezium;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.starflow.schemas.SourcePosition;
import io.starflow.transforms.io.Json;
import java.io.IOException;
import javax.annotation.Nullable;

/**
 * The {@link SourcePosition} of a Debezium change, read from its {@code source} block.
 *
 * <ul>
 *   <li>PostgreSQL: {@code (lastCommitLsn, lsn)} from {@code source.sequence} (a JSON array written
 *       as a string); a null {@code lastCommitLsn} (snapshot rows, and the first transaction after
 *       a snapshot) counts as 0. Without {@code sequence}, {@code (lsn)}.
 *   <li>MySQL: {@code (binlog file number, pos, row)}.
 *   <li>SQL Server: {@code (commit_lsn, change_lsn, event_serial_no)}, each LSN as its three
 *       hexadecimal parts.
 * </ul>
 */
final class Positions {
  private static final ObjectMapper JSON = Json.mapper();

  private Positions() {}

  static SourcePosition of(JsonNode source) {
    String connector = DebeziumDecoder.text(source, "connector");
    if (connector == null) {
      throw new DecodeException("missing source.connector: cannot order the change");
    }
    switch (connector) {
      case "postgresql":
        return postgres(source);
      case "mysql":
        return mysql(source);
      case "sqlserver":
        return sqlServer(source);
      default:
        throw new DecodeException(
            "connector '"
                + connector
                + "' is not supported: no known source position (supported: postgresql, mysql,"
                + " sqlserver)");
    }
  }

  private static SourcePosition postgres(JsonNode source) {
    JsonNode sequence = source.get("sequence");
    if (sequence != null && !sequence.isNull()) {
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

  private static SourcePosition mysql(JsonNode source) {
    String file = DebeziumDecoder.text(source, "file");
    if (file == null) {
      throw new DecodeException("missing source.file: cannot order the change");
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
