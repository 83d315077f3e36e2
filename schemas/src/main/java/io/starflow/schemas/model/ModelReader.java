package io.starflow.schemas.model;

import io.starflow.schemas.ColumnType;
import io.starflow.schemas.Identifiers;
import io.starflow.schemas.WarehouseNames;
import java.io.Reader;
import java.nio.file.Path;
import java.time.LocalDate;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.annotation.Nullable;

/** Turns a model's YAML into a {@link WarehouseModel}, checking every name and reference. */
final class ModelReader {
  /** Columns a dimension adds besides its surrogate key, natural key and attributes. */
  static final Set<String> DIMENSION_RESERVED =
      Set.of(
          "valid_from",
          "valid_to",
          "is_current",
          "is_inferred",
          "is_deleted",
          Identifiers.POSITION);

  private static final Pattern DECIMAL =
      Pattern.compile("(?:decimal|numeric)\\s*\\(\\s*(\\d+)\\s*(?:,\\s*(\\d+)\\s*)?\\)");

  private final String file;
  private final @Nullable Path folder;

  ModelReader(String file, @Nullable Path folder) {
    this.file = file;
    this.folder = folder;
  }

  WarehouseModel read(Reader reader) throws ModelException {
    YamlNode root = YamlNode.read(reader, file);
    if (root.kind != YamlNode.Kind.MAP) {
      throw error(
          root,
          "a model is a map with 'sources', 'dimensions' and 'facts', found " + root.describe());
    }
    allowOnly(root, "sources", "dimensions", "facts");
    YamlNode sourcesNode = required(root, "sources", YamlNode.Kind.MAP);
    Map<String, SourceModel> sources = new LinkedHashMap<>();
    Set<String> tables = new HashSet<>();
    for (Map.Entry<String, YamlNode> entry : sourcesNode.entries().entrySet()) {
      String name = tableName(sourcesNode, entry.getKey(), tables);
      if (!WarehouseNames.table(name).equals(name)) {
        throw error(
            sourcesNode.lineOf(name),
            "source '"
                + name
                + "' is named like a table Starflow makes (dead_letter, *_history, starflow_*):"
                + " its records land in '"
                + WarehouseNames.table(name)
                + "'; name the source so");
      }
      tables.add(name + "_history");
      sources.put(name, source(name, entry.getValue()));
    }
    if (sources.isEmpty()) {
      throw error(sourcesNode, "'sources' names no source");
    }
    Map<String, DimensionModel> dimensions = new LinkedHashMap<>();
    DateDimensionModel dateDimension = null;
    YamlNode dimensionsNode = optional(root, "dimensions", YamlNode.Kind.MAP);
    if (dimensionsNode != null) {
      for (Map.Entry<String, YamlNode> entry : dimensionsNode.entries().entrySet()) {
        String name = tableName(dimensionsNode, entry.getKey(), tables);
        YamlNode node = entry.getValue();
        requireMap(node, "dimension " + name);
        YamlNode kind = optional(node, "kind", YamlNode.Kind.SCALAR);
        if (kind != null && kind.text().equals("date")) {
          if (dateDimension != null) {
            throw error(
                dimensionsNode.lineOf(name),
                "dimension "
                    + name
                    + ": the model already has a date dimension, "
                    + dateDimension.name());
          }
          dateDimension = dateDimension(name, node);
        } else if (kind != null && !kind.text().equals("scd")) {
          throw error(
              kind,
              "dimension "
                  + name
                  + ": kind must be 'scd' (the default) or 'date', found "
                  + kind.describe());
        } else {
          dimensions.put(name, dimension(name, node, sources));
        }
      }
    }
    Map<String, FactModel> facts = new LinkedHashMap<>();
    YamlNode factsNode = optional(root, "facts", YamlNode.Kind.MAP);
    if (factsNode != null) {
      for (Map.Entry<String, YamlNode> entry : factsNode.entries().entrySet()) {
        String name = tableName(factsNode, entry.getKey(), tables);
        facts.put(name, fact(name, entry.getValue(), sources, dimensions, dateDimension));
      }
    }
    return WarehouseModel.of(
        file,
        Collections.unmodifiableMap(sources),
        Collections.unmodifiableMap(dimensions),
        dateDimension,
        Collections.unmodifiableMap(facts));
  }

