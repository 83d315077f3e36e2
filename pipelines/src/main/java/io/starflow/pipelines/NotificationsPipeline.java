package io.starflow.pipelines;

import io.starflow.schemas.RawRecord;
import io.starflow.transforms.enrich.EnrichNotifications;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.transforms.errorhandling.ErrorHandler.BadRecordErrorHandler;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PCollection;

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
}
