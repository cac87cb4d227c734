import type { Size } from '../geometry/boxes';
import type { Rng } from './random';

/**
 * Reasoning texts for the scripted demonstrator: each function builds the inside of one
 * `<think>` block from seeded sentence pools, so that demonstrations read like a model's
 * search and differ from one another, while every claim matches the scene's layout.
 */

/** What a sign looks like, as far as the task tells (style is unknown for box-only tasks). */
export interface SignLook {
  text?: string;
  fill?: string;
  border?: string;
}

function article(word: string): string {
  return /^[aeiou]/i.test(word) ? 'an' : 'a';
}

/** "yellow sign with a red border", or a neutral name when the style is unknown. */
export function signName(look: SignLook): string {
  if (look.fill && look.border) return `${look.fill} sign with ${article(look.border)} ${look.border} border`;
  if (look.fill) return `${look.fill} sign`;
  return 'sign';
}

function aSign(look: SignLook): string {
  const name = signName(look);
  return `${article(name)} ${name}`;
}

function targetName(target: SignLook): string {
  return target.fill ? signName(target) : 'target sign';
}

function dims(size: Size): string {
  return `${size.width}x${size.height}`;
}

function pickStep(step: number, options: readonly string[]): string {
  return options[step % options.length] ?? '';
}

function sentences(...parts: string[]): string {
  return parts.filter((p) => p.length > 0).join(' ');
}

/** `seen` is the sign the search heads for: the target, or a look-alike in a wrong-answer run. */
export function openTowardTarget(rng: Rng, target: SignLook, seen: SignLook, where: string, imageSize: Size): string {
  const goal = rng.pick([
    `The question asks what is written on the ${targetName(target)}.`,
    `I need to read the text on the ${targetName(target)}.`,
    `The task is to find the ${targetName(target)} and read it.`,
  ]);
  const scan = rng.pick([
    `At ${dims(imageSize)} pixels the whole scene is shown at a small scale, and the signs are only specks of colour.`,
    `Scanning the full image, most of it is background texture and any sign is only a few pixels wide.`,
    `The image is large (${dims(imageSize)}) and every sign in it is tiny at this scale.`,
  ]);
  const spot = seen.fill
    ? rng.pick([
        `There is a small ${seen.fill} shape ${where} that could be the one.`,
        `A ${seen.fill} patch ${where} looks like the best candidate.`,
        `I can make out a ${seen.fill} board ${where}, but not its letters.`,
      ])
    : rng.pick([`A small sign ${where} looks like the best candidate.`, `There is a sign ${where} worth checking.`]);
  const act = rng.pick([
    'I will zoom into that region to read it.',
    'Cropping around it should make the text legible.',
    'Let me zoom in there.',
  ]);
  return sentences(goal, scan, spot, act);
}

export function openWithQuadrant(rng: Rng, target: SignLook, quadrant: string, imageSize: Size): string {
  const goal = rng.pick([
    `I am looking for the ${targetName(target)}.`,
    `The question is about the text on the ${targetName(target)}.`,
  ]);
  const narrow = rng.pick([
    `At the full ${dims(imageSize)} scale I cannot pick it out reliably, but there is a hint of colour in the ${quadrant} quadrant.`,
    `Nothing is readable at this scale. The most likely spot is in the ${quadrant} quadrant.`,
    `The signs are tiny here; the ${quadrant} part of the image is where a match seems most likely.`,
  ]);
  const act = rng.pick([
    `I will first crop the ${quadrant} quadrant to narrow the search.`,
    `A coarse crop of that quadrant comes first, then a closer look.`,
    `Let me zoom into the ${quadrant} quadrant before going finer.`,
  ]);
  return sentences(goal, narrow, act);
}

/** `first` is what the detour will find: a sign, or null for a spot that holds none. */
export function openWithTwoCandidates(rng: Rng, target: SignLook, first: SignLook | null, firstWhere: string, secondWhere: string): string {
  const goal = rng.pick([
    `I need the text on the ${targetName(target)}.`,
    `The question asks about the ${targetName(target)}.`,
  ]);
  const firstSeen = !first
    ? `a faint shape ${firstWhere} that might be a sign`
    : first.fill ? `${article(first.fill)} ${first.fill} board ${firstWhere}` : `a small sign ${firstWhere}`;
  const candidates = rng.pick([
    `Two spots could match: ${firstSeen} and another small sign ${secondWhere}.`,
    `I see ${firstSeen}, and a second possible sign ${secondWhere}.`,
  ]);
  const act = rng.pick([
    'The first one stands out more, so I check it first.',
    `I will start with the one ${firstWhere}.`,
    'Let me zoom into the first candidate.',
  ]);
  return sentences(goal, candidates, act);
}

