import type { Box4, Trajectory } from '../trajectory/schema';
import { boxContains, pyInt, sourceName, type Size } from '../geometry/boxes';
import { formatGrounding } from '../protocol/format-call';
import { replayTrajectory, type ObservationInfo, type TrajectoryReplay, type TurnAction } from '../protocol/replay';

/**
 * Accumulates a scripted trajectory turn by turn. Crops are asked for as rectangles in
 * original-image pixels; the builder replays the turns so far to learn the observation
 * chain, writes the call relative to the chosen source, and at the end replays the whole
 * trajectory to check that every turn did what the script meant it to do.
 */

const STEPS_PER_UNIT = 1000; // formatGrounding writes 3 decimals

interface PlannedTurn {
  text: string;
  expect: TurnAction;
  /** For crops: the original-pixel rectangle the crop must cover. */
  covers?: Box4;
}

/**
 * The relative box (multiples of 0.001, exactly what formatGrounding writes) whose pixel box,
 * after Mini-o3's int() and clamp to w-1/h-1, covers `rect` (pixels of the source, x1/y1
 * exclusive, clipped to what a crop can reach).
 */
export function relativeBoxCovering(rect: Box4, size: Size): Box4 {
  const [x0, x1] = coverAxis(rect[0], rect[2], size.width);
  const [y0, y1] = coverAxis(rect[1], rect[3], size.height);
  return [x0, y0, x1, y1];
}

function coverAxis(lo: number, hi: number, extent: number): [number, number] {
  const low = Math.max(0, Math.min(lo, extent - 2));
  const high = Math.max(low + 1, Math.min(hi, extent - 1));
  let kLow = Math.floor((low * STEPS_PER_UNIT) / extent);
  while (kLow > 0 && pyInt((kLow / STEPS_PER_UNIT) * extent) > low) kLow--;
  let kHigh = Math.ceil((high * STEPS_PER_UNIT) / extent);
  while (kHigh < STEPS_PER_UNIT && Math.min(pyInt((kHigh / STEPS_PER_UNIT) * extent), extent - 1) < high) kHigh++;
  return [kLow / STEPS_PER_UNIT, kHigh / STEPS_PER_UNIT];
}

export class DemoBuilder {
  private readonly planned: PlannedTurn[] = [];

  constructor(
    private readonly base: Trajectory,
    private readonly originalSize: Size,
  ) {}

  get turnCount(): number {
    return this.planned.length;
  }

  replay(): TrajectoryReplay {
    return replayTrajectory(this.trajectoryText(), { originalSize: this.originalSize });
  }

  /** Observation `index` (0 = original) as the turns so far produce it. */
  observation(index: number): ObservationInfo {
    const found = this.replay().observations[index];
    if (!found) throw new Error(`demonstrator: ${this.base.task.id}: observation_${index} does not exist after ${this.planned.length} turns`);
    return found;
  }

  /** The relative box, in source `sourceIndex`'s frame, that covers `rectInOriginal`. */
  relativeFor(rectInOriginal: Box4, sourceIndex: number): Box4 {
    const source = this.observation(sourceIndex);
    const [ox, oy] = source.rectInOriginal;
    const local: Box4 = [rectInOriginal[0] - ox, rectInOriginal[1] - oy, rectInOriginal[2] - ox, rectInOriginal[3] - oy];
    if (local[2] <= 0 || local[3] <= 0 || local[0] >= source.size.width || local[1] >= source.size.height) {
      throw new Error(`demonstrator: ${this.base.task.id}: [${rectInOriginal.join(', ')}] lies outside ${sourceName(sourceIndex)}`);
    }
    return relativeBoxCovering(local, source.size);
  }

  /** A crop of `rectInOriginal` taken from source `sourceIndex`; `expect` 'over_turn' for a call the limits refuse. */
  crop(think: string, rectInOriginal: Box4, sourceIndex: number, expect: 'crop' | 'over_turn' = 'crop'): void {
    const bbox = this.relativeFor(rectInOriginal, sourceIndex);
    const covers = clipToSource(rectInOriginal, this.observation(sourceIndex));
    this.planned.push({ text: `<think>${think}</think>\n${formatGrounding(bbox, sourceName(sourceIndex))}`, expect, covers });
  }

  /** A call written as given (malformed ones included). */
  call(think: string, bbox: readonly number[], source: string, expect: TurnAction): void {
    this.planned.push({ text: `<think>${think}</think>\n${formatGrounding(bbox, source)}`, expect });
  }

  answer(think: string, answer: string): void {
    this.planned.push({ text: `<think>${think}</think>\n<answer>${answer}</answer>`, expect: 'answer' });
  }

  /** A final turn written verbatim. */
  final(text: string, expect: TurnAction): void {
    this.planned.push({ text, expect });
  }

  texts(): string[] {
    return this.planned.map((p) => p.text);
  }

  /** Replays the finished script and throws if any turn's action or crop differs from the plan. */
  verify(): TrajectoryReplay {
    const replay = this.replay();
    const id = this.base.task.id;
    const actual = replay.turns.map((t) => t.action);
    const expected = this.planned.map((p) => p.expect);
    if (actual.join(',') !== expected.join(',')) {
      throw new Error(`demonstrator: ${id}: the replay gives actions [${actual.join(', ')}], the script meant [${expected.join(', ')}]`);
    }
    this.planned.forEach((p, i) => {
      const box = replay.turns[i]?.boxInOriginal;
      if (p.expect === 'crop' && p.covers && !(box && boxContains(box, p.covers))) {
        throw new Error(`demonstrator: ${id}: turn ${i} crops [${box?.join(', ')}], which misses [${p.covers.join(', ')}]`);
      }
    });
    return replay;
  }

  private trajectoryText(): Trajectory {
    return { ...this.base, turns: this.planned.map((p) => ({ text: p.text })) };
  }
}

/** The part of a rectangle a crop of this source can reach (Mini-o3 clamps x1/y1 to w-1/h-1). */
function clipToSource(rect: Box4, source: ObservationInfo): Box4 {
  const [ox, oy] = source.rectInOriginal;
  return [
    Math.max(rect[0], ox),
    Math.max(rect[1], oy),
    Math.min(rect[2], ox + source.size.width - 1),
    Math.min(rect[3], oy + source.size.height - 1),
  ];
}
