package io.starflow.transforms.warehouse;

import io.starflow.schemas.ColumnType;
import io.starflow.schemas.Identifiers;

/**
 * BigQuery's DDL: backquoted names, GoogleSQL types and primary keys that BigQuery records but does
 * not enforce (Starflow's writes keep them unique).
 */
public final class BigQueryDialect extends DdlDialect {
  /**
   * NUMERIC(P, S): S at most 9, P at most S + 29; BIGNUMERIC(P, S): S at most 38, P at most S + 38.
   */
  private static final int NUMERIC_SCALE = 9;

  private static final int NUMERIC_INTEGER_DIGITS = 29;
  private static final int BIGNUMERIC_SCALE = 38;
  private static final int BIGNUMERIC_INTEGER_DIGITS = 38;

  @Override
  public String name() {
    return "bigquery";
  }

  @Override
  public String sqlType(ColumnType type) {
    switch (type.kind()) {
      case BOOLEAN:
        return "BOOL";
      case SMALLINT:
      case INTEGER:
      case BIGINT:
        return "INT64";
      case REAL:
      case DOUBLE:
        return "FLOAT64";
      case DECIMAL:
        return decimalType(type);
      case STRING:
      case UUID:
        return "STRING";
      case BYTES:
        return "BYTES";
      case DATE:
        return "DATE";
      case TIME:
        return "TIME";
      case TIMESTAMP:
        return "DATETIME";
      case TIMESTAMPTZ:
        return "TIMESTAMP";
      case JSON:
        return "JSON";
    }
    throw new AssertionError(type);
  }

  @Override
  String decimalType(ColumnType type) {
    if (type.scale() == null) {
      return "BIGNUMERIC";
    }
    int scale = type.scale();
    int precision = Math.max(1, Math.max(scale, type.precision() == null ? 0 : type.precision()));
    if (scale <= NUMERIC_SCALE && precision <= scale + NUMERIC_INTEGER_DIGITS) {
      return "NUMERIC(" + precision + ", " + scale + ")";
    }
    if (scale <= BIGNUMERIC_SCALE && precision <= scale + BIGNUMERIC_INTEGER_DIGITS) {
      return "BIGNUMERIC(" + precision + ", " + scale + ")";
    }
    return "BIGNUMERIC";
  }

  @Override
  String realType() {
    return "FLOAT64";
  }

  @Override
  String doubleType() {
    return "FLOAT64";
  }

  @Override
  String bytesType() {
    return "BYTES";
  }

  @Override
  String positionType() {
    return "STRING";
  }

  @Override
  String textType() {
    return "STRING";
  }

  @Override
  public String quote(String identifier) {
    return '`' + Identifiers.check("identifier", identifier) + '`';
  }

  @Override
  String primaryKey(java.util.List<String> keys) {
    return super.primaryKey(keys) + " NOT ENFORCED";
  }
}
