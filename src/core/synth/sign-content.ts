import type { Rgb } from './canvas';
import type { Rng } from './random';

/** Saturated, clearly named sign colours; the question names a sign by its fill + border. */
export const SIGN_COLOURS = {
  yellow: [244, 204, 28],
  red: [204, 32, 36],
  blue: [28, 74, 196],
  green: [26, 140, 62],
  white: [246, 246, 242],
  orange: [242, 128, 22],
  purple: [118, 46, 152],
  black: [22, 22, 24],
} as const satisfies Record<string, Rgb>;

export type SignColourName = keyof typeof SIGN_COLOURS;
export const SIGN_COLOUR_NAMES = Object.keys(SIGN_COLOURS) as SignColourName[];

const LIGHT_FILLS: ReadonlySet<SignColourName> = new Set(['yellow', 'white', 'orange']);

/** Dark text on light fills, light text on dark ones. */
export function textColourFor(fill: SignColourName): Rgb {
  return LIGHT_FILLS.has(fill) ? SIGN_COLOURS.black : SIGN_COLOURS.white;
}

export interface SignStyle {
  fill: SignColourName;
  border: SignColourName;
}

export function sameStyle(a: SignStyle, b: SignStyle): boolean {
  return a.fill === b.fill && a.border === b.border;
}

export function randomStyle(rng: Rng): SignStyle {
  const fill = rng.pick(SIGN_COLOUR_NAMES);
  const border = rng.pick(SIGN_COLOUR_NAMES.filter((name) => name !== fill));
  return { fill, border };
}

/**
 * A distractor style that never equals the target's. Most distractors share the target's
 * fill or its border, so finding the target needs both attributes, not one colour blob.
 */
export function distractorStyle(rng: Rng, target: SignStyle): SignStyle {
  const roll = rng.next();
  let style: SignStyle;
  if (roll < 0.4) {
    style = { fill: target.fill, border: rng.pick(SIGN_COLOUR_NAMES.filter((n) => n !== target.fill)) };
  } else if (roll < 0.65) {
    style = { fill: rng.pick(SIGN_COLOUR_NAMES.filter((n) => n !== target.border)), border: target.border };
  } else {
    style = randomStyle(rng);
  }
  // Sharing one attribute can still collide with the target pair; fall back to a different border.
  if (sameStyle(style, target) || style.fill === style.border) {
    const border = rng.pick(SIGN_COLOUR_NAMES.filter((n) => n !== style.fill && n !== target.border));
    style = { fill: style.fill, border };
  }
  return style;
}

/** Letters and digits without the look-alikes O/0 and I/1, as on number plates. */
const CODE_ALPHABET = 'ABCDEFGHJKLMNPQRSTUVWXYZ23456789';
const WORDS = [
  'EXIT', 'GATE', 'DOCK', 'ROOM', 'BAY', 'LOT', 'PIER', 'ZONE', 'HALL', 'LANE',
  'UNIT', 'BUS', 'TRAM', 'SHOP', 'CAFE', 'INN', 'BANK', 'PARK', 'WING', 'BLOCK',
] as const;

function code(rng: Rng, length: number): string {
  let out = '';
  for (let i = 0; i < length; i++) out += rng.pick([...CODE_ALPHABET]);
  return out;
}

/** Short sign text, at most `maxLength` characters, e.g. "K7Q2", "EXIT 4B", "DOCK-9", "NO.42". */
export function randomSignText(rng: Rng, maxLength: number): string {
  for (let attempt = 0; attempt < 20; attempt++) {
    const kind = rng.int(0, 4);
    let text: string;
    if (kind === 0) text = code(rng, rng.int(3, 5));
    else if (kind === 1) text = `${rng.pick(WORDS)} ${rng.int(1, 9)}${rng.pick([...CODE_ALPHABET.slice(0, 8)])}`;
    else if (kind === 2) text = `${rng.pick(WORDS)} ${rng.int(2, 99)}`;
    else if (kind === 3) text = `${rng.pick(WORDS)}-${code(rng, rng.int(1, 2))}`;
    else text = `NO.${rng.int(2, 99)}`;
    if (text.length <= maxLength) return text;
  }
  return code(rng, Math.max(1, Math.min(4, maxLength)));
}
