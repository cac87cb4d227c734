import { createRgbImage, fillRect, lerpColor, shade, type Rgb, type RgbImage } from './canvas';
import { createRng, type Rng } from './random';
import { drawSign, type SynthSign } from './sign';

/**
 * The street-like backdrop the signs sit on: sky and ground gradients, rows of buildings with
 * window grids, a road with lane marks, clutter blocks and sparse pixel noise. Everything is
 * made of rectangles (native row fills), so rendering cost grows with the number of shapes,
 * not with the 12-20 million pixels.
 */
interface Palette {
  skyTop: Rgb;
  skyBottom: Rgb;
  groundTop: Rgb;
  groundBottom: Rgb;
  buildings: readonly Rgb[];
  windowLit: Rgb;
  windowDark: Rgb;
}

const PALETTES: readonly Palette[] = [
  {
    skyTop: [96, 146, 214], skyBottom: [196, 218, 236], groundTop: [128, 124, 116], groundBottom: [88, 86, 82],
    buildings: [[150, 138, 122], [120, 112, 104], [170, 160, 150], [104, 96, 92], [136, 120, 100]],
    windowLit: [214, 220, 206], windowDark: [60, 70, 84],
  },
  {
    skyTop: [70, 62, 112], skyBottom: [236, 160, 118], groundTop: [104, 92, 88], groundBottom: [62, 56, 56],
    buildings: [[92, 78, 84], [120, 96, 90], [76, 70, 80], [140, 112, 100], [100, 90, 100]],
    windowLit: [250, 214, 150], windowDark: [44, 40, 52],
  },
  {
    skyTop: [150, 156, 162], skyBottom: [206, 208, 210], groundTop: [110, 116, 108], groundBottom: [74, 80, 72],
    buildings: [[128, 130, 134], [98, 104, 110], [150, 146, 140], [116, 110, 100], [84, 88, 96]],
    windowLit: [190, 200, 204], windowDark: [56, 62, 70],
  },
];

const CLUTTER: readonly Rgb[] = [
  [48, 92, 52], [70, 110, 60], [150, 40, 40], [40, 60, 120], [200, 200, 196], [30, 30, 34], [120, 90, 60],
];

function verticalGradient(image: RgbImage, y0: number, y1: number, top: Rgb, bottom: Rgb): void {
  const span = Math.max(1, y1 - y0 - 1);
  for (let y = y0; y < y1; y++) fillRect(image, 0, y, image.width, y + 1, lerpColor(top, bottom, (y - y0) / span));
}

function drawBuilding(image: RgbImage, rng: Rng, palette: Palette, x0: number, x1: number, top: number, base: number, unit: number): void {
  const wall = shade(rng.pick(palette.buildings), rng.int(-12, 12));
  fillRect(image, x0, top, x1, base, wall);
  fillRect(image, x0, top, x1, top + Math.max(2, Math.round(unit * 6)), shade(wall, -30));
  const windowWidth = Math.max(2, Math.round(unit * rng.int(10, 22)));
  const windowHeight = Math.max(2, Math.round(unit * rng.int(14, 30)));
  const gapX = windowWidth + Math.max(2, Math.round(unit * rng.int(8, 20)));
  const gapY = windowHeight + Math.max(2, Math.round(unit * rng.int(10, 24)));
  const marginX = Math.max(2, Math.round(unit * 12));
  for (let y = top + Math.round(unit * 20); y + windowHeight < base - unit * 20; y += gapY) {
    for (let x = x0 + marginX; x + windowWidth < x1 - marginX; x += gapX) {
      fillRect(image, x, y, x + windowWidth, y + windowHeight, rng.chance(0.3) ? palette.windowLit : palette.windowDark);
    }
  }
}

function drawSkyline(image: RgbImage, rng: Rng, palette: Palette, horizon: number, unit: number, heightRange: [number, number], shadeBy: number): void {
  const shaded: Palette = { ...palette, buildings: palette.buildings.map((c) => shade(c, shadeBy)) };
  let x = -rng.int(0, Math.round(200 * unit));
  while (x < image.width) {
    const width = Math.max(8, Math.round(unit * rng.int(120, 460)));
    const height = Math.round(image.height * rng.float(heightRange[0], heightRange[1]));
    drawBuilding(image, rng, shaded, x, x + width, Math.max(0, horizon - height), horizon, unit);
    x += width + Math.round(unit * rng.int(0, 60));
  }
}