/** After a detour: why the crop is not the target, and where to look next. */
export function rejectDetour(rng: Rng, target: SignLook, seen: SignLook | null, nextWhere: string): string {
  let verdict: string;
  if (!seen) {
    verdict = rng.pick([
      'This region only shows background; there is no sign in it.',
      'There is nothing here but background texture.',
    ]);
  } else {
    const reads = seen.text ? `This sign reads "${seen.text}"` : 'This sign is legible now';
    const mismatch = styleMismatch(target, seen);
    verdict = mismatch
      ? `${reads}, but ${mismatch}, so it is not the one asked about.`
      : `${reads}, which does not fit the question.`;
  }
  const next = rng.pick([
    `The other candidate ${nextWhere} remains; zooming there instead.`,
    `I will go back to the original image and check the sign ${nextWhere}.`,
    `Next I try the spot ${nextWhere}.`,
  ]);
  return sentences(verdict, next);
}

function styleMismatch(target: SignLook, seen: SignLook): string | null {
  if (!target.fill || !target.border || !seen.fill || !seen.border) return null;
  if (seen.fill === target.fill && seen.border !== target.border) {
    return `its border is ${seen.border}, not ${target.border}, even though the board is ${seen.fill}`;
  }
  if (seen.border === target.border && seen.fill !== target.fill) {
    return `the board is ${seen.fill} rather than ${target.fill}, although the border matches`;
  }
  return `it is ${aSign(seen)}, not ${aSign(target)}`;
}

/** A closer crop of a sign visible in an earlier observation. */
export function refineWithin(rng: Rng, seen: SignLook, whereInCrop: string, source: string, cropSize: Size): string {
  const sighting = seen.fill
    ? rng.pick([
        `In this ${dims(cropSize)} crop there is a small ${seen.fill} sign ${whereInCrop}.`,
        `The crop shows ${aSign(seen)} ${whereInCrop}.`,
      ])
    : `In this ${dims(cropSize)} crop there is a small sign ${whereInCrop}.`;
  const blur = rng.pick([
    'Its letters are still too small to read.',
    'The text on it is not legible yet.',
    'It matches the description, but I cannot read it at this size.',
  ]);
  const act = rng.pick([
    `I will zoom into it within ${source}.`,
    `Cropping ${source} around it.`,
    `A tighter crop of ${source} should settle it.`,
  ]);
  return sentences(sighting, blur, act);
}

/**
 * A further zoom that still does not settle the answer (over-turn runs). Successive `step`s
 * of one run use different sentences.
 */
export function zoomAgain(whereInCrop: string, source: string, step: number): string {
  const doubt = pickStep(step, [
    'The sign is larger now, but some characters still look ambiguous.',
    'I can see strokes of the text, yet I am not sure of every character.',
    'The board is visible, though the letters blur together.',
  ]);
  const act = pickStep(step, [
    `Zooming further into ${source}, on the part ${whereInCrop}.`,
    `One more crop of ${source}, ${whereInCrop}, before I commit.`,
    `Let me crop ${source} tighter around it, ${whereInCrop}.`,
  ]);
  return sentences(doubt, act);
}

export function readAnswer(rng: Rng, target: SignLook, answer: string): string {
  const name = targetName(target);
  return rng.pick([
    `The zoomed view shows the ${name} clearly. Its text reads "${answer}".`,
    `Now the sign is legible${target.fill ? `: ${aSign(target)}` : ''}, and the characters spell "${answer}". That answers the question.`,
    `In this crop the ${name} fills a good part of the frame and the characters are sharp: "${answer}".`,
  ]);
}

/** The mistaken reading of a wrong-answer run: the model takes the sign it cropped for the target. */
export function acceptWrongSign(rng: Rng, seen: SignLook, answer: string): string {
  const view = seen.fill ? `The crop shows ${aSign(seen)}` : 'The crop shows a sign';
  return rng.pick([
    `${view}. Its text reads "${answer}", so I take this as the sign in question.`,
    `${view} with the text "${answer}". This looks like the one described.`,
  ]);
}

/** After a rejected tool call: the diagnosis that the error text supports. */
export function recoverFromError(rng: Rng, mistake: 'inverted_x' | 'inverted_y' | 'missing_source', observationCount: number): string {
  if (mistake === 'missing_source') {
    const what = observationCount === 0 ? 'no crop has been made yet, so the only image I can crop is the original' : `only ${observationCount} observation${observationCount === 1 ? '' : 's'} exist so far`;
    return sentences(
      rng.pick(['The tool could not find that source:', 'The error says the source observation does not exist:']),
      `${what}.`,
      rng.pick(['Repeating the crop on original_image.', 'I will crop the same region from original_image.']),
    );
  }
  const axis = mistake === 'inverted_x' ? 'width' : 'height';
  const order = mistake === 'inverted_x' ? 'the right edge before the left one' : 'the bottom edge before the top one';
  return sentences(
    `The box was rejected as not valid in ${axis}: I wrote ${order}.`,
    rng.pick(['Swapping those coordinates and trying again.', 'Here is the same region with the corners in the right order.']),
  );
}

/** A final turn that states the answer outside `<answer>` tags: a void trajectory. */
export function voidEnding(rng: Rng, target: SignLook, answer: string): string {
  const think = readAnswer(rng, target, answer);
  const tail = rng.pick([`The text on the sign is ${answer}.`, `Answer: ${answer}`, `So the sign says "${answer}".`]);
  return `<think>${think}</think>\n${tail}`;
}