  private SourceModel source(String name, YamlNode node) throws ModelException {
    String what = "source " + name;
    requireMap(node, what);
    allowOnly(node, "kind", "location", "key", "columns", "pii");
    YamlNode kind = required(node, "kind", YamlNode.Kind.SCALAR);
    if (!kind.text().equals(SourceModel.CDC) && !kind.text().equals(SourceModel.ECST)) {
      throw error(
          kind,
          what
              + ": kind must be '"
              + SourceModel.CDC
              + "' (Debezium change events) or '"
              + SourceModel.ECST
              + "' (full-state events), found "
              + kind.describe());
    }
    YamlNode location = optional(node, "location", YamlNode.Kind.SCALAR);
    String resolved = null;
    if (location != null) {
      resolved =
          folder == null ? location.text() : folder.resolve(location.text()).normalize().toString();
    }
    YamlNode columnsNode = required(node, "columns", YamlNode.Kind.MAP);
    Map<String, ColumnType> columns = new LinkedHashMap<>();
    for (Map.Entry<String, YamlNode> column : columnsNode.entries().entrySet()) {
      String columnName = column.getKey();
      int line = columnsNode.lineOf(columnName);
      identifier(line, what + ": column", columnName);
      if (!WarehouseNames.column(columnName).equals(columnName)) {
        throw error(
            line,
            what
                + ": column name '"
                + columnName
                + "' is reserved for Starflow's own columns: the source's column lands as '"
                + WarehouseNames.column(columnName)
                + "'; name it so");
      }
      YamlNode type = column.getValue();
      if (type.kind != YamlNode.Kind.SCALAR) {
        throw error(
            type,
            what
                + ": the type of column "
                + columnName
                + " must be a name, found "
                + type.describe());
      }
      columns.put(columnName, columnType(type, what + ": column " + columnName));
    }
    if (columns.isEmpty()) {
      throw error(columnsNode, what + ": 'columns' declares no column");
    }
    List<String> key = names(node, "key", what);
    if (key.isEmpty()) {
      throw error(node.lineOf("key"), what + ": 'key' names no column");
    }
    for (String column : key) {
      if (!columns.containsKey(column)) {
        throw error(
            node.lineOf("key"), what + ": key column " + column + " is not one of its columns");
      }
    }
    List<String> pii = node.entries().containsKey("pii") ? names(node, "pii", what) : List.of();
    for (String column : pii) {
      ColumnType type = columns.get(column);
      if (type == null) {
        throw error(
            node.lineOf("pii"), what + ": pii column " + column + " is not one of its columns");
      }
      if (type.kind() != ColumnType.Kind.STRING) {
        throw error(
            node.lineOf("pii"),
            what
                + ": pii column "
                + column
                + " is "
                + type
                + "; only string columns can be masked");
      }
    }
    return SourceModel.of(
        name, kind.text(), resolved, key, Collections.unmodifiableMap(columns), pii);
  }