function drawClouds(image: RgbImage, rng: Rng, horizon: number, unit: number): void {
  const count = rng.int(2, 7);
  for (let i = 0; i < count; i++) {
    const width = Math.max(12, Math.round(unit * rng.int(300, 900)));
    const height = Math.max(4, Math.round(unit * rng.int(40, 110)));
    const x = rng.int(-width / 2 | 0, image.width);
    const y = rng.int(0, Math.max(0, Math.round(horizon * 0.5)));
    const colour: Rgb = shade([236, 238, 242], rng.int(-16, 8));
    // Three stacked slabs, narrower at the top, read as a cloud at a glance.
    fillRect(image, x, y + height, x + width, y + 2 * height, colour);
    fillRect(image, x + width / 6, y + height / 2, x + (width * 5) / 6, y + height, colour);
    fillRect(image, x + width / 3, y, x + (width * 2) / 3, y + height / 2, colour);
  }
}

function drawRoad(image: RgbImage, rng: Rng, horizon: number, unit: number): void {
  const top = horizon + Math.round((image.height - horizon) * rng.float(0.25, 0.45));
  const bottom = Math.min(image.height, top + Math.round((image.height - horizon) * rng.float(0.25, 0.4)));
  fillRect(image, 0, top, image.width, bottom, [64, 64, 68]);
  const markY = Math.round((top + bottom) / 2);
  const markLength = Math.max(4, Math.round(unit * 90));
  const markHeight = Math.max(2, Math.round(unit * 8));
  for (let x = rng.int(0, markLength); x < image.width; x += markLength * 2) {
    fillRect(image, x, markY, x + markLength, markY + markHeight, [226, 222, 200]);
  }
}

function drawClutter(image: RgbImage, rng: Rng, horizon: number, unit: number): void {
  const count = Math.round((image.width * image.height) / 60_000);
  for (let i = 0; i < count; i++) {
    const width = Math.max(3, Math.round(unit * rng.int(20, 160)));
    const height = Math.max(3, Math.round(unit * rng.int(20, 120)));
    const x = rng.int(0, image.width - 1);
    const y = rng.int(Math.max(0, horizon - Math.round(image.height * 0.1)), image.height - 1);
    fillRect(image, x, y, x + width, y + height, shade(rng.pick(CLUTTER), rng.int(-20, 20)));
  }
}

/** Brightens or darkens about one pixel in 150: texture for the encoder, cheap to make. */
function sprinkleNoise(image: RgbImage, rng: Rng): void {
  const count = Math.round((image.width * image.height) / 150);
  const data = image.data;
  const pixels = image.width * image.height;
  for (let i = 0; i < count; i++) {
    const offset = Math.floor(rng.next() * pixels) * 3;
    const delta = rng.int(-28, 28);
    for (let channel = 0; channel < 3; channel++) {
      const value = (data[offset + channel] ?? 0) + delta;
      data[offset + channel] = value < 0 ? 0 : value > 255 ? 255 : value;
    }
  }
}

export interface SceneSpec {
  width: number;
  height: number;
  /** Row where the ground starts; buildings stand on it. */
  horizon: number;
  /** Seeds the backdrop alone, so the layout of signs and the backdrop vary independently. */
  backgroundSeed: number;
  signs: readonly SynthSign[];
}

export function renderScene(spec: SceneSpec): RgbImage {
  const rng = createRng(spec.backgroundSeed);
  const palette = rng.pick(PALETTES);
  const image = createRgbImage(spec.width, spec.height, palette.skyTop);
  // Shapes are sized for a 4000-px-wide scene and shrink with smaller ones.
  const unit = Math.max(0.1, spec.width / 4000);
  const horizon = Math.max(1, Math.min(spec.height - 1, Math.round(spec.horizon)));
  verticalGradient(image, 0, horizon, palette.skyTop, palette.skyBottom);
  verticalGradient(image, horizon, spec.height, palette.groundTop, palette.groundBottom);
  drawClouds(image, rng, horizon, unit);
  drawSkyline(image, rng, palette, horizon, unit, [0.2, 0.4], 18);
  drawSkyline(image, rng, palette, horizon, unit, [0.08, 0.28], -8);
  drawRoad(image, rng, horizon, unit);
  drawClutter(image, rng, horizon, unit);
  sprinkleNoise(image, rng);
  for (const sign of spec.signs) drawSign(image, sign);
  return image;
}
