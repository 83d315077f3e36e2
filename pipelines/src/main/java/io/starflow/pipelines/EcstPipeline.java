package io.starflow.pipelines;

import io.starflow.schemas.ChangeRecord;
import io.starflow.schemas.ChangeRecordCoder;
import io.starflow.schemas.RawRecord;
import io.starflow.transforms.ecst.DecodeEcst;
import io.starflow.transforms.ecst.EcstFormat;
import io.starflow.transforms.pii.PiiMasking;
import io.starflow.transforms.warehouse.Mirror;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.transforms.MapElements;
import org.apache.beam.sdk.transforms.errorhandling.ErrorHandler.BadRecordErrorHandler;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PCollectionList;
import org.apache.beam.sdk.values.TypeDescriptor;

/**
 * Event-carried state transfer into the warehouse: every event lands first in the append-only
 * {@code bronze_<table>} with where it came from (a replay adds nothing), then its entity state
 * flows into the mirror, history (and a model's star) like a CDC change.
 */
public final class EcstPipeline {
  private EcstPipeline() {}

  /** Reads JSON-lines ECST events from {@code input} (a glob). */
  public static PCollection<KV<String, Long>> fromFiles(
      Pipeline pipeline, EcstFormat format, MirrorSettings settings, String input) {
    return land(pipeline, RecordInputs.files(input), format, settings);
  }

  /** Lands {@code records} (from files or Kafka) in bronze, then mirror and history. */
  public static PCollection<KV<String, Long>> land(
      PCollection<RawRecord> records, EcstFormat format, MirrorSettings settings) {
    return land(records.getPipeline(), RecordInputs.of(records), format, settings);
  }

  /** Lands the records {@code source} reads. */
  public static PCollection<KV<String, Long>> land(
      Pipeline pipeline,
      RecordInputs.RecordSource source,
      EcstFormat format,
      MirrorSettings settings) {
    try (BadRecordErrorHandler<PCollection<String>> deadLetters =
        MirrorPipeline.deadLetters(pipeline, settings)) {
      DecodeEcst.Result decoded = decode(pipeline, source, format, deadLetters);
      PCollection<ChangeRecord> bronze = maskedBronze(decoded, settings);
      bronze.apply(
          "AppendToBronze",
          Mirror.applyTo(settings.warehouse())
              .withShards(settings.shards())
              .withBatchSize(settings.batchSize())
              .withBadRecordErrorHandler(deadLetters));
      return MirrorPipeline.apply(decoded.changes(), settings, deadLetters);
    }
  }

  /**
   * Lands ECST events from Kafka: one bounded batch, or a streaming run that writes bronze rows,
   * mirror and history in event-time windows and commits the group's offsets once both the bronze
   * row and the entity's row of every event below them are written (or the event is a dead letter).
   * A streaming run with a group needs {@link MirrorPipeline#prepareKafka} before it runs.
   */
  public static void fromKafka(
      Pipeline pipeline, EcstFormat format, MirrorSettings settings, KafkaSettings kafka) {
    if (!kafka.streaming()) {
      land(pipeline, RecordInputs.kafka(kafka), format, settings);
      return;
    }
    BadRecordErrorHandler<PCollection<String>> deadLetters =
        MirrorPipeline.deadLetters(pipeline, settings);
    PCollection<String> bronzeWritten;
    PCollection<String> changesWritten;
    try (deadLetters) {
      DecodeEcst.Result decoded = decode(pipeline, RecordInputs.kafka(kafka), format, deadLetters);
      MirrorSettings bronze =
          settings.toBuilder().setHistory(false).setModel(null).setPii(null).build();
      bronzeWritten =
          MirrorPipeline.writeInWindows(
              "Bronze", maskedBronze(decoded, settings), bronze, kafka, deadLetters);
      changesWritten =
          MirrorPipeline.writeInWindows("", decoded.changes(), settings, kafka, deadLetters);
    }
    MirrorPipeline.commitHandled(
        PCollectionList.of(bronzeWritten).and(changesWritten).and(deadLetters.getOutput()),
        kafka,
        2);
  }

  private static DecodeEcst.Result decode(
      Pipeline pipeline,
      RecordInputs.RecordSource source,
      EcstFormat format,
      BadRecordErrorHandler<PCollection<String>> deadLetters) {
    return source
        .read(pipeline, deadLetters)
        .apply("DecodeEcst", DecodeEcst.of(format).withBadRecordErrorHandler(deadLetters));
  }

  /** The bronze rows, their payload's personal data masked when the settings name any. */
  private static PCollection<ChangeRecord> maskedBronze(
      DecodeEcst.Result decoded, MirrorSettings settings) {
    if (settings.pii() == null) {
      return decoded.bronze();
    }
    PiiMasking pii = settings.pii();
    return decoded
        .bronze()
        .apply(
            "MaskBronzePayload",
            MapElements.into(TypeDescriptor.of(ChangeRecord.class))
                .via((ChangeRecord r) -> pii.maskJsonColumn(r, "payload")))
        .setCoder(ChangeRecordCoder.of());
  }
}