  private ColumnType columnType(YamlNode node, String what) throws ModelException {
    String text = node.text().trim().toLowerCase(Locale.ROOT);
    Matcher decimal = DECIMAL.matcher(text);
    if (decimal.matches()) {
      int precision = Integer.parseInt(decimal.group(1));
      int scale = decimal.group(2) == null ? 0 : Integer.parseInt(decimal.group(2));
      if (precision < 1 || precision > 76 || scale > precision) {
        throw error(
            node,
            what
                + ": decimal("
                + precision
                + ","
                + scale
                + ") needs 1 <= precision <= 76 and scale <= precision");
      }
      return ColumnType.decimal(precision, scale);
    }
    switch (text) {
      case "boolean":
      case "bool":
        return ColumnType.BOOLEAN;
      case "smallint":
        return ColumnType.SMALLINT;
      case "integer":
      case "int":
        return ColumnType.INTEGER;
      case "bigint":
        return ColumnType.BIGINT;
      case "real":
      case "float":
        return ColumnType.REAL;
      case "double":
        return ColumnType.DOUBLE;
      case "decimal":
      case "numeric":
        return ColumnType.VARIABLE_DECIMAL;
      case "string":
      case "text":
      case "varchar":
        return ColumnType.STRING;
      case "bytes":
        return ColumnType.BYTES;
      case "date":
        return ColumnType.DATE;
      case "time":
        return ColumnType.TIME;
      case "timestamp":
        return ColumnType.TIMESTAMP;
      case "timestamptz":
        return ColumnType.TIMESTAMPTZ;
      case "json":
        return ColumnType.JSON;
      case "uuid":
        return ColumnType.UUID;
      default:
        if (text.matches("(decimal|numeric)\\s*\\(\\s*\\d+")) {
          throw error(
              node,
              what
                  + ": type "
                  + node.describe()
                  + " lost its scale to a comma: inside { } quote it, 'decimal(p,s)'");
        }
        throw error(
            node,
            what
                + ": unknown type "
                + node.describe()
                + "; use boolean, smallint, integer, bigint, real, double, decimal(p,s), decimal,"
                + " string, bytes, date, time, timestamp, timestamptz, json or uuid");
    }
  }

  private DateDimensionModel dateDimension(String name, YamlNode node) throws ModelException {
    String what = "dimension " + name;
    allowOnly(node, "kind", "from", "to");
    LocalDate from = date(required(node, "from", YamlNode.Kind.SCALAR), what + ": 'from'");
    LocalDate to = date(required(node, "to", YamlNode.Kind.SCALAR), what + ": 'to'");
    if (to.isBefore(from)) {
      throw error(node.lineOf("to"), what + ": 'to' (" + to + ") is before 'from' (" + from + ")");
    }
    if (from.getYear() < 1000 || to.getYear() > 9999) {
      throw error(node.lineOf("from"), what + ": dates must be between the years 1000 and 9999");
    }
    return DateDimensionModel.of(name, from, to);
  }

  private LocalDate date(YamlNode node, String what) throws ModelException {
    try {
      return LocalDate.parse(node.text().trim());
    } catch (DateTimeParseException e) {
      throw error(node, what + " must be a date like 2025-01-31, found " + node.describe());
    }
  }

  private DimensionModel dimension(String name, YamlNode node, Map<String, SourceModel> sources)
      throws ModelException {
    String what = "dimension " + name;
    allowOnly(node, "kind", "source", "scd", "attributes", "versioned_by", "surrogate_key");
    SourceModel source = sourceOf(node, what + ": source", sources);
    int scd = 2;
    YamlNode scdNode = optional(node, "scd", YamlNode.Kind.SCALAR);
    if (scdNode != null) {
      if (!scdNode.text().equals("1") && !scdNode.text().equals("2")) {
        throw error(scdNode, what + ": scd must be 1 or 2, found " + scdNode.describe());
      }
      scd = Integer.parseInt(scdNode.text());
    }
    List<String> attributes = names(node, "attributes", what);
    if (attributes.isEmpty()) {
      throw error(node.lineOf("attributes"), what + ": 'attributes' names no column");
    }
    for (String attribute : attributes) {
      if (!source.columns().containsKey(attribute)) {
        throw error(
            node.lineOf("attributes"),
            what + ": attribute " + attribute + " is not a column of source " + source.name());
      }
      if (source.key().contains(attribute)) {
        throw error(
            node.lineOf("attributes"),
            what
                + ": attribute "
                + attribute
                + " is the natural key, which the dimension holds anyway");
      }
    }
    List<String> versionedBy = attributes;
    if (node.entries().containsKey("versioned_by")) {
      if (scd == 1) {
        throw error(node.lineOf("versioned_by"), what + ": 'versioned_by' applies to scd 2 only");
      }
      versionedBy = names(node, "versioned_by", what);
      if (versionedBy.isEmpty()) {
        throw error(node.lineOf("versioned_by"), what + ": 'versioned_by' names no attribute");
      }
      for (String attribute : versionedBy) {
        if (!attributes.contains(attribute)) {
          throw error(
              node.lineOf("versioned_by"),
              what + ": versioned_by names " + attribute + ", which is not one of its attributes");
        }
      }
    } else if (scd == 1) {
      versionedBy = List.of();
    }
    String surrogateKey = (name.startsWith("dim_") ? name.substring(4) : name) + "_key";
    YamlNode keyNode = optional(node, "surrogate_key", YamlNode.Kind.SCALAR);
    int keyLine = node.line;
    if (keyNode != null) {
      surrogateKey = identifier(keyNode.line, what + ": surrogate_key", keyNode.text());
      keyLine = keyNode.line;
    }
    if (!Identifiers.isValid(surrogateKey)
        || source.key().contains(surrogateKey)
        || attributes.contains(surrogateKey)
        || DIMENSION_RESERVED.contains(surrogateKey)
        || surrogateKey.equals(DateDimensionModel.KEY)) {
      throw error(
          keyLine,
          what
              + ": surrogate key column '"
              + surrogateKey
              + "' clashes with another column; name one with 'surrogate_key'");
    }
    return DimensionModel.of(
        name, source.name(), source.key(), scd, attributes, versionedBy, surrogateKey);
  }

