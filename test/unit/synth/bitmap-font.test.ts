import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRgbImage, pixelAt } from '../../../src/core/synth/canvas';
import {
  drawText,
  FONT_CHARACTERS,
  GLYPH_HEIGHT,
  GLYPH_SPACING,
  GLYPH_WIDTH,
  glyphCells,
  isDrawableText,
  textWidth,
} from '../../../src/core/synth/bitmap-font';

test('every glyph is 5x7, and no two characters share a glyph', () => {
  for (const character of 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 -./#:+!&') {
    assert.ok(FONT_CHARACTERS.includes(character), `missing ${character}`);
  }
  const seen = new Map<string, string>();
  for (const character of FONT_CHARACTERS) {
    const cells = glyphCells(character);
    assert.equal(cells.length, GLYPH_HEIGHT, character);
    for (const row of cells) assert.equal(row.length, GLYPH_WIDTH, character);
    const key = cells.map((row) => row.map((on) => (on ? '#' : '.')).join('')).join('|');
    assert.equal(seen.get(key), undefined, `${character} looks like ${seen.get(key)}`);
    seen.set(key, character);
    if (character !== ' ') assert.ok(cells.some((row) => row.some(Boolean)), `${character} is blank`);
  }
});

test('glyph shapes are the letters they claim to be (spot checks)', () => {
  const rows = (c: string): string[] => glyphCells(c).map((row) => row.map((on) => (on ? '#' : '.')).join(''));
  assert.deepEqual(rows('T'), ['#####', '..#..', '..#..', '..#..', '..#..', '..#..', '..#..']);
  assert.deepEqual(rows('L'), ['#....', '#....', '#....', '#....', '#....', '#....', '#####']);
  assert.deepEqual(rows('-'), ['.....', '.....', '.....', '#####', '.....', '.....', '.....']);
  assert.notDeepEqual(rows('0'), rows('O'));
  assert.notDeepEqual(rows('1'), rows('I'));
});

test('drawText paints exactly the glyph cells, scaled, and nothing else', () => {
  const scale = 3;
  const text = 'K7-Q';
  const width = textWidth(text, scale) + 10;
  const height = GLYPH_HEIGHT * scale + 10;
  const image = createRgbImage(width, height, [0, 0, 0]);
  drawText(image, text, 5, 5, scale, [255, 255, 255]);
  let expectedInk = 0;
  let foundInk = 0;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const inText = x >= 5 && y >= 5 && y < 5 + GLYPH_HEIGHT * scale;
      const column = Math.floor((x - 5) / scale);
      const glyphIndex = Math.floor(column / (GLYPH_WIDTH + GLYPH_SPACING));
      const cellX = column % (GLYPH_WIDTH + GLYPH_SPACING);
      const cellY = Math.floor((y - 5) / scale);
      const character = [...text][glyphIndex];
      const on = inText && character !== undefined && cellX < GLYPH_WIDTH && glyphCells(character)[cellY]?.[cellX] === true;
      const ink = pixelAt(image, x, y)[0] === 255;
      if (on) expectedInk++;
      if (ink) foundInk++;
      assert.equal(ink, on, `pixel (${x},${y})`);
    }
  }
  assert.ok(expectedInk > 100);
  assert.equal(foundInk, expectedInk);
});

test('widths, unsupported characters and bad scales', () => {
  assert.equal(textWidth('', 2), 0);
  assert.equal(textWidth('A', 2), 10);
  assert.equal(textWidth('AB', 2), 22);
  assert.equal(isDrawableText('EXIT 4B'), true);
  assert.equal(isDrawableText('exit'), false);
  assert.throws(() => glyphCells('a'), /no glyph for "a"/);
  const image = createRgbImage(20, 20, [0, 0, 0]);
  assert.throws(() => drawText(image, 'A', 0, 0, 1.5, [1, 1, 1]), /positive integer/);
});

test('drawing is clipped at the image edge instead of wrapping into the next row', () => {
  const image = createRgbImage(8, 10, [0, 0, 0]);
  drawText(image, 'H', 5, 0, 1, [255, 255, 255]);
  // 'H' has ink in its last column (x = 9), which is off the 8-px image: nothing may wrap to x = 0.
  for (let y = 0; y < 10; y++) assert.deepEqual(pixelAt(image, 0, y), [0, 0, 0]);
  assert.deepEqual(pixelAt(image, 5, 0), [255, 255, 255]);
});
