package io.starflow.transforms.io;

import static org.apache.beam.sdk.util.Preconditions.checkArgumentNotNull;

import io.starflow.transforms.StarflowMetrics;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.apache.beam.sdk.coders.BooleanCoder;
import org.apache.beam.sdk.coders.KvCoder;
import org.apache.beam.sdk.coders.ListCoder;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.coders.VarIntCoder;
import org.apache.beam.sdk.coders.VarLongCoder;
import org.apache.beam.sdk.metrics.Counter;
import org.apache.beam.sdk.state.MapState;
import org.apache.beam.sdk.state.StateSpec;
import org.apache.beam.sdk.state.StateSpecs;
import org.apache.beam.sdk.state.TimeDomain;
import org.apache.beam.sdk.state.Timer;
import org.apache.beam.sdk.state.TimerSpec;
import org.apache.beam.sdk.state.TimerSpecs;
import org.apache.beam.sdk.state.ValueState;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.transforms.display.DisplayData;
import org.apache.beam.sdk.transforms.windowing.BoundedWindow;
import org.apache.beam.sdk.transforms.windowing.GlobalWindows;
import org.apache.beam.sdk.transforms.windowing.Window;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PCollection;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Commits a consumer group's Kafka offsets once the records below them are handled.
 *
 * <p>Input: reports on the records read, by origin ({@code kafka:TOPIC/PARTITION@OFFSET}), in any
 * order; other origins are ignored. A record can land in several parts (an ECST event is a bronze
 * row and a mirror row; a domain event a state, an event row, a movement): it is handled once as
 * many reports of a written part have come as it has parts, or one report that it is handled {@link
 * #whole} (a dead letter that took all of it, a redelivery that adds nothing). Its parts are {@link
 * #withPartsPerRecord} unless a report says how many ({@link #expecting}); a plain origin reports
 * one part. Per partition, the group's offset moves to the first offset not yet handled, starting
 * from the offset the group had committed when the read began (see {@link
 * KafkaOffsets#prepareGroup}). Offsets that hold no record (log compaction, transaction markers)
 * are found by asking Kafka when progress stops at one.
 *
 * <p>Commits go to Kafka at most every {@link #COMMIT_EVERY} per partition (a processing-time
 * timer), and once more when the input ends; not once per record. A commit Kafka refuses or does
 * not answer in time (a broker restarting, a rebalance) is logged and tried again by the next
 * timer: it never fails the run, since the progress it carries is still in state.
 *
 * <p>So a crash or {@code kill -9} loses nothing: a restart with the same group reads again from
 * the first record not handled, and the guarded writes make records handled twice harmless. Output:
 * each commit made, as {@code TOPIC/PARTITION} and offset.
 */
public final class CommitOffsets
    extends PTransform<PCollection<String>, PCollection<KV<String, Long>>> {
  /** The longest a partition's progress waits before it is committed. */
  public static final org.joda.time.Duration COMMIT_EVERY =
      org.joda.time.Duration.standardSeconds(2);

  private static final String WHOLE = "#whole";
  private static final String PARTS = "#parts=";
  private static final int PART = -1;
  private static final int WHOLE_RECORD = -2;

  private final String bootstrapServers;
  private final String groupId;
  private final Map<String, String> consumerConfig;
  private final int partsPerRecord;

  private CommitOffsets(
      String bootstrapServers, String groupId, Map<String, String> config, int partsPerRecord) {
    this.bootstrapServers = bootstrapServers;
    this.groupId = groupId;
    this.consumerConfig = config;
    this.partsPerRecord = partsPerRecord;
  }

  public static CommitOffsets forGroup(
      String bootstrapServers, String groupId, Map<String, String> consumerConfig) {
    checkArgumentNotNull(bootstrapServers, "bootstrapServers must not be null");
    checkArgumentNotNull(groupId, "groupId must not be null");
    return new CommitOffsets(bootstrapServers, groupId, Map.copyOf(consumerConfig), 1);
  }

  /**
   * Each record is handled once {@code parts} reports of it came (default 1); 0: only once a report
   * said how many ({@link #expecting}), for records whose parts vary.
   */
  public CommitOffsets withPartsPerRecord(int parts) {
    if (parts < 0) {
      throw new IllegalArgumentException("parts per record must not be negative, was " + parts);
    }
    return new CommitOffsets(bootstrapServers, groupId, consumerConfig, parts);
  }

  /** The report that the record at {@code origin} is handled whole: no part of it is to come. */
  public static String whole(String origin) {
    return origin + WHOLE;
  }

  /** The report that the record at {@code origin} lands in {@code parts} parts (0: none). */
  public static String expecting(String origin, int parts) {
    if (parts < 0) {
      throw new IllegalArgumentException("parts must not be negative, was " + parts);
    }
    return origin + PARTS + parts;
  }

  @Override
  public PCollection<KV<String, Long>> expand(PCollection<String> handled) {
    return handled
        .apply("IntoGlobalWindow", Window.<String>into(new GlobalWindows()))
        .apply("KeyByPartition", ParDo.of(new KeyByPartitionFn()))
        .setCoder(KvCoder.of(StringUtf8Coder.of(), KvCoder.of(VarLongCoder.of(), VarIntCoder.of())))
        .apply(
            "CommitContiguous",
            ParDo.of(new CommitFn(bootstrapServers, groupId, consumerConfig, partsPerRecord)))
        .setCoder(KvCoder.of(StringUtf8Coder.of(), VarLongCoder.of()));
  }

  @Override
  public void populateDisplayData(DisplayData.Builder builder) {
    super.populateDisplayData(builder);
    builder
        .add(DisplayData.item("bootstrapServers", bootstrapServers).withLabel("Kafka"))
        .add(DisplayData.item("groupId", groupId).withLabel("Consumer group"))
        .add(DisplayData.item("partsPerRecord", partsPerRecord).withLabel("Parts per record"));
  }

  /** By partition: a report's offset and what it says (a part, whole, or how many parts). */
  private static final class KeyByPartitionFn extends DoFn<String, KV<String, KV<Long, Integer>>> {
    @ProcessElement
    public void process(@Element String report, OutputReceiver<KV<String, KV<Long, Integer>>> out) {
      int kind = PART;
      String origin = report;
      int hash = report.lastIndexOf('#');
      if (hash > 0 && report.startsWith(WHOLE, hash)) {
        kind = WHOLE_RECORD;
        origin = report.substring(0, hash);
      } else if (hash > 0 && report.startsWith(PARTS, hash)) {
        kind = Integer.parseInt(report.substring(hash + PARTS.length()));
        origin = report.substring(0, hash);
      }
      KafkaOrigin kafka = KafkaOrigin.parse(origin);
      if (kafka != null) {
        out.output(KV.of(kafka.topicPartition(), KV.of(kafka.offset, kind)));
      }
    }
  }

  private static final class CommitFn
      extends DoFn<KV<String, KV<Long, Integer>>, KV<String, Long>> {
    private static final Logger LOG = LoggerFactory.getLogger(CommitOffsets.class);
    private static final String NEXT = "next";
    private static final String HANDLED = "handled";
    private static final String RECHECK = "recheck";
    private static final String RECHECK_SET = "recheckSet";
    private static final String COMMITTED = "committed";
    private static final String COMMIT = "commit";
    private static final String COMMIT_SET = "commitSet";
    private static final String END = "end";
    private static final String PARTIAL = "partial";
    private static final Duration FETCH_TIMEOUT = Duration.ofSeconds(2);
    private static final Duration COMMIT_TIMEOUT = Duration.ofSeconds(30);
    private static final org.joda.time.Duration RECHECK_AFTER =
        org.joda.time.Duration.standardSeconds(5);

    /** The first offset not known to be handled: what the group has committed. */
    @StateId(NEXT)
    private final StateSpec<ValueState<Long>> nextSpec = StateSpecs.value(VarLongCoder.of());

    /** Handled offsets above {@code next}, waiting for the ones below them. */
    @StateId(HANDLED)
    private final StateSpec<ValueState<List<Long>>> handledSpec =
        StateSpecs.value(ListCoder.of(VarLongCoder.of()));

    /**
     * Records with some of their parts reported, by offset: the reports seen, and the parts
     * expected (-1 until a report says).
     */
    @StateId(PARTIAL)
    private final StateSpec<MapState<Long, KV<Integer, Integer>>> partialSpec =
        StateSpecs.map(VarLongCoder.of(), KvCoder.of(VarIntCoder.of(), VarIntCoder.of()));

    /** Looks again for offsets that hold no record when progress has stopped. */
    @TimerId(RECHECK)
    private final TimerSpec recheckSpec = TimerSpecs.timer(TimeDomain.PROCESSING_TIME);

    /** Whether the recheck timer is set: it is set once, not pushed back by every record. */
    @StateId(RECHECK_SET)
    private final StateSpec<ValueState<Boolean>> recheckSetSpec =
        StateSpecs.value(BooleanCoder.of());

    /** The offset last committed to Kafka. */
    @StateId(COMMITTED)
    private final StateSpec<ValueState<Long>> committedSpec = StateSpecs.value(VarLongCoder.of());

    /** Commits the partition's progress, at most every {@link #COMMIT_EVERY}. */
    @TimerId(COMMIT)
    private final TimerSpec commitSpec = TimerSpecs.timer(TimeDomain.PROCESSING_TIME);

    /** Whether the commit timer is set: set once per commit, not pushed back by every record. */
    @StateId(COMMIT_SET)
    private final StateSpec<ValueState<Boolean>> commitSetSpec =
        StateSpecs.value(BooleanCoder.of());

    /** Fires when the input ends (a drained or finite stream): commits what is left. */
    @TimerId(END)
    private final TimerSpec endSpec = TimerSpecs.timer(TimeDomain.EVENT_TIME);

    private final String bootstrapServers;
    private final String groupId;
    private final Map<String, String> config;
    private final int partsPerRecord;
    private final Counter commits = StarflowMetrics.counter(StarflowMetrics.OFFSET_COMMITS);
    private transient KafkaConsumer<byte[], byte[]> consumer;

    CommitFn(
        String bootstrapServers, String groupId, Map<String, String> config, int partsPerRecord) {
      this.bootstrapServers = bootstrapServers;
      this.groupId = groupId;
      this.config = config;
      this.partsPerRecord = partsPerRecord;
    }

    @Setup
    public void setup() {
      consumer = KafkaOffsets.consumer(bootstrapServers, groupId, config);
    }

    @ProcessElement
    public void process(
        @Element KV<String, KV<Long, Integer>> report,
        @StateId(NEXT) ValueState<Long> next,
        @StateId(HANDLED) ValueState<List<Long>> handled,
        @StateId(PARTIAL) MapState<Long, KV<Integer, Integer>> partial,
        @StateId(RECHECK_SET) ValueState<Boolean> recheckSet,
        @TimerId(RECHECK) Timer recheck,
        @StateId(COMMITTED) ValueState<Long> committed,
        @StateId(COMMIT_SET) ValueState<Boolean> commitSet,
        @TimerId(COMMIT) Timer commit,
        @TimerId(END) Timer end,
        BoundedWindow window) {
      TopicPartition partition = partitionOf(report.getKey());
      if (next.read() == null) {
        long start = committed(partition);
        next.write(start);
        committed.write(start);
        end.set(window.maxTimestamp());
      }
      long from = next.read();
      long offset = report.getValue().getKey();
      if (offset < from || !handledNow(offset, report.getValue().getValue(), partial)) {
        return;
      }
      TreeSet<Long> waiting = new TreeSet<>(orEmpty(handled.read()));
      waiting.add(offset);
      advance(partition, from, waiting, false, next, handled);
      if (next.read() != from && commitSet.read() == null) {
        commit.offset(COMMIT_EVERY).setRelative();
        commitSet.write(true);
      }
      if (!waiting.isEmpty() && recheckSet.read() == null) {
        recheck.offset(RECHECK_AFTER).setRelative();
        recheckSet.write(true);
      }
    }

    /** Takes in one report on the record at {@code offset}; true once the record is handled. */
    private boolean handledNow(
        long offset, int kind, MapState<Long, KV<Integer, Integer>> partial) {
      if (kind == WHOLE_RECORD || (kind == PART && partsPerRecord == 1)) {
        if (partsPerRecord != 1) {
          partial.remove(offset);
        }
        return true;
      }
      KV<Integer, Integer> seen = partial.get(offset).read();
      int reports = seen == null ? 0 : seen.getKey();
      int expected = seen == null ? -1 : seen.getValue();
      if (kind == PART) {
        reports++;
      } else {
        expected = kind;
      }
      int parts = expected >= 0 ? expected : partsPerRecord > 0 ? partsPerRecord : -1;
      if (parts >= 0 && reports >= parts) {
        partial.remove(offset);
        return true;
      }
      partial.put(offset, KV.of(reports, expected));
      return false;
    }

    @OnTimer(RECHECK)
    public void onRecheck(
        @Key String topicPartition,
        @StateId(NEXT) ValueState<Long> next,
        @StateId(HANDLED) ValueState<List<Long>> handled,
        @StateId(RECHECK_SET) ValueState<Boolean> recheckSet,
        @TimerId(RECHECK) Timer recheck,
        @StateId(COMMITTED) ValueState<Long> committed,
        @StateId(COMMIT_SET) ValueState<Boolean> commitSet,
        @TimerId(COMMIT) Timer commit,
        OutputReceiver<KV<String, Long>> out) {
      recheckSet.clear();
      Long from = next.read();
      if (from != null) {
        TreeSet<Long> waiting = new TreeSet<>(orEmpty(handled.read()));
        advance(partitionOf(topicPartition), from, waiting, true, next, handled);
        if (!commit(topicPartition, next, committed, out) && commitSet.read() == null) {
          commit.offset(COMMIT_EVERY).setRelative();
          commitSet.write(true);
        }
        // Look again only after progress: a record still in flight brings its own commit when it
        // is handled, and a timer that always re-arms would keep a finished pipeline running.
        if (!waiting.isEmpty() && next.read() != from) {
          recheck.offset(RECHECK_AFTER).setRelative();
          recheckSet.write(true);
        }
      }
    }

    @OnTimer(COMMIT)
    public void onCommit(
        @Key String topicPartition,
        @StateId(NEXT) ValueState<Long> next,
        @StateId(COMMITTED) ValueState<Long> committed,
        @StateId(COMMIT_SET) ValueState<Boolean> commitSet,
        @StateId(PARTIAL) MapState<Long, KV<Integer, Integer>> partial,
        @TimerId(COMMIT) Timer commit,
        OutputReceiver<KV<String, Long>> out) {
      commitSet.clear();
      Long from = next.read();
      if (from != null && partsPerRecord != 1) {
        // a part reported after its record was handled whole leaves an entry below the progress
        List<Long> below = new ArrayList<>();
        for (Long offset : partial.keys().read()) {
          if (offset < from) {
            below.add(offset);
          }
        }
        below.forEach(partial::remove);
      }
      if (!commit(topicPartition, next, committed, out)) {
        commit.offset(COMMIT_EVERY).setRelative();
        commitSet.write(true);
      }
    }

    @OnTimer(END)
    public void onEnd(
        @Key String topicPartition,
        @StateId(NEXT) ValueState<Long> next,
        @StateId(COMMITTED) ValueState<Long> committed,
        OutputReceiver<KV<String, Long>> out) {
      if (!commit(topicPartition, next, committed, out)) {
        throw new IllegalStateException(
            "the input ended but Kafka did not take the commit of "
                + topicPartition
                + " at "
                + next.read()
                + " for group "
                + groupId
                + "; everything below it is written, so running again reads it again harmlessly");
      }
    }

    /**
     * Commits the partition's progress to Kafka, when it moved since the last commit; false when
     * Kafka did not take it, to be tried again.
     */
    private boolean commit(
        String topicPartition,
        ValueState<Long> next,
        ValueState<Long> committed,
        OutputReceiver<KV<String, Long>> out) {
      Long offset = next.read();
      if (offset == null || offset.equals(committed.read())) {
        return true;
      }
      try {
        consumer.commitSync(
            Map.of(partitionOf(topicPartition), new OffsetAndMetadata(offset)), COMMIT_TIMEOUT);
      } catch (KafkaException e) {
        LOG.warn(
            "committing offset {} of {} for group {} failed, trying again in {}: {}",
            offset,
            topicPartition,
            groupId,
            COMMIT_EVERY,
            e.toString());
        return false;
      }
      committed.write(offset);
      commits.inc();
      out.output(KV.of(topicPartition, offset));
      return true;
    }

    /** Moves {@code next} past the handled offsets that follow it. */
    private void advance(
        TopicPartition partition,
        long from,
        TreeSet<Long> waiting,
        boolean lookForGaps,
        ValueState<Long> next,
        ValueState<List<Long>> handled) {
      long offset = from;
      while (true) {
        while (!waiting.isEmpty() && waiting.first() <= offset) {
          if (waiting.pollFirst() == offset) {
            offset++;
          }
        }
        if (waiting.isEmpty() || !lookForGaps) {
          break;
        }
        long firstRecord = firstRecordAtOrAfter(partition, offset);
        if (firstRecord <= offset) {
          break; // the record at `offset` exists and is not handled yet
        }
        offset = firstRecord; // offsets in between hold no record
      }
      next.write(offset);
      handled.write(new ArrayList<>(waiting));
    }

    /** The offset of the first record at or after {@code offset}, or {@code offset} if unknown. */
    private long firstRecordAtOrAfter(TopicPartition partition, long offset) {
      consumer.assign(Set.of(partition));
      consumer.seek(partition, offset);
      ConsumerRecords<byte[], byte[]> records = consumer.poll(FETCH_TIMEOUT);
      consumer.unsubscribe();
      return records.records(partition).stream().mapToLong(r -> r.offset()).min().orElse(offset);
    }

    private long committed(TopicPartition partition) {
      OffsetAndMetadata committed = consumer.committed(Set.of(partition)).get(partition);
      if (committed == null) {
        throw new IllegalStateException(
            "consumer group has no committed offset for "
                + partition
                + ": prepare the group (KafkaOffsets.prepareGroup) before reading");
      }
      return committed.offset();
    }

    private static TopicPartition partitionOf(String topicPartition) {
      int slash = topicPartition.lastIndexOf('/');
      return new TopicPartition(
          topicPartition.substring(0, slash),
          Integer.parseInt(topicPartition.substring(slash + 1)));
    }

    private static List<Long> orEmpty(List<Long> list) {
      return list == null ? List.of() : list;
    }

    @Teardown
    public void teardown() {
      if (consumer != null) {
        consumer.close();
      }
    }
  }
}