  private FactModel fact(
      String name,
      YamlNode node,
      Map<String, SourceModel> sources,
      Map<String, DimensionModel> dimensions,
      @Nullable DateDimensionModel dateDimension)
      throws ModelException {
    String what = "fact " + name;
    requireMap(node, what);
    allowOnly(node, "source", "lookups", "event_time", "measures", "dimensions");
    SourceModel source = sourceOf(node, what + ": source", sources);
    Map<String, SourceModel> visible = new LinkedHashMap<>();
    visible.put(source.name(), source);
    List<FactModel.Lookup> lookups = new ArrayList<>();
    YamlNode lookupsNode = optional(node, "lookups", YamlNode.Kind.LIST);
    if (lookupsNode != null) {
      for (YamlNode lookupNode : lookupsNode.items()) {
        requireMap(lookupNode, what + ": a lookup");
        allowOnly(lookupNode, "source", "on");
        YamlNode lookupSourceNode = lookupNode.entries().get("source");
        SourceModel lookup = sourceOf(lookupNode, what + ": lookup source", sources);
        if (visible.containsKey(lookup.name())) {
          throw error(lookupSourceNode, what + ": source " + lookup.name() + " is joined twice");
        }
        YamlNode onNode = required(lookupNode, "on", YamlNode.Kind.MAP);
        Map<String, String> on = new LinkedHashMap<>();
        for (Map.Entry<String, YamlNode> pair : onNode.entries().entrySet()) {
          int line = onNode.lineOf(pair.getKey());
          if (!source.columns().containsKey(pair.getKey())) {
            throw error(
                line,
                what
                    + ": lookup "
                    + lookup.name()
                    + " joins on "
                    + pair.getKey()
                    + ", which is not a column of "
                    + source.name());
          }
          YamlNode target = pair.getValue();
          if (target.kind != YamlNode.Kind.SCALAR || !lookup.key().contains(target.text())) {
            throw error(
                line,
                what
                    + ": lookup "
                    + lookup.name()
                    + " must join on its key columns "
                    + lookup.key()
                    + ", found "
                    + target.describe());
          }
          on.put(pair.getKey(), target.text());
        }
        if (!new HashSet<>(on.values()).equals(new HashSet<>(lookup.key()))) {
          throw error(
              onNode,
              what
                  + ": lookup "
                  + lookup.name()
                  + " must give every column of its key "
                  + lookup.key()
                  + ", gives "
                  + on.values());
        }
        visible.put(lookup.name(), lookup);
        lookups.add(FactModel.Lookup.of(lookup.name(), Collections.unmodifiableMap(on)));
      }
    }
    Set<String> factColumns = new HashSet<>(source.key());
    ColumnRef eventTime = null;
    YamlNode eventTimeNode = optional(node, "event_time", YamlNode.Kind.SCALAR);
    if (eventTimeNode != null) {
      eventTime = ref(eventTimeNode, what + ": event_time", source, visible);
      ColumnType.Kind kind = visible.get(eventTime.source()).columnType(eventTime.column()).kind();
      if (kind != ColumnType.Kind.DATE
          && kind != ColumnType.Kind.TIMESTAMP
          && kind != ColumnType.Kind.TIMESTAMPTZ) {
        throw error(
            eventTimeNode,
            what
                + ": event_time "
                + eventTime
                + " is "
                + kind
                + "; it must be a date, timestamp or timestamptz");
      }
      unique(eventTimeNode.line, what, factColumns, eventTime.column());
    }
    List<ColumnRef> measures = new ArrayList<>();
    YamlNode measuresNode = required(node, "measures", YamlNode.Kind.LIST);
    for (YamlNode measureNode : measuresNode.items()) {
      ColumnRef measure = ref(measureNode, what + ": measure", source, visible);
      unique(measureNode.line, what, factColumns, measure.column());
      measures.add(measure);
    }
    List<FactModel.DimensionRef> references = new ArrayList<>();
    YamlNode referencesNode = optional(node, "dimensions", YamlNode.Kind.LIST);
    if (referencesNode != null) {
      Set<String> seen = new HashSet<>();
      for (YamlNode referenceNode : referencesNode.items()) {
        requireMap(referenceNode, what + ": a dimension reference");
        allowOnly(referenceNode, "dimension", "key");
        YamlNode dimensionNode = required(referenceNode, "dimension", YamlNode.Kind.SCALAR);
        String dimensionName = dimensionNode.text();
        if (!seen.add(dimensionName)) {
          throw error(
              dimensionNode, what + ": dimension " + dimensionName + " is referenced twice");
        }
        if (dateDimension != null && dimensionName.equals(dateDimension.name())) {
          if (referenceNode.entries().containsKey("key")) {
            throw error(
                referenceNode.lineOf("key"),
                what + ": the date dimension takes its key from event_time; remove 'key'");
          }
          if (eventTime == null) {
            throw error(
                dimensionNode, what + ": references the date dimension but has no event_time");
          }
          unique(dimensionNode.line, what, factColumns, DateDimensionModel.KEY);
          references.add(FactModel.DimensionRef.of(dimensionName, List.of()));
          continue;
        }
        DimensionModel dimension = dimensions.get(dimensionName);
        if (dimension == null) {
          throw error(
              dimensionNode,
              what
                  + ": dimension "
                  + dimensionNode.describe()
                  + " is not a dimension of the model");
        }
        YamlNode keyNode = required(referenceNode, "key", YamlNode.Kind.LIST);
        if (keyNode.items().size() != dimension.naturalKey().size()) {
          throw error(
              keyNode,
              what
                  + ": dimension "
                  + dimensionName
                  + " has the natural key "
                  + dimension.naturalKey()
                  + "; give one column for each");
        }
        List<ColumnRef> key = new ArrayList<>();
        SourceModel dimensionSource = sources.get(dimension.source());
        for (int i = 0; i < keyNode.items().size(); i++) {
          YamlNode part = keyNode.items().get(i);
          ColumnRef ref = ref(part, what + ": key of " + dimensionName, source, visible);
          ColumnType.Kind given = visible.get(ref.source()).columnType(ref.column()).kind();
          ColumnType.Kind wanted = dimensionSource.columnType(dimension.naturalKey().get(i)).kind();
          if (given != wanted) {
            throw error(
                part,
                what
                    + ": "
                    + ref
                    + " is "
                    + given
                    + " but "
                    + dimensionName
                    + "."
                    + dimension.naturalKey().get(i)
                    + " is "
                    + wanted);
          }
          key.add(ref);
        }
        unique(dimensionNode.line, what, factColumns, dimension.surrogateKey());
        references.add(FactModel.DimensionRef.of(dimensionName, key));
      }
    }
    return FactModel.of(
        name, source.name(), source.key(), lookups, eventTime, measures, references);
  }

