package io.starflow.schemas;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.greaterThan;
import static org.hamcrest.Matchers.lessThan;
import static org.junit.Assert.assertThrows;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Random;
import org.apache.beam.sdk.testing.CoderProperties;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.junit.runners.JUnit4;

@RunWith(JUnit4.class)
public class SourcePositionTest {

  @Test
  public void comparesComponentByComponent() {
    assertThat(SourcePosition.of(1, 9).compareTo(SourcePosition.of(2, 0)), lessThan(0));
    assertThat(SourcePosition.of(2, 1).compareTo(SourcePosition.of(2, 0)), greaterThan(0));
    assertThat(SourcePosition.of(5).compareTo(SourcePosition.of(5, 0)), lessThan(0));
    assertThat(SourcePosition.of(3, 3).compareTo(SourcePosition.of(3, 3)), equalTo(0));
  }

  @Test
  public void encodedTextSortsLikePositions() {
    Random random = new Random(42);
    List<SourcePosition> positions = new ArrayList<>();
    for (int i = 0; i < 2_000; i++) {
      int size = 1 + random.nextInt(3);
      long[] parts = new long[size];
      for (int j = 0; j < size; j++) {
        // Mix tiny and huge values so digit counts differ.
        parts[j] = random.nextBoolean() ? random.nextInt(20) : random.nextLong() & Long.MAX_VALUE;
      }
      positions.add(SourcePosition.of(parts));
    }
    List<SourcePosition> byPosition = new ArrayList<>(positions);
    byPosition.sort(Comparator.naturalOrder());
    List<SourcePosition> byText = new ArrayList<>(positions);
    byText.sort(Comparator.comparing(SourcePosition::encoded));
    assertThat(byText, equalTo(byPosition));
  }

  @Test
  public void encodingUsesDigitsOnlyAndParsesBack() {
    SourcePosition position = SourcePosition.of(0, Long.MAX_VALUE, 17);
    String encoded = position.encoded();
    assertThat(encoded.matches("[0-9]{60}"), equalTo(true));
    assertThat(SourcePosition.parse(encoded), equalTo(position));
  }

  @Test
  public void rejectsNegativeAndEmptyPositions() {
    assertThrows(IllegalArgumentException.class, () -> SourcePosition.of(-1));
    assertThrows(IllegalArgumentException.class, () -> SourcePosition.of());
    assertThrows(IllegalArgumentException.class, () -> SourcePosition.parse("123"));
  }

  @Test
  public void coderRoundTripsDeterministically() throws Exception {
    CoderProperties.coderDecodeEncodeEqual(SourcePositionCoder.of(), SourcePosition.of(7, 0, 3));
    CoderProperties.coderDeterministic(
        SourcePositionCoder.of(), SourcePosition.of(1, 2), SourcePosition.of(1, 2));
  }
}
