import type { Page } from 'playwright-core';

/**
 * Frame timing inside a page, from requestAnimationFrame timestamps.
 * - interval: time between consecutive frames (what the eye sees; ~16.7 ms at 60 Hz, a dropped frame shows as ~33 ms);
 * - work: from a frame's start (the rAF timestamp, before input handlers and rAF callbacks) until a task posted
 *   from rAF runs, i.e. after that frame's style, layout and paint: the main thread's cost of the frame.
 * Scripts are page source strings: tsx would add helpers to a serialized function.
 */
const START_RECORDING = `(() => {
  const rec = { intervals: [], work: [], last: 0, running: true };
  window.__benchFrames = rec;
  const channel = new MessageChannel();
  let frameStart = 0;
  channel.port1.onmessage = () => rec.work.push(performance.now() - frameStart);
  const loop = (t) => {
    if (!rec.running) return;
    if (rec.last) rec.intervals.push(t - rec.last);
    rec.last = t;
    frameStart = t;
    channel.port2.postMessage(0);
    requestAnimationFrame(loop);
  };
  requestAnimationFrame(loop);
})()`;

const STOP_RECORDING = `(() => {
  const rec = window.__benchFrames;
  rec.running = false;
  return { intervals: rec.intervals, work: rec.work };
})()`;

export interface FrameStats {
  frames: number;
  interval_p50_ms: number;
  interval_p95_ms: number;
  interval_max_ms: number;
  work_p50_ms: number;
  work_p95_ms: number;
  work_max_ms: number;
  /** Intervals longer than 1.5 frames at 60 Hz (25 ms), in percent. */
  dropped_pct: number;
}

export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank]!;
}

export function frameStats(intervals: readonly number[], work: readonly number[]): FrameStats {
  return {
    frames: intervals.length,
    interval_p50_ms: percentile(intervals, 50),
    interval_p95_ms: percentile(intervals, 95),
    interval_max_ms: intervals.length ? Math.max(...intervals) : Number.NaN,
    work_p50_ms: percentile(work, 50),
    work_p95_ms: percentile(work, 95),
    work_max_ms: work.length ? Math.max(...work) : Number.NaN,
    dropped_pct: intervals.length ? (100 * intervals.filter((ms) => ms > 25).length) / intervals.length : Number.NaN,
  };
}

/** Records frames while `script` runs. */
export async function recordFrames(page: Page, script: () => Promise<void>): Promise<FrameStats> {
  await page.evaluate(START_RECORDING);
  try {
    await script();
  } finally {
    // Let the last input's frame finish.
    await page.waitForTimeout(100);
  }
  const { intervals, work } = (await page.evaluate(STOP_RECORDING)) as { intervals: number[]; work: number[] };
  return frameStats(intervals, work);
}

/**
 * The scripted gesture: wheel zoom in and out around the centre of `box`, then a drag pan,
 * with the pacing of a quick hand (an input every ~16 ms).
 */
export async function zoomAndPan(page: Page, box: { x: number; y: number; width: number; height: number }, steps = 20): Promise<void> {
  const cx = box.x + box.width / 2;
  const cy = box.y + box.height / 2;
  await page.mouse.move(cx, cy);
  for (let i = 0; i < steps; i++) {
    await page.mouse.wheel(0, -120);
    await page.waitForTimeout(16);
  }
  for (let i = 0; i < steps * 2; i++) {
    await page.mouse.wheel(0, 120);
    await page.waitForTimeout(16);
  }
  for (let i = 0; i < steps; i++) {
    await page.mouse.wheel(0, -120);
    await page.waitForTimeout(16);
  }
  await page.mouse.down();
  for (let i = 1; i <= steps * 2; i++) {
    await page.mouse.move(cx + i * 12, cy + i * 6);
    await page.waitForTimeout(16);
  }
  for (let i = steps * 2; i >= 0; i--) {
    await page.mouse.move(cx + i * 12 - 200, cy + i * 6 - 100);
    await page.waitForTimeout(16);
  }
  await page.mouse.up();
}
