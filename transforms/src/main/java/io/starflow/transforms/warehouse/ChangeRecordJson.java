package io.starflow.transforms.warehouse;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.starflow.schemas.ChangeRecord;
import io.starflow.schemas.Column;
import io.starflow.schemas.Values;
import io.starflow.transforms.Json;

/** A JSON rendering of a change record, for dead letters of records already decoded. */
final class ChangeRecordJson {
  private static final ObjectMapper JSON = Json.mapper();

  private ChangeRecordJson() {}

  static String render(ChangeRecord record) {
    ObjectNode node = JSON.createObjectNode();
    node.put("table", record.table());
    node.put("key", record.key());
    node.put("op", record.sourceOp());
    node.put("position", record.position().encoded());
    node.put("event_time", record.eventTime().toString());
    ObjectNode columns = node.putObject("columns");
    for (Column column : record.columns()) {
      if (column.isUnavailable()) {
        columns.putNull(column.name());
      } else if (column.value() == null) {
        columns.putNull(column.name());
      } else if (column.value() instanceof Long) {
        columns.put(column.name(), (Long) column.value());
      } else if (column.value() instanceof Boolean) {
        columns.put(column.name(), (Boolean) column.value());
      } else {
        columns.put(column.name(), Values.toText(column.value()));
      }
    }
    ObjectNode source = node.putObject("source");
    record.source().forEach(source::put);
    return node.toString();
  }
}
