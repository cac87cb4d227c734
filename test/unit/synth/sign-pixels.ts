import { GLYPH_SPACING, GLYPH_WIDTH, glyphCells } from '../../../src/core/synth/bitmap-font';
import { SIGN_COLOURS, textColourFor } from '../../../src/core/synth/sign-content';
import type { SynthSign } from '../../../src/core/synth/sign';
import type { Rgb } from '../../../src/core/synth/canvas';

export interface DecodedRgb {
  width: number;
  height: number;
  data: Uint8Array | Buffer;
}

function pixel(image: DecodedRgb, x: number, y: number): [number, number, number] {
  const offset = (y * image.width + x) * 3;
  return [image.data[offset] ?? -1, image.data[offset + 1] ?? -1, image.data[offset + 2] ?? -1];
}

/**
 * Walks every pixel of the sign board and returns the pixels whose colour is not what the
 * sign's fill, border and glyph cells say it must be (exact match: for lossless images).
 */
export function signPixelMismatches(image: DecodedRgb, sign: SynthSign): string[] {
  const [x0, y0, x1, y1] = sign.box;
  const fill = SIGN_COLOURS[sign.fill];
  const border = SIGN_COLOURS[sign.border];
  const ink = textColourFor(sign.fill);
  const characters = [...sign.text];
  const mismatches: string[] = [];
  for (let y = y0; y < y1; y++) {
    for (let x = x0; x < x1; x++) {
      const inBorder = x < x0 + sign.borderWidth || x >= x1 - sign.borderWidth || y < y0 + sign.borderWidth || y >= y1 - sign.borderWidth;
      let expected: Rgb = inBorder ? border : fill;
      if (!inBorder) {
        const column = Math.floor((x - sign.textOrigin[0]) / sign.scale);
        const row = Math.floor((y - sign.textOrigin[1]) / sign.scale);
        const character = column >= 0 ? characters[Math.floor(column / (GLYPH_WIDTH + GLYPH_SPACING))] : undefined;
        const cellX = column % (GLYPH_WIDTH + GLYPH_SPACING);
        if (character !== undefined && row >= 0 && cellX < GLYPH_WIDTH && glyphCells(character)[row]?.[cellX] === true) {
          expected = ink;
        }
      }
      const actual = pixel(image, x, y);
      if (actual[0] !== expected[0] || actual[1] !== expected[1] || actual[2] !== expected[2]) {
        mismatches.push(`(${x},${y}) is ${actual.join(',')}, expected ${expected.join(',')}`);
      }
    }
  }
  return mismatches;
}

/** Number of glyph cells that are ink in the sign's text. */
export function inkCellCount(text: string): number {
  return [...text].reduce((sum, character) => sum + glyphCells(character).flat().filter(Boolean).length, 0);
}
