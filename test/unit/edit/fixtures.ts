import { formatGrounding } from '../../../src/core/protocol/format-call';
import type { Trajectory } from '../../../src/core/trajectory/schema';

export const size = { width: 4000, height: 3000 };
export const author = { name: 'ann', at: '2025-01-02T03:04:05.000Z' };
export const later = { name: 'bob', at: '2025-01-03T00:00:00.000Z' };
export const ctx = { author, originalSize: size };

export const think = (s: string): string => `<think>${s}</think>\n`;
export const crop = (b: number[], src: string, why = 'zoom'): string => think(why) + formatGrounding(b, src);
export const answer = (a: string): string => think('found it') + `<answer>${a}</answer>`;

/** 0: crop of the original (obs 1); 1: crop of obs 1 (obs 2); 2: crop of the original (obs 3); 3: crop of obs 2 (obs 4); 4: answer. */
export function chain(extra: Partial<Trajectory> = {}): Trajectory {
  return {
    format: 'mini-o3-studio/trajectory@1',
    id: 'probe-1#0',
    task: { id: 'probe-1', question: '<image>\nWhat is on the sign?', images: ['img.jpg'], answer: 'K7Q2', image_size: { width: 4000, height: 3000 } },
    turns: [
      { text: crop([0.5, 0.5, 1.0, 1.0], 'original_image', 'bottom right'), tokens: { completion: 20 } },
      { text: crop([0.25, 0.25, 0.75, 0.75], 'observation_1', 'closer') },
      { text: crop([0.0, 0.0, 0.5, 0.5], 'original_image', 'top left too') },
      { text: crop([0.1, 0.1, 0.9, 0.9], 'observation_2', 'closer still') },
      { text: answer('K7Q2') },
    ],
    outcome: { answer: 'K7Q2', correct: true, status: 'answered' },
    custom_field: { kept: true },
    ...extra,
  } as Trajectory;
}
