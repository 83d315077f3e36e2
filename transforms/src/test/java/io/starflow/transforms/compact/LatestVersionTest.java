package io.starflow.transforms.compact;

import static io.starflow.transforms.testing.Records.UNAVAILABLE;
import static io.starflow.transforms.testing.Records.delete;
import static io.starflow.transforms.testing.Records.upsert;
import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.equalTo;

import io.starflow.schemas.ChangeRecord;
import io.starflow.schemas.Column;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import org.apache.beam.sdk.util.CoderUtils;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.junit.runners.JUnit4;

@RunWith(JUnit4.class)
public class LatestVersionTest {

  /** The latest version, with unavailable columns filled by walking back through older ones. */
  static ChangeRecord oracle(List<ChangeRecord> history) {
    List<ChangeRecord> sorted = new ArrayList<>(history);
    sorted.sort(RecordOrder.INSTANCE);
    ChangeRecord latest = sorted.get(sorted.size() - 1);
    if (latest.op() == ChangeRecord.Op.DELETE || !latest.hasUnavailableColumns()) {
      return latest;
    }
    List<Column> columns = new ArrayList<>();
    for (Column column : latest.columns()) {
      Column filled = column;
      if (column.isUnavailable()) {
        for (int i = sorted.size() - 2; i >= 0; i--) {
          ChangeRecord older = sorted.get(i);
          if (older.position().equals(latest.position())) {
            continue; // a redelivery of the latest itself
          }
          if (older.op() == ChangeRecord.Op.DELETE) {
            break;
          }
          Column previous = older.column(column.name());
          if (previous == null) {
            filled = column.withValueOf(Column.of(column.name(), null, null));
            break;
          }
          if (!previous.isUnavailable()) {
            filled = column.withValueOf(previous);
            break;
          }
        }
      }
      columns.add(filled);
    }
    return latest.toBuilder().setColumns(columns).build();
  }

  private static List<ChangeRecord> randomHistory(Random random) {
    List<ChangeRecord> history = new ArrayList<>();
    int versions = 1 + random.nextInt(8);
    List<Integer> positions = new ArrayList<>();
    for (int p = 1; p <= 20; p++) {
      positions.add(p);
    }
    Collections.shuffle(positions, random);
    for (int v = 0; v < versions; v++) {
      long position = positions.get(v);
      if (random.nextInt(4) == 0) {
        history.add(delete("t", 1, position));
        continue;
      }
      List<Object> columns = new ArrayList<>();
      for (String name : List.of("a", "b")) {
        int pick = random.nextInt(10);
        if (pick < 3) {
          columns.add(name);
          columns.add(UNAVAILABLE);
        } else if (pick < 9) {
          columns.add(name);
          columns.add(name + position);
        } // else: the version lacks the column
      }
      history.add(upsert("t", 1, position, columns.toArray()));
    }
    int redeliveries = random.nextInt(4);
    for (int i = 0; i < redeliveries; i++) {
      history.add(history.get(random.nextInt(history.size())));
    }
    return history;
  }

  @Test
  public void mergingInAnyOrderGivesTheOracleAnswer() throws Exception {
    Random random = new Random(7);
    for (int trial = 0; trial < 2_000; trial++) {
      List<ChangeRecord> history = randomHistory(random);
      ChangeRecord expected = oracle(history);
      for (int order = 0; order < 5; order++) {
        List<LatestVersion> parts = new ArrayList<>();
        for (ChangeRecord record : history) {
          parts.add(LatestVersion.of(record));
        }
        Collections.shuffle(parts, random);
        while (parts.size() > 1) {
          int i = random.nextInt(parts.size() - 1);
          LatestVersion merged = parts.get(i).merge(parts.get(i + 1));
          // Round-trip through the coder, as a runner does between merges.
          merged =
              CoderUtils.decodeFromByteArray(
                  LatestVersionCoder.of(),
                  CoderUtils.encodeToByteArray(LatestVersionCoder.of(), merged));
          parts.set(i, merged);
          parts.remove(i + 1);
        }
        assertThat("history " + history, parts.get(0).result(), equalTo(expected));
      }
    }
  }

  @Test
  public void unavailableColumnTakesTheNewestOlderValue() {
    ChangeRecord result =
        LatestVersion.of(upsert("t", 1, 3, "bio", UNAVAILABLE))
            .merge(LatestVersion.of(upsert("t", 1, 1, "bio", "first")))
            .merge(LatestVersion.of(upsert("t", 1, 2, "bio", "second")))
            .result();
    assertThat(result.column("bio").value(), equalTo("second"));
    assertThat(result.position(), equalTo(upsert("t", 1, 3).position()));
  }

  @Test
  public void deleteBetweenStopsTheFill() {
    ChangeRecord result =
        LatestVersion.of(upsert("t", 1, 1, "bio", "old"))
            .merge(LatestVersion.of(delete("t", 1, 2)))
            .merge(LatestVersion.of(upsert("t", 1, 3, "bio", UNAVAILABLE)))
            .result();
    assertThat(result.column("bio").isUnavailable(), equalTo(true));
  }
}
