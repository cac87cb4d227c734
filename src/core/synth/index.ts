export { createRng, hashSeed, type Rng } from './random';
export { createRgbImage, fillRect, strokeRect, pixelAt, type Rgb, type RgbImage } from './canvas';
export { GLYPH_WIDTH, GLYPH_HEIGHT, GLYPH_SPACING, FONT_CHARACTERS, glyphCells, drawText, textWidth, textHeight, isDrawableText } from './bitmap-font';
export { SIGN_COLOURS, SIGN_COLOUR_NAMES, textColourFor, type SignColourName, type SignStyle } from './sign-content';
export { measureSign, signFootprint, boxesOverlap, drawSign, type SynthSign } from './sign';
export { renderScene, type SceneSpec } from './scene';
export {
  planTask,
  generateTask,
  resolveTaskOptions,
  synthDocId,
  DEFAULT_SYNTH_TASK_OPTIONS,
  SYNTH_DATA_SOURCE,
  MIN_SYNTH_WIDTH,
  MIN_SYNTH_HEIGHT,
  TARGET_MAX_WIDTH,
  type SynthTask,
  type SynthTaskOptions,
  type GeneratedSynthTask,
  type IntRange,
} from './tasks';
export {
  writeSynthDataset,
  encodeRgbImage,
  toVisualProbeRow,
  type SynthDataset,
  type SynthDatasetOptions,
  type SynthImageFormat,
  type VisualProbeRow,
  type WrittenSynthTask,
} from './dataset';
export {
  demonstrate,
  demonstrateTask,
  demoTaskFromSynth,
  demoTasksFromDataset,
  DEMO_KINDS,
  DEMONSTRATOR_MODEL,
  DEFAULT_DEMO_MIX,
  type DemoKind,
  type DemoTask,
} from './demonstrator';
export { generateSampleWorkspace, DEMOS_FILE, type SampleWorkspace, type SampleWorkspaceOptions } from './sample-workspace';
