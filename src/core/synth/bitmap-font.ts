import { fillRect, type Rgb, type RgbImage } from './canvas';

/**
 * A 5x7 pixel font for sign text, embedded so that rendered text is identical on every
 * machine (no system fonts). Each glyph is seven rows of five cells, '#' = ink.
 * Digits 0 and 1 carry a slash / flag so they cannot be mistaken for O and I.
 */
export const GLYPH_WIDTH = 5;
export const GLYPH_HEIGHT = 7;
/** Empty columns between two glyphs, in font cells. */
export const GLYPH_SPACING = 1;

const GLYPH_ROWS: Readonly<Record<string, string>> = {
  A: '.###. #...# #...# ##### #...# #...# #...#',
  B: '####. #...# #...# ####. #...# #...# ####.',
  C: '.###. #...# #.... #.... #.... #...# .###.',
  D: '####. #...# #...# #...# #...# #...# ####.',
  E: '##### #.... #.... ####. #.... #.... #####',
  F: '##### #.... #.... ####. #.... #.... #....',
  G: '.###. #...# #.... #.### #...# #...# .####',
  H: '#...# #...# #...# ##### #...# #...# #...#',
  I: '.###. ..#.. ..#.. ..#.. ..#.. ..#.. .###.',
  J: '..### ...#. ...#. ...#. ...#. #..#. .##..',
  K: '#...# #..#. #.#.. ##... #.#.. #..#. #...#',
  L: '#.... #.... #.... #.... #.... #.... #####',
  M: '#...# ##.## #.#.# #.#.# #...# #...# #...#',
  N: '#...# #...# ##..# #.#.# #..## #...# #...#',
  O: '.###. #...# #...# #...# #...# #...# .###.',
  P: '####. #...# #...# ####. #.... #.... #....',
  Q: '.###. #...# #...# #...# #.#.# #..#. .##.#',
  R: '####. #...# #...# ####. #.#.. #..#. #...#',
  S: '.#### #.... #.... .###. ....# ....# ####.',
  T: '##### ..#.. ..#.. ..#.. ..#.. ..#.. ..#..',
  U: '#...# #...# #...# #...# #...# #...# .###.',
  V: '#...# #...# #...# #...# #...# .#.#. ..#..',
  W: '#...# #...# #...# #.#.# #.#.# #.#.# .#.#.',
  X: '#...# #...# .#.#. ..#.. .#.#. #...# #...#',
  Y: '#...# #...# .#.#. ..#.. ..#.. ..#.. ..#..',
  Z: '##### ....# ...#. ..#.. .#... #.... #####',
  '0': '.###. #...# #..## #.#.# ##..# #...# .###.',
  '1': '..#.. .##.. ..#.. ..#.. ..#.. ..#.. .###.',
  '2': '.###. #...# ....# ...#. ..#.. .#... #####',
  '3': '##### ...#. ..#.. ...#. ....# #...# .###.',
  '4': '...#. ..##. .#.#. #..#. ##### ...#. ...#.',
  '5': '##### #.... ####. ....# ....# #...# .###.',
  '6': '..##. .#... #.... ####. #...# #...# .###.',
  '7': '##### ....# ...#. ..#.. .#... .#... .#...',
  '8': '.###. #...# #...# .###. #...# #...# .###.',
  '9': '.###. #...# #...# .#### ....# ...#. .##..',
  ' ': '..... ..... ..... ..... ..... ..... .....',
  '-': '..... ..... ..... ##### ..... ..... .....',
  '.': '..... ..... ..... ..... ..... .##.. .##..',
  '/': '....# ....# ...#. ..#.. .#... #.... #....',
  '#': '.#.#. .#.#. ##### .#.#. ##### .#.#. .#.#.',
  ':': '..... .##.. .##.. ..... .##.. .##.. .....',
  '+': '..... ..#.. ..#.. ##### ..#.. ..#.. .....',
  '!': '..#.. ..#.. ..#.. ..#.. ..#.. ..... ..#..',
  '&': '.##.. #..#. #.#.. .#... #.#.# #..#. .##.#',
};

export const FONT_CHARACTERS: readonly string[] = Object.keys(GLYPH_ROWS);

/** The glyph as rows of booleans, `[row][column]`. */
export function glyphCells(character: string): readonly (readonly boolean[])[] {
  const rows = GLYPH_ROWS[character];
  if (rows === undefined) {
    throw new RangeError(`bitmap font has no glyph for ${JSON.stringify(character)}`);
  }
  return rows.split(' ').map((row) => [...row].map((cell) => cell === '#'));
}

export function isDrawableText(text: string): boolean {
  return [...text].every((character) => GLYPH_ROWS[character] !== undefined);
}

/** Width in pixels of `text` drawn at integer `scale`. */
export function textWidth(text: string, scale: number): number {
  const count = [...text].length;
  if (count === 0) return 0;
  return (count * GLYPH_WIDTH + (count - 1) * GLYPH_SPACING) * scale;
}

export function textHeight(scale: number): number {
  return GLYPH_HEIGHT * scale;
}

/** Draws `text` with its top-left corner at (x, y); each font cell is a `scale`x`scale` square. */
export function drawText(image: RgbImage, text: string, x: number, y: number, scale: number, color: Rgb): void {
  if (!Number.isInteger(scale) || scale < 1) {
    throw new RangeError(`text scale must be a positive integer, got ${scale}`);
  }
  let penX = x;
  for (const character of text) {
    const cells = glyphCells(character);
    cells.forEach((row, rowIndex) => {
      let column = 0;
      while (column < row.length) {
        if (!row[column]) {
          column++;
          continue;
        }
        const runStart = column;
        while (column < row.length && row[column]) column++;
        fillRect(image, penX + runStart * scale, y + rowIndex * scale, penX + column * scale, y + (rowIndex + 1) * scale, color);
      }
    });
    penX += (GLYPH_WIDTH + GLYPH_SPACING) * scale;
  }
}
