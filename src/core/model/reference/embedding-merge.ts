/**
 * `inputs_embeds.masked_scatter(image_mask, image_embeds)`: the i-th `<|image_pad|>` token's
 * embedding is replaced by the i-th image feature row (features of all images concatenated in
 * prompt order).
 */
import { matrix, type Matrix } from './matrix';

export function mergeImageFeatures(embeddings: Matrix, tokenIds: readonly number[], imageTokenId: number, features: Matrix): Matrix {
  if (embeddings.rows !== tokenIds.length) throw new Error(`merge: ${embeddings.rows} embeddings for ${tokenIds.length} tokens`);
  if (features.rows > 0 && features.cols !== embeddings.cols) throw new Error(`merge: image features have ${features.cols} columns, embeddings ${embeddings.cols}`);
  const placeholders = tokenIds.reduce((count, id) => count + (id === imageTokenId ? 1 : 0), 0);
  if (placeholders !== features.rows) {
    throw new Error(`Image features and image tokens do not match: tokens: ${placeholders}, features ${features.rows}`);
  }
  const out = matrix(embeddings.rows, embeddings.cols, embeddings.data.slice());
  let next = 0;
  tokenIds.forEach((id, row) => {
    if (id !== imageTokenId) return;
    out.data.set(features.data.subarray(next * features.cols, (next + 1) * features.cols), row * out.cols);
    next++;
  });
  return out;
}
