/**
 * Normalized exact match, the judge that needs no model: case, surrounding whitespace and
 * punctuation, inner whitespace runs and a leading article are ignored.
 */
export function normalizeAnswer(text: string): string {
  return text
    .normalize('NFKC')
    .toLowerCase()
    .replace(/\s+/g, ' ')
    .trim()
    .replace(/^[\s"'`.,;:!?()[\]{}]+|[\s"'`.,;:!?()[\]{}]+$/g, '')
    .replace(/^(the|a|an) /, '');
}

export function exactMatch(prediction: string | null | undefined, groundTruth: string | null | undefined): boolean | null {
  if (groundTruth === undefined || groundTruth === null) return null;
  if (prediction === undefined || prediction === null) return false;
  return normalizeAnswer(prediction) === normalizeAnswer(groundTruth);
}
