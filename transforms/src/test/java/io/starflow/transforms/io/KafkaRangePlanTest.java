package io.starflow.transforms.io;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.equalTo;

import java.util.List;
import java.util.Map;
import org.apache.kafka.common.TopicPartition;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.junit.runners.JUnit4;

/** Where a bounded read of a count stops in each partition. */
@RunWith(JUnit4.class)
public class KafkaRangePlanTest {
  private static final TopicPartition A = new TopicPartition("t", 0);
  private static final TopicPartition B = new TopicPartition("t", 1);
  private static final TopicPartition C = new TopicPartition("t", 2);
  private static final List<TopicPartition> ALL = List.of(A, B, C);

  @Test
  public void aCountIsSharedEvenlyAndAShortPartitionLeavesItsShareToTheOthers() {
    Map<TopicPartition, Long> stops =
        KafkaRanges.firstRecords(
            ALL, Map.of(A, 10L, B, 0L, C, 100L), Map.of(A, 15L, B, 1_000L, C, 1_000L), 121);
    assertThat(stops.get(A), equalTo(15L)); // all 5 it has
    assertThat(stops.get(B) - 0 + stops.get(C) - 100 + 5, equalTo(121L));
    assertThat(Math.abs((stops.get(B) - 0) - (stops.get(C) - 100)) <= 1, equalTo(true));
  }

  @Test
  public void aCountBeyondWhatThereIsReadsEverything() {
    Map<TopicPartition, Long> stops =
        KafkaRanges.firstRecords(
            ALL, Map.of(A, 0L, B, 7L, C, 3L), Map.of(A, 4L, B, 7L, C, 9L), 1_000);
    assertThat(stops, equalTo(Map.of(A, 4L, B, 7L, C, 9L)));
  }

  @Test
  public void aCountSmallerThanThePartitionsStillReadsExactlyThatMany() {
    Map<TopicPartition, Long> stops =
        KafkaRanges.firstRecords(
            ALL, Map.of(A, 0L, B, 0L, C, 0L), Map.of(A, 50L, B, 50L, C, 50L), 2);
    assertThat(stops.get(A) + stops.get(B) + stops.get(C), equalTo(2L));
  }
}
