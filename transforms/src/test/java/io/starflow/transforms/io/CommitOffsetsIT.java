package io.starflow.transforms.io;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.equalTo;

import io.starflow.transforms.testing.EmbeddedKafka;
import io.starflow.transforms.testing.Runs;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.apache.beam.sdk.transforms.Create;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.junit.ClassRule;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.junit.runners.JUnit4;

/**
 * A record read from Kafka can land in several parts: its offset is committed only once every part
 * is reported written, or the record is reported handled whole, whatever order the reports come in.
 */
@RunWith(JUnit4.class)
public class CommitOffsetsIT {
  @ClassRule public static final EmbeddedKafka KAFKA = new EmbeddedKafka();

  private static String at(String topic, long offset) {
    return KafkaOrigin.format(topic, 0, offset);
  }

  /**
   * Commits {@code reports} (shuffled) for a fresh group on {@code topic}; the offset it leaves.
   */
  private static long commit(String topic, CommitOffsets commit, List<String> reports) {
    String group = topic + "-group";
    KafkaOffsets.prepareGroup(
        KAFKA.bootstrapServers(),
        List.of(topic),
        group,
        ReadKafkaRecords.Start.EARLIEST,
        null,
        Map.of());
    List<String> shuffled = new ArrayList<>(reports);
    Collections.shuffle(shuffled, new Random(topic.hashCode()));
    Pipeline pipeline = Pipeline.create(PipelineOptionsFactory.create());
    pipeline.apply(Create.of(shuffled)).apply(commit);
    Runs.finish(pipeline.run());
    OffsetAndMetadata offset = KAFKA.committedOffsets(group).get(new TopicPartition(topic, 0));
    return offset == null ? -1 : offset.offset();
  }

  private static CommitOffsets forGroupOf(String topic) {
    return CommitOffsets.forGroup(KAFKA.bootstrapServers(), topic + "-group", Map.of());
  }

  @Test
  public void aRecordOfTwoPartsWaitsForBoth() {
    String topic = "two.parts";
    KAFKA.createTopic(topic, 1);
    KAFKA.send(topic, 0, List.of("a", "b", "c", "d", "e", "f"));
    List<String> reports = new ArrayList<>();
    for (long offset = 0; offset < 6; offset++) {
      reports.add(at(topic, offset));
      if (offset != 3) {
        reports.add(at(topic, offset)); // offset 3's second part is still being written
      }
    }
    reports.add(CommitOffsets.whole(at(topic, 1))); // a dead letter of a record already written

    assertThat(commit(topic, forGroupOf(topic).withPartsPerRecord(2), reports), equalTo(3L));
  }

  @Test
  public void aRecordHandledWholeNeedsNoParts() {
    String topic = "whole.records";
    KAFKA.createTopic(topic, 1);
    KAFKA.send(topic, 0, List.of("a", "b", "c", "d"));
    List<String> reports =
        List.of(
            at(topic, 0),
            at(topic, 0),
            CommitOffsets.whole(at(topic, 1)), // dead-lettered on decoding
            CommitOffsets.whole(at(topic, 2)),
            at(topic, 3));

    assertThat(commit(topic, forGroupOf(topic).withPartsPerRecord(2), reports), equalTo(3L));
  }

  @Test
  public void partsThatVaryPerRecordAreCountedOnceTheirNumberIsKnown() {
    String topic = "varying.parts";
    KAFKA.createTopic(topic, 1);
    KAFKA.send(topic, 0, List.of("a", "b", "c", "d", "e", "f"));
    List<String> reports =
        List.of(
            CommitOffsets.expecting(at(topic, 0), 3),
            at(topic, 0),
            at(topic, 0),
            at(topic, 0),
            CommitOffsets.expecting(at(topic, 1), 0), // a redelivery: nothing to write
            // parts reported before their number: they wait for it
            at(topic, 2),
            at(topic, 2),
            CommitOffsets.expecting(at(topic, 2), 2),
            CommitOffsets.whole(at(topic, 3)),
            // two parts reported, their number never: the record is not handled
            at(topic, 4),
            at(topic, 4),
            CommitOffsets.whole(at(topic, 5)));

    assertThat(commit(topic, forGroupOf(topic).withPartsPerRecord(0), reports), equalTo(4L));
  }

  @Test
  public void onePartPerRecordIsTheDefault() {
    String topic = "one.part";
    KAFKA.createTopic(topic, 1);
    KAFKA.send(topic, 0, List.of("a", "b", "c"));
    List<String> reports = List.of(at(topic, 2), at(topic, 0), at(topic, 1), at(topic, 1));

    assertThat(commit(topic, forGroupOf(topic), reports), equalTo(3L));
  }
}
