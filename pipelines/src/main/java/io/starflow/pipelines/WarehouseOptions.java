package io.starflow.pipelines;

import io.starflow.transforms.warehouse.Warehouse;
import org.apache.beam.sdk.options.Default;
import org.apache.beam.sdk.options.Description;
import org.apache.beam.sdk.options.PipelineOptions;

/** Where a pipeline writes: shared by every pipeline that writes to a warehouse. */
public interface WarehouseOptions extends PipelineOptions {
  @Description(
      "JDBC URL of the warehouse: jdbc:duckdb:FILE (default "
          + Warehouse.DEFAULT_URL
          + ") or jdbc:postgresql://HOST:PORT/DB?user=USER&password=PASSWORD")
  @Default.String(Warehouse.DEFAULT_URL)
  String getWarehouse();

  void setWarehouse(String warehouse);

  @Description("Concurrent writers per warehouse table; a key always goes to the same writer")
  @Default.Integer(4)
  Integer getWriterShards();

  void setWriterShards(Integer shards);

  @Description("Rows per warehouse transaction")
  @Default.Integer(20_000)
  Integer getBatchSize();

  void setBatchSize(Integer batchSize);
}
