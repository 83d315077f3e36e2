package io.starflow.transforms.compact;

import static io.starflow.transforms.testing.Records.UNAVAILABLE;
import static io.starflow.transforms.testing.Records.delete;
import static io.starflow.transforms.testing.Records.upsert;

import io.starflow.schemas.ChangeRecord;
import io.starflow.schemas.ChangeRecordCoder;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import org.apache.beam.sdk.testing.PAssert;
import org.apache.beam.sdk.testing.TestPipeline;
import org.apache.beam.sdk.transforms.Create;
import org.apache.beam.sdk.values.PCollection;
import org.junit.Rule;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.junit.runners.Parameterized;
import org.junit.runners.Parameterized.Parameter;
import org.junit.runners.Parameterized.Parameters;

/** Runs every case with per-row compaction and with compaction in shards. */
@RunWith(Parameterized.class)
public class CompactByKeyTest {
  @Rule public final transient TestPipeline p = TestPipeline.create();

  @Parameters(name = "shards={0}")
  public static List<Object[]> shards() {
    return List.of(new Object[] {0}, new Object[] {3});
  }

  @Parameter public int shards;

  private PCollection<ChangeRecord> compact(List<ChangeRecord> input) {
    return p.apply(Create.of(input).withCoder(ChangeRecordCoder.of()))
        .apply(Compaction.latestByPosition().withShards(shards));
  }

  @Test
  public void shuffledAndDuplicatedHistoryKeepsTheLatestPerKey() {
    List<ChangeRecord> input = new ArrayList<>();
    for (int key = 1; key <= 20; key++) {
      for (int version = 1; version <= 5; version++) {
        input.add(upsert("customers", key, version * 10L, "name", "v" + version));
      }
    }
    input.addAll(input.subList(0, 30)); // redeliveries
    Collections.shuffle(input, new Random(3));
    List<ChangeRecord> expected = new ArrayList<>();
    for (int key = 1; key <= 20; key++) {
      expected.add(upsert("customers", key, 50, "name", "v5"));
    }
    PAssert.that(compact(input)).containsInAnyOrder(expected);
    p.run();
  }

  @Test
  public void winningDeleteStaysADelete() {
    PAssert.that(
            compact(
                List.of(
                    delete("t", 1, 20),
                    upsert("t", 1, 10, "name", "a"),
                    upsert("t", 1, 15, "name", "b"),
                    delete("t", 1, 20))))
        .containsInAnyOrder(delete("t", 1, 20));
    p.run();
  }

  @Test
  public void lateOlderUpdateDoesNotWin() {
    PAssert.that(
            compact(List.of(upsert("t", 1, 30, "name", "new"), upsert("t", 1, 5, "name", "old"))))
        .containsInAnyOrder(upsert("t", 1, 30, "name", "new"));
    p.run();
  }

  @Test
  public void sameKeyInTwoTablesIsTwoRows() {
    PAssert.that(compact(List.of(upsert("a", 1, 1), upsert("b", 1, 1))))
        .containsInAnyOrder(upsert("a", 1, 1), upsert("b", 1, 1));
    p.run();
  }

  @Test
  public void unchangedToastValueIsFilledFromTheWindow() {
    PAssert.that(
            compact(
                List.of(
                    upsert("t", 1, 2, "name", "x", "bio", UNAVAILABLE),
                    upsert("t", 1, 1, "name", "w", "bio", "long text"))))
        .containsInAnyOrder(upsert("t", 1, 2, "name", "x", "bio", "long text"));
    p.run();
  }
}
