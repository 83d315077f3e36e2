package io.starflow.transforms.enrich;

import static org.apache.beam.sdk.util.Preconditions.checkArgumentNotNull;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Ticker;
import com.google.auto.value.AutoValue;
import io.starflow.schemas.ChangeRecord;
import io.starflow.schemas.ChangeRecordCoder;
import io.starflow.schemas.Column;
import io.starflow.schemas.Identifiers;
import io.starflow.schemas.RawRecord;
import io.starflow.schemas.RawRecordCoder;
import io.starflow.schemas.SourcePosition;
import io.starflow.transforms.BadRecords;
import io.starflow.transforms.ColumnInference;
import io.starflow.transforms.DecodeException;
import io.starflow.transforms.EventTimes;
import io.starflow.transforms.Json;
import io.starflow.transforms.StarflowMetrics;
import java.io.IOException;
import java.io.Serializable;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import javax.annotation.Nullable;
import org.apache.beam.sdk.coders.KvCoder;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.metrics.Counter;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.GroupByKey;
import org.apache.beam.sdk.transforms.GroupIntoBatches;
import org.apache.beam.sdk.transforms.MapElements;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.transforms.errorhandling.BadRecord;
import org.apache.beam.sdk.transforms.errorhandling.BadRecordRouter;
import org.apache.beam.sdk.transforms.errorhandling.ErrorHandler;
import org.apache.beam.sdk.transforms.errorhandling.ErrorHandler.DefaultErrorHandler;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PCollectionTuple;
import org.apache.beam.sdk.values.TupleTag;
import org.apache.beam.sdk.values.TupleTagList;
import org.apache.beam.sdk.values.TypeDescriptor;
import org.apache.beam.sdk.values.TypeDescriptors;

/**
 * Enriches thin event notifications ({@code {"event": ..., "id": ..., "time": ..., "version"?}})
 * through a bulk HTTP lookup into full change records of {@code table}, keyed by id and positioned
 * by the looked-up record's {@code version} (else the notification's time).
 *
 * <p>Notifications are batched by size (and, on a stream, by time), de-duplicated within a batch,
 * served from a cache of looked-up records by (id, version) (one per service in a worker process,
 * at most {@code cacheSize} of them, each for {@code cacheTtl}), and looked up {@code idsPerCall}
 * at a time, rate-limited and retried ({@link BulkLookup}). Ids the service does not know, and ids
 * whose lookups keep failing, go to dead letters with the reason (stage {@code enrich}), one per
 * notification. On a stream, the record looked up for an id is output once per notification of it,
 * each with that notification's origin (they compact into one row), so that every notification's
 * offset can be committed once its row is written; a bounded run outputs it once.
 */
