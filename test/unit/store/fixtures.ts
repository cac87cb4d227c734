import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export function tempDir(prefix = 'store-test-'): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

/** A small valid trajectory with fields the schema does not know (`zz_extra`, `task.zz_note`). */
export function sampleTrajectory(n: number): Record<string, unknown> {
  return {
    format: 'mini-o3-studio/trajectory@1',
    id: `traj-${n}`,
    task: { id: `task-${n}`, question: '<image>\nWhat colour is the sign?', images: ['img/a.jpg'], zz_note: 'keep me' },
    turns: [
      {
        text: '<think>Look top left.</think>\n<grounding>{"bbox_2d": [0.1, 0.2, 0.4, 0.5], "source": "original_image"}</grounding>',
      },
      { text: '<think>It is red.</think>\n<answer>red</answer>' },
    ],
    zz_extra: { nested: [1, 2, 3] },
  };
}

export function line(n: number): string {
  return JSON.stringify(sampleTrajectory(n));
}

export function writeFile(dir: string, name: string, content: string | Buffer): string {
  const file = path.join(dir, name);
  fs.writeFileSync(file, content);
  return file;
}