  /** The source {@code parent}'s "source" names, or an error naming the sources there are. */
  private SourceModel sourceOf(YamlNode parent, String what, Map<String, SourceModel> sources)
      throws ModelException {
    YamlNode node = required(parent, "source", YamlNode.Kind.SCALAR);
    SourceModel source = sources.get(node.text());
    if (source == null) {
      throw error(
          node,
          what
              + " "
              + node.describe()
              + " is not a source of the model; sources: "
              + sources.keySet());
    }
    return source;
  }

  private void unique(int line, String what, Set<String> columns, String column)
      throws ModelException {
    if (!columns.add(column)) {
      throw error(line, what + ": two columns of the fact table would be named " + column);
    }
  }

  private ColumnRef ref(
      YamlNode node, String what, SourceModel source, Map<String, SourceModel> visible)
      throws ModelException {
    if (node.kind != YamlNode.Kind.SCALAR) {
      throw error(node, what + " must be a column name, found " + node.describe());
    }
    String text = node.text();
    int dot = text.indexOf('.');
    String table = dot < 0 ? source.name() : text.substring(0, dot);
    String column = dot < 0 ? text : text.substring(dot + 1);
    SourceModel from = visible.get(table);
    if (from == null) {
      throw error(
          node,
          what
              + ": "
              + text
              + " names "
              + table
              + ", which is neither the fact's source nor one of its lookups "
              + visible.keySet());
    }
    if (!from.columns().containsKey(column)) {
      throw error(node, what + ": " + table + " has no column " + column);
    }
    return ColumnRef.of(table, column);
  }

