package io.starflow.transforms;

import org.apache.beam.sdk.metrics.Counter;
import org.apache.beam.sdk.metrics.Metrics;

/**
 * The counters every Starflow pipeline reports, in one namespace, so that a run's counts can be
 * reconciled: records read = applied + compacted away + tombstones skipped + dead-lettered.
 */
public final class StarflowMetrics {
  private StarflowMetrics() {}

  public static final String NAMESPACE = "starflow";

  /** Records taken from the source (blank lines are not records). */
  public static final String RECORDS_READ = "records_read";

  /** Bytes of input files read so far: progress without counting lines first. */
  public static final String BYTES_READ = "bytes_read";

  /** Records whose value is not text (not valid UTF-8), dead-lettered as they are read. */
  public static final String READ_FAILED = "read_dead_lettered";

  /** Whitespace-only lines in JSON-lines files, skipped. */
  public static final String BLANK_LINES = "blank_lines_skipped";

  /** Kafka tombstones (null values), counted and skipped. */
  public static final String TOMBSTONES = "tombstones_skipped";

  /** Valid records that change no row (transaction markers, logical messages), skipped. */
  public static final String NOT_ROW_CHANGES = "not_row_changes_skipped";

  /** Truncates read, and applied to their tables. */
  public static final String TRUNCATIONS = "truncations_read";

  public static final String TRUNCATIONS_APPLIED = "truncations_applied";

  /** Records that became change records. */
  public static final String DECODED = "records_decoded";

  /** Records that could not be decoded and went to dead letters. */
  public static final String DECODE_FAILED = "decode_dead_lettered";

  /** Change records left by compaction: the latest per key and window. */
  public static final String COMPACTED = "records_after_compaction";

  /** Rows handed to the warehouse in a guarded write. */
  public static final String APPLIED = "rows_applied";

  /** Applied rows that changed the table (the rest were older than what the table holds). */
  public static final String CHANGED = "rows_changed";

  /** Applied rows that left the table unchanged: the table held the same or a newer position. */
  public static final String STALE = "rows_stale";

  /** Rows the warehouse could not take (a value that does not fit its column) and dead-lettered. */
  public static final String APPLY_FAILED = "apply_dead_lettered";

  /**
   * Changes that arrived after their event-time window closed and more than the allowed lateness
   * behind: written on their own rather than dropped.
   */
  public static final String LATE_BEYOND_LATENESS = "late_beyond_allowed_lateness";

  /** Change records outside a backfill's time range, skipped. */
  public static final String OUTSIDE_RANGE = "outside_time_range";

  /** Versions added to history tables (redeliveries of versions already there add none). */
  public static final String HISTORY_ADDED = "history_versions_added";

  /** Versions a history table could not hold (a value that does not fit), dead-lettered. */
  public static final String HISTORY_FAILED = "history_dead_lettered";

  /** Kafka offset commits made after records were handled. */
  public static final String OFFSET_COMMITS = "offset_commits";

  /** Dead-letter rows written to the warehouse's dead_letter table. */
  public static final String DEAD_LETTERS_WRITTEN = "dead_letters_written";

  /** Star refreshes run, and dimension and fact rows they changed. */
  public static final String STAR_REFRESHES = "star_refreshes";

  public static final String STAR_ROWS_CHANGED = "star_rows_changed";

  /** Domain events folded into state, and those that were not. */
  public static final String EVENTS_APPLIED = "events_applied";

  public static final String EVENTS_DUPLICATE = "events_duplicate";
  public static final String EVENTS_CONFLICT = "events_conflict_dead_lettered";
  public static final String EVENTS_GAP = "events_gap_dead_lettered";
  public static final String EVENTS_REJECTED = "events_rejected_dead_lettered";
  public static final String EVENTS_UNKNOWN_TYPE = "events_unknown_type_dead_lettered";

  /**
   * Aggregates whose state a streaming fold released after they were idle (reloaded from the
   * warehouse at their next event).
   */
  public static final String AGGREGATES_RELEASED = "aggregates_released";

  /** Events a point-in-time rebuild replayed, and how many a replay from the start would take. */
  public static final String EVENTS_REPLAYED = "events_replayed";

  public static final String EVENTS_FULL_REPLAY = "events_replayed_without_snapshots";

  /** ECST events above the size limit, dead-lettered. */
  public static final String OVERSIZED = "events_oversized_dead_lettered";

  /** Thin notifications read, collapsed within a batch, served from cache, calls made, failed. */
  public static final String NOTIFICATIONS = "notifications_read";

  public static final String NOTIFICATIONS_DEDUPLICATED = "notifications_deduplicated";
  public static final String LOOKUP_CACHE_HITS = "lookup_cache_hits";
  public static final String LOOKUP_CALLS = "lookup_calls";
  public static final String ENRICH_FAILED = "notifications_dead_lettered";

  /** Records an enrichment found and handed on: one per id and batch. */
  public static final String ENRICHED = "notifications_enriched";

  public static Counter counter(String name) {
    return Metrics.counter(NAMESPACE, name);
  }
}
