package io.starflow.pipelines;

import com.google.auto.value.AutoValue;
import io.starflow.schemas.Identifiers;
import io.starflow.schemas.KeyColumns;
import io.starflow.schemas.model.WarehouseModel;
import io.starflow.transforms.pii.PiiMasking;
import io.starflow.transforms.warehouse.ApplyToMirror;
import io.starflow.transforms.warehouse.Warehouse;
import java.io.Serializable;
import java.time.Instant;
import javax.annotation.Nullable;

/** What a mirror run needs, as typed values. */
@AutoValue
public abstract class MirrorSettings implements Serializable {
  /**
   * Compaction groups per table by default: few keys, which the DirectRunner needs (its cost is per
   * key); distributed runners can use 0, one group per row.
   */
  public static final int DEFAULT_COMPACTION_SHARDS = 16;

  public abstract Warehouse warehouse();

  public abstract KeyColumns keys();

  /** Every record goes to this table instead of its source table, when set. */
  public abstract @Nullable String table();

  public abstract int shards();

  public abstract int batchSize();

  /** Compaction groups per table; 0 combines per row. */
  public abstract int compactionShards();

  /** Whether every version also goes to the history tables ({@code <table>_history}). */
  public abstract boolean history();

  /** A backfill keeps only changes committed at or after this time, when set. */
  public abstract @Nullable Instant from();

  /** A backfill keeps only changes committed before this time, when set. */
  public abstract @Nullable Instant to();

  /** The warehouse model whose dimensions and facts are built after the writes, when set. */
  public abstract @Nullable WarehouseModel model();

  /** How personal data is masked before it lands; null when nothing is personal. */
  public abstract @Nullable PiiMasking pii();

  public abstract Builder toBuilder();

  public static Builder builder() {
    return new AutoValue_MirrorSettings.Builder()
        .setShards(ApplyToMirror.DEFAULT_SHARDS)
        .setBatchSize(ApplyToMirror.DEFAULT_BATCH_SIZE)
        .setCompactionShards(DEFAULT_COMPACTION_SHARDS)
        .setHistory(true);
  }

  /** Settings from pipeline options, checked. */
  public static MirrorSettings from(MirrorPipeline.Options options) {
    String table = options.getTable();
    if (table != null) {
      Identifiers.check("--table", table);
    }
    return builder()
        .setWarehouse(Warehouse.at(options.getWarehouse()))
        .setKeys(KeyColumns.parse(options.getKey()))
        .setTable(table)
        .setShards(options.getWriterShards())
        .setBatchSize(options.getBatchSize())
        .setCompactionShards(options.getCompactionShards())
        .build();
  }

  /** Builds settings. */
  @AutoValue.Builder
  public abstract static class Builder {
    public abstract Builder setWarehouse(Warehouse warehouse);

    public abstract Builder setKeys(KeyColumns keys);

    public abstract Builder setTable(@Nullable String table);

    public abstract Builder setShards(int shards);

    public abstract Builder setBatchSize(int batchSize);

    public abstract Builder setCompactionShards(int shards);

    public abstract Builder setHistory(boolean history);

    public abstract Builder setFrom(@Nullable Instant from);

    public abstract Builder setTo(@Nullable Instant to);

    public abstract Builder setModel(@Nullable WarehouseModel model);

    public abstract Builder setPii(@Nullable PiiMasking pii);

    abstract MirrorSettings autoBuild();

    public MirrorSettings build() {
      MirrorSettings settings = autoBuild();
      if (settings.model() != null
          && !settings.model().piiColumns().isEmpty()
          && (settings.pii() == null
              || !settings
                  .pii()
                  .columns()
                  .keySet()
                  .containsAll(settings.model().piiColumns().keySet()))) {
        throw new IllegalArgumentException(
            "the model marks PII columns "
                + settings.model().piiColumns()
                + " but nothing masks them: give MirrorSettings a PiiMasking (the CLI reads "
                + PiiMasking.KEY_VARIABLE
                + ")");
      }
      if (settings.model() != null && !settings.history()) {
        throw new IllegalArgumentException(
            "a warehouse model needs history tables: its dimensions are built from them");
      }
      if (settings.from() != null
          && settings.to() != null
          && !settings.from().isBefore(settings.to())) {
        throw new IllegalArgumentException(
            "--from " + settings.from() + " must be before --to " + settings.to());
      }
      return settings;
    }
  }
}