public final class EnrichNotifications
    extends PTransform<PCollection<RawRecord>, PCollection<ChangeRecord>> {
  static final String STAGE = "enrich";
  private static final TupleTag<ChangeRecord> ENRICHED = new TupleTag<ChangeRecord>() {};

  /** The settings of one enrichment; {@link #builder} starts from the defaults. */
  @AutoValue
  public abstract static class Settings implements Serializable {
    /** The bulk lookup's URL. */
    public abstract String url();

    /** The table the enriched records go to. */
    public abstract String table();

    /** Ids per lookup call (default 500). */
    public abstract int idsPerCall();

    /** Calls per second at most, retries included (default 10). */
    public abstract int callsPerSecond();

    /** Tries per lookup before its ids are dead-lettered (default 6). */
    public abstract int attempts();

    /** The longest a call may take (default 2 s). */
    public abstract Duration timeout();

    /** The first retry's wait, doubled for each next one (100 ms). */
    public abstract Duration backoff();

    /** How long a looked-up record is served from the cache (default 10 min). */
    public abstract Duration cacheTtl();

    /**
     * The most looked-up records a worker process caches per service; the least recently used go
     * first (default 100,000).
     */
    public abstract long cacheSize();

    /** Notifications per batch (default 5,000). */
    public abstract int batchSize();

    /** On a stream, the longest a batch waits to fill (default 5 s). */
    public abstract org.joda.time.Duration maxWait();

    /** Groups of ids looked up in parallel (4). */
    public abstract int shards();

    public static Builder builder(String url, String table) {
      return new AutoValue_EnrichNotifications_Settings.Builder()
          .setUrl(url)
          .setTable(Identifiers.check("table", table))
          .setIdsPerCall(500)
          .setCallsPerSecond(10)
          .setAttempts(6)
          .setTimeout(Duration.ofSeconds(2))
          .setBackoff(Duration.ofMillis(100))
          .setCacheTtl(Duration.ofMinutes(10))
          .setCacheSize(100_000)
          .setBatchSize(5_000)
          .setMaxWait(org.joda.time.Duration.standardSeconds(5))
          .setShards(4);
    }

    @AutoValue.Builder
    public abstract static class Builder {
      abstract Builder setUrl(String url);

      abstract Builder setTable(String table);

      public abstract Builder setIdsPerCall(int idsPerCall);

      public abstract Builder setCallsPerSecond(int callsPerSecond);

      public abstract Builder setAttempts(int attempts);

      public abstract Builder setTimeout(Duration timeout);

      abstract Builder setBackoff(Duration backoff);

      public abstract Builder setCacheTtl(Duration cacheTtl);

      public abstract Builder setCacheSize(long cacheSize);

      public abstract Builder setBatchSize(int batchSize);

      public abstract Builder setMaxWait(org.joda.time.Duration maxWait);

      abstract Builder setShards(int shards);

      abstract Settings autoBuild();

      public Settings build() {
        Settings settings = autoBuild();
        if (settings.cacheSize() < 0 || settings.cacheTtl().isNegative()) {
          throw new IllegalArgumentException(
              "cacheSize and cacheTtl must not be negative, were "
                  + settings.cacheSize()
                  + " and "
                  + settings.cacheTtl());
        }
        return settings;
      }
    }
  }

  private final Settings settings;
  private final ErrorHandler<BadRecord, ?> errorHandler;
  private final BadRecordRouter router;
  private final boolean recordPerNotification;

  private EnrichNotifications(
      Settings settings,
      ErrorHandler<BadRecord, ?> errorHandler,
      BadRecordRouter router,
      boolean recordPerNotification) {
    this.settings = settings;
    this.errorHandler = errorHandler;
    this.router = router;
    this.recordPerNotification = recordPerNotification;
  }

  public static EnrichNotifications with(Settings settings) {
    return new EnrichNotifications(
        settings, new DefaultErrorHandler<>(), BadRecordRouter.THROWING_ROUTER, false);
  }

  public EnrichNotifications withBadRecordErrorHandler(ErrorHandler<BadRecord, ?> handler) {
    checkArgumentNotNull(handler, "withBadRecordErrorHandler(handler) called with null handler");
    return new EnrichNotifications(
        settings, handler, BadRecordRouter.RECORDING_ROUTER, recordPerNotification);
  }

  /**
   * Outputs the record looked up for an id once per notification of it, each with that
   * notification's origin, even when the input is bounded (a streaming run whose read ends at a
   * count or a time), so that each notification is reported written; a stream always does.
   */
  public EnrichNotifications withRecordPerNotification() {
    return new EnrichNotifications(settings, errorHandler, router, true);
  }

  @Override
  public PCollection<ChangeRecord> expand(PCollection<RawRecord> input) {
    int shards = settings.shards();
    PCollection<KV<String, RawRecord>> keyed =
        input
            .apply(
                "ByShard",
                MapElements.into(
                        TypeDescriptors.kvs(
                            TypeDescriptors.strings(), TypeDescriptor.of(RawRecord.class)))
                    .via((RawRecord r) -> KV.of(shardOf(r, shards), r)))
            .setCoder(KvCoder.of(StringUtf8Coder.of(), RawRecordCoder.of()));
    PCollection<KV<String, Iterable<RawRecord>>> batches =
        input.isBounded() == PCollection.IsBounded.BOUNDED
            // a bounded run groups each shard once; the lookup splits it into batches
            ? keyed.apply("Gather", GroupByKey.create())
            : keyed.apply(
                "Batch",
                GroupIntoBatches.<String, RawRecord>ofSize(settings.batchSize())
                    .withMaxBufferingDuration(settings.maxWait()));
    PCollectionTuple result =
        batches.apply(
            "LookUp",
            ParDo.of(
                    new EnrichFn(
                        settings,
                        router,
                        recordPerNotification
                            || input.isBounded() == PCollection.IsBounded.UNBOUNDED))
                .withOutputTags(ENRICHED, TupleTagList.of(BadRecordRouter.BAD_RECORD_TAG)));
    BadRecords.collect(errorHandler, result);
    return result.get(ENRICHED).setCoder(ChangeRecordCoder.of());
  }

  /**
   * The shard of a notification's id, so that one id's notifications meet in one batch and are
   * looked up once; a record without a readable id goes by its origin (it fails to decode anyway).
   */
  static String shardOf(RawRecord record, int shards) {
    String key = record.origin();
    try {
      JsonNode id = SHARD_JSON.readTree(record.value() == null ? "" : record.value()).get("id");
      if (id != null && (id.isTextual() || id.isIntegralNumber())) {
        key = id.asText();
      }
    } catch (IOException | RuntimeException e) {
      // keep the origin
    }
    return Integer.toString(Math.floorMod(key.hashCode(), shards));
  }

  private static final ObjectMapper SHARD_JSON = Json.mapper();

  /** A notification read: its id, optional version, time and origin. */
  private static final class Notification {
    final String id;
    final @Nullable Long version;
    final Instant time;
    final RawRecord raw;

    Notification(String id, @Nullable Long version, Instant time, RawRecord raw) {
      this.id = id;
      this.version = version;
      this.time = time;
      this.raw = raw;
    }
  }

  /** A looked-up record and its version. */
  static final class Cached {
    final JsonNode record;
    final long version;

    Cached(JsonNode record, long version) {
      this.record = record;
      this.version = version;
    }
  }

  /** A cache of looked-up records by id, bounded in size and in time as {@code settings} say. */
  static Cache<String, Cached> newCache(Settings settings, Ticker ticker) {
    return Caffeine.newBuilder()
        .maximumSize(settings.cacheSize())
        .expireAfterWrite(settings.cacheTtl())
        .ticker(ticker)
        .build();
  }

  private static final class EnrichFn extends DoFn<KV<String, Iterable<RawRecord>>, ChangeRecord> {
    /**
     * The caches of this process, one per service and cache settings, which every worker thread
     * enriching from that service shares: each bounded in size and in time.
     */
    private static final Map<String, Cache<String, Cached>> CACHES =
        new java.util.concurrent.ConcurrentHashMap<>();

    private static final ObjectMapper JSON = Json.mapper();

    private final Settings settings;
    private final BadRecordRouter router;
    private final Counter notifications = StarflowMetrics.counter(StarflowMetrics.NOTIFICATIONS);
    private final Counter deduplicated =
        StarflowMetrics.counter(StarflowMetrics.NOTIFICATIONS_DEDUPLICATED);
    private final Counter cacheHits = StarflowMetrics.counter(StarflowMetrics.LOOKUP_CACHE_HITS);
    private final Counter calls = StarflowMetrics.counter(StarflowMetrics.LOOKUP_CALLS);
    private final Counter failed = StarflowMetrics.counter(StarflowMetrics.ENRICH_FAILED);
    private final Counter enriched = StarflowMetrics.counter(StarflowMetrics.ENRICHED);
    private transient BulkLookup lookup;
    private transient ColumnInference values;
    private transient Cache<String, Cached> cache;
    private final boolean everyOrigin;

    EnrichFn(Settings settings, BadRecordRouter router, boolean everyOrigin) {
      this.settings = settings;
      this.router = router;
      this.everyOrigin = everyOrigin;
    }

    @Setup
    public void setup() {
      lookup =
          new BulkLookup(
              settings.url(),
              settings.callsPerSecond(),
              settings.attempts(),
              settings.timeout(),
              settings.backoff());
      values = ColumnInference.withoutPlaceholder();
      cache =
          CACHES.computeIfAbsent(
              settings.url() + " " + settings.cacheSize() + " " + settings.cacheTtl(),
              k -> newCache(settings, Ticker.systemTicker()));
    }

    @ProcessElement
    public void process(@Element KV<String, Iterable<RawRecord>> batch, MultiOutputReceiver out)
        throws Exception {
      List<Notification> pending = new ArrayList<>();
      for (RawRecord raw : batch.getValue()) {
        notifications.inc();
        Notification notification = read(raw, out);
        if (notification != null) {
          pending.add(notification);
        }
        if (pending.size() >= settings.batchSize()) {
          enrich(pending, out);
          pending = new ArrayList<>();
        }
      }
      if (!pending.isEmpty()) {
        enrich(pending, out);
      }
    }

    private @Nullable Notification read(RawRecord raw, MultiOutputReceiver out) throws Exception {
      try {
        JsonNode node = JSON.readTree(raw.value() == null ? "" : raw.value());
        if (node == null || !node.isObject()) {
          throw new IllegalArgumentException("a notification is a JSON object");
        }
        JsonNode id = node.get("id");
        if (id == null || !(id.isTextual() || id.isIntegralNumber())) {
          throw new IllegalArgumentException("'id' must be a string or a whole number");
        }
        Instant at = EventTimes.read(node.get("time"), "time");
        JsonNode version = node.get("version");
        return new Notification(
            id.asText(),
            version != null && version.canConvertToLong() ? version.asLong() : null,
            at,
            raw);
      } catch (IOException | IllegalArgumentException e) {
        fail(
            out,
            raw,
            "decode",
            "not a notification: "
                + (e instanceof JsonProcessingException
                    ? Json.describe((JsonProcessingException) e)
                    : e.getMessage()));
        return null;
      }
    }

    private void enrich(List<Notification> batch, MultiOutputReceiver out) throws Exception {
      // the newest notification per id stands for the others of the batch
      Map<String, Notification> newest = new LinkedHashMap<>();
      Map<String, List<Notification>> all = new LinkedHashMap<>();
      for (Notification n : batch) {
        all.computeIfAbsent(n.id, k -> new ArrayList<>()).add(n);
        Notification kept = newest.get(n.id);
        if (kept == null || later(n, kept)) {
          newest.put(n.id, n);
        }
      }
      deduplicated.inc(batch.size() - newest.size());
      Map<String, JsonNode> found = new LinkedHashMap<>();
      List<String> toFetch = new ArrayList<>();
      for (Notification n : newest.values()) {
        Cached cached = cache.getIfPresent(n.id);
        if (cached != null && (n.version == null || cached.version >= n.version)) {
          cacheHits.inc();
          found.put(n.id, cached.record);
        } else {
          toFetch.add(n.id);
        }
      }
      Map<String, String> failures = new LinkedHashMap<>();
      for (int i = 0; i < toFetch.size(); i += settings.idsPerCall()) {
        List<String> ids = toFetch.subList(i, Math.min(toFetch.size(), i + settings.idsPerCall()));
        calls.inc();
        try {
          Map<String, JsonNode> answer = lookup.lookUp(ids);
          for (String id : ids) {
            JsonNode record = answer.get(id);
            if (record == null) {
              failures.put(id, "the service does not know " + settings.table() + " " + id);
            } else {
              found.put(id, record);
              cache.put(id, new Cached(record, record.path("version").asLong(0)));
            }
          }
        } catch (IOException e) {
          for (String id : ids) {
            failures.put(
                id,
                "lookup of "
                    + settings.table()
                    + " "
                    + id
                    + " failed after "
                    + settings.attempts()
                    + " attempts: "
                    + e.getMessage());
          }
        }
      }
      for (Map.Entry<String, List<Notification>> entry : all.entrySet()) {
        String id = entry.getKey();
        if (failures.containsKey(id)) {
          for (Notification n : entry.getValue()) {
            fail(out, n.raw, STAGE, failures.get(id));
          }
          continue;
        }
        Notification n = newest.get(id);
        ChangeRecord record;
        try {
          record = record(n, found.get(id));
        } catch (DecodeException | IllegalArgumentException e) {
          for (Notification each : entry.getValue()) {
            fail(out, each.raw, STAGE, "the service's record cannot land: " + e.getMessage());
          }
          continue;
        }
        enriched.inc();
        if (everyOrigin) {
          // one record per notification, alike but for its origin: each is reported written
          for (Notification each : entry.getValue()) {
            out.get(ENRICHED).output(record.toBuilder().setOrigin(each.raw.origin()).build());
          }
        } else {
          out.get(ENRICHED).output(record);
        }
      }
    }

    private static boolean later(Notification a, Notification b) {
      if (a.version != null && b.version != null && !a.version.equals(b.version)) {
        return a.version > b.version;
      }
      return a.time.isAfter(b.time);
    }

    private ChangeRecord record(Notification n, JsonNode record) {
      List<Column> columns = new ArrayList<>();
      for (Iterator<Map.Entry<String, JsonNode>> it = record.fields(); it.hasNext(); ) {
        Map.Entry<String, JsonNode> field = it.next();
        columns.add(values.inferred(ColumnInference.columnName(field.getKey()), field.getValue()));
      }
      ColumnInference.distinct(columns);
      long version = record.path("version").asLong(-1);
      return ChangeRecord.builder()
          .setTable(settings.table())
          .setKeyColumns(List.of("id"))
          .setOp(ChangeRecord.Op.UPSERT)
          .setSourceOp("n")
          .setPosition(
              version >= 0
                  ? SourcePosition.of(version)
                  : SourcePosition.of(ChronoUnit.MICROS.between(Instant.EPOCH, n.time)))
          .setEventTime(n.time)
          .putSource("format", "notification")
          .setOrigin(n.raw.origin())
          .setColumns(columns)
          .build();
    }

    private void fail(MultiOutputReceiver out, RawRecord raw, String stage, String reason)
        throws Exception {
      failed.inc();
      BadRecords.route(router, out, stage, raw, new IllegalStateException(reason), reason);
    }
  }
}
