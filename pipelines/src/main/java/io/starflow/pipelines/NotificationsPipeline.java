package io.starflow.pipelines;

import io.starflow.schemas.ChangeRecord;
import io.starflow.schemas.RawRecord;
import io.starflow.transforms.enrich.EnrichNotifications;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.transforms.errorhandling.ErrorHandler.BadRecordErrorHandler;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PCollectionList;

/**
 * Thin event notifications enriched through a bulk lookup ({@link EnrichNotifications}), then
 * mirrored with history like CDC changes.
 */
public final class NotificationsPipeline {
  private NotificationsPipeline() {}

  public static PCollection<KV<String, Long>> fromFiles(
      Pipeline pipeline,
      EnrichNotifications.Settings enrich,
      MirrorSettings settings,
      String input) {
    return enrich(pipeline, RecordInputs.files(input), enrich, settings);
  }

  public static PCollection<KV<String, Long>> enrich(
      PCollection<RawRecord> notifications,
      EnrichNotifications.Settings enrich,
      MirrorSettings settings) {
    return enrich(notifications.getPipeline(), RecordInputs.of(notifications), enrich, settings);
  }

  /** Enriches the notifications {@code source} reads. */
  public static PCollection<KV<String, Long>> enrich(
      Pipeline pipeline,
      RecordInputs.RecordSource source,
      EnrichNotifications.Settings enrich,
      MirrorSettings settings) {
    try (BadRecordErrorHandler<PCollection<String>> deadLetters =
        MirrorPipeline.deadLetters(pipeline, settings)) {
      PCollection<RawRecord> notifications = source.read(pipeline, deadLetters);
      return MirrorPipeline.apply(
          notifications.apply(
              "Enrich", EnrichNotifications.with(enrich).withBadRecordErrorHandler(deadLetters)),
          settings,
          deadLetters);
    }
  }

  /**
   * Enriches notifications from Kafka: one bounded batch, or a streaming run that writes the
   * enriched records in event-time windows and commits the group's offsets once every notification
   * below them is written (or a dead letter). A streaming run with a group needs {@link
   * MirrorPipeline#prepareKafka} before it runs.
   */
  public static void fromKafka(
      Pipeline pipeline,
      EnrichNotifications.Settings enrich,
      MirrorSettings settings,
      KafkaSettings kafka) {
    if (!kafka.streaming()) {
      enrich(pipeline, RecordInputs.kafka(kafka), enrich, settings);
      return;
    }
    BadRecordErrorHandler<PCollection<String>> deadLetters =
        MirrorPipeline.deadLetters(pipeline, settings);
    PCollection<String> written;
    try (deadLetters) {
      PCollection<ChangeRecord> enriched =
          RecordInputs.kafka(kafka)
              .read(pipeline, deadLetters)
              .apply(
                  "Enrich",
                  EnrichNotifications.with(enrich)
                      .withBadRecordErrorHandler(deadLetters)
                      .withRecordPerNotification());
      written = MirrorPipeline.writeInWindows("", enriched, settings, kafka, deadLetters);
    }
    MirrorPipeline.commitHandled(
        PCollectionList.of(written).and(deadLetters.getOutput()), kafka, 1);
  }
}