  private String tableName(YamlNode parent, String name, Set<String> tables) throws ModelException {
    int line = parent.lineOf(name);
    identifier(line, "table name", name);
    if (!Identifiers.isValid(name + "_history")) {
      throw error(
          line,
          "table name '"
              + name
              + "' leaves no room for its history table; use at most "
              + (Identifiers.MAX_LENGTH - 8)
              + " characters");
    }
    if (!tables.add(name)) {
      throw error(line, "two tables of the model would be named " + name);
    }
    return name;
  }

  private String identifier(int line, String what, String name) throws ModelException {
    if (!Identifiers.isValid(name)) {
      throw error(
          line,
          what
              + " '"
              + name
              + "' is not a valid name: use letters, digits and '_', start with a letter or '_', at most "
              + Identifiers.MAX_LENGTH
              + " characters");
    }
    return name;
  }

  private List<String> names(YamlNode parent, String key, String what) throws ModelException {
    YamlNode node = required(parent, key, YamlNode.Kind.LIST);
    List<String> names = new ArrayList<>();
    for (YamlNode item : node.items()) {
      if (item.kind != YamlNode.Kind.SCALAR) {
        throw error(
            item, what + ": '" + key + "' must list column names, found " + item.describe());
      }
      if (names.contains(item.text())) {
        throw error(item, what + ": '" + key + "' names " + item.text() + " twice");
      }
      names.add(item.text());
    }
    return Collections.unmodifiableList(names);
  }

  private void requireMap(YamlNode node, String what) throws ModelException {
    if (node.kind != YamlNode.Kind.MAP) {
      throw error(node, what + " must be a map, found " + node.describe());
    }
  }

  private void allowOnly(YamlNode node, String... keys) throws ModelException {
    List<String> allowed = List.of(keys);
    for (String key : node.entries().keySet()) {
      if (!allowed.contains(key)) {
        throw error(node.lineOf(key), "unknown field '" + key + "'; expected one of " + allowed);
      }
    }
  }

  private YamlNode required(YamlNode parent, String key, YamlNode.Kind kind) throws ModelException {
    YamlNode node = optional(parent, key, kind);
    if (node == null) {
      throw error(parent, "'" + key + "' is missing");
    }
    return node;
  }

  private @Nullable YamlNode optional(YamlNode parent, String key, YamlNode.Kind kind)
      throws ModelException {
    YamlNode node = parent.entries().get(key);
    if (node == null) {
      return null;
    }
    if (node.kind != kind) {
      throw error(
          parent.lineOf(key),
          "'"
              + key
              + "' must be "
              + (kind == YamlNode.Kind.SCALAR
                  ? "a value"
                  : "a " + kind.name().toLowerCase(Locale.ROOT))
              + ", found "
              + node.describe());
    }
    return node;
  }

  private ModelException error(YamlNode node, String problem) {
    return error(node.line, problem);
  }

  private ModelException error(int line, String problem) {
    return new ModelException(file, line, problem);
  }
}
