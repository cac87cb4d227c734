// Figures only (no pass/fail): cost of the per-turn image work on a ~4000x3000 original.
import { cropDecoded } from '../src/core/imaging/crop';
import type { DecodedImage } from '../src/core/imaging/decoded-image';
import { minio3ResizeForModel, minio3ResizeInitial } from '../src/core/imaging/minio3-resize';
import { QWEN25_VL_PREPROCESSOR_BOUNDS, preprocessForQwen } from '../src/core/imaging/preprocess';
import type { Box4 } from '../src/core/trajectory/schema';

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
}

function timeIt(iterations: number, fn: (i: number) => void): { p50: number; p95: number } {
  const samples: number[] = [];
  for (let i = 0; i < iterations; i++) {
    const start = performance.now();
    fn(i);
    samples.push(performance.now() - start);
  }
  samples.sort((a, b) => a - b);
  return { p50: percentile(samples, 50), p95: percentile(samples, 95) };
}

function syntheticOriginal(width: number, height: number): DecodedImage {
  const data = Buffer.alloc(width * height * 3);
  let state = 1;
  for (let i = 0; i < data.length; i++) {
    state = (Math.imul(state, 1103515245) + 12345) >>> 0;
    data[i] = (state >>> 24) & 0xff;
  }
  return { width, height, channels: 3, data };
}

/** Crop boxes like a visual search produces: from a quarter of the image down to small details. */
function cropBoxes(width: number, height: number, count: number): Box4[] {
  const boxes: Box4[] = [];
  for (let i = 0; i < count; i++) {
    const fraction = [0.5, 0.25, 0.1, 0.03][i % 4]!;
    const w = Math.max(1, Math.round(width * fraction));
    const h = Math.max(1, Math.round(height * fraction));
    const x0 = Math.floor(((i * 0.37) % 1) * (width - w));
    const y0 = Math.floor(((i * 0.61) % 1) * (height - h));
    boxes.push([x0, y0, x0 + w, y0 + h]);
  }
  return boxes;
}

export async function run(): Promise<Record<string, number>> {
  const original = syntheticOriginal(4000, 3000);
  const boxes = cropBoxes(original.width, original.height, 40);
  const cropResize = timeIt(boxes.length, (i) => {
    minio3ResizeForModel(cropDecoded(original, boxes[i]!));
  });
  const initial = timeIt(3, () => {
    minio3ResizeInitial(original);
  });
  const observation = minio3ResizeForModel(cropDecoded(original, [0, 0, 2000, 1500]));
  const preprocess = timeIt(5, () => {
    preprocessForQwen(observation, QWEN25_VL_PREPROCESSOR_BOUNDS);
  });
  return {
    crop_model_resize_p50_ms: cropResize.p50,
    crop_model_resize_p95_ms: cropResize.p95,
    initial_lanczos_4000x3000_p50_ms: initial.p50,
    preprocess_qwen_2000x1500_p50_ms: preprocess.p50,
    preprocess_qwen_2000x1500_p95_ms: preprocess.p95,
  };
}
