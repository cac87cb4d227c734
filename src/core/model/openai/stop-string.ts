/**
 * Mini-o3 keeps the stop string `</grounding>` in the turn (vLLM `include_stop_str_in_output`).
 * Servers that strip it anyway still say why they stopped: vLLM's `stop_reason` / SGLang's
 * `matched_stop` name the stop string (null or a token id for eos). When the server says
 * nothing, a turn that finished with 'stop' inside an unclosed `<grounding>` can only have
 * stopped on `</grounding>`.
 * @returns the text to append (empty when the text is complete)
 */
export function missingStopString(
  text: string, finishReason: string | null, stop: readonly string[], stopReason: string | number | null | undefined,
): string {
  if (finishReason !== 'stop') return '';
  if (typeof stopReason === 'string') {
    return stop.includes(stopReason) && !text.endsWith(stopReason) ? stopReason : '';
  }
  if (stopReason !== undefined) return '';
  const closing = '</grounding>';
  if (!stop.includes(closing) || text.endsWith(closing)) return '';
  return text.lastIndexOf('<grounding>') > text.lastIndexOf(closing) ? closing : '';
}
