import { DEFAULT_LIMITS, type Limits, type Sampling } from '../trajectory/schema';

/**
 * What one visual search runs under: Mini-o3's limits (turns, images, pixel bounds, context)
 * plus the per-turn sampling parameters sent to the model.
 */
export interface SearchSettings {
  /** Mini-o3's `val_max_generation_round`: a tool call on turn `max_turns - 1` is over-turn. */
  max_turns: number;
  /** `val_limit_mm_per_prompt.image`, the original included. */
  max_images: number;
  /** Per-turn generation limit (`data.max_response_length`). */
  max_tokens: number;
  min_pixels: number;
  max_pixels: number;
  /** `max_total_response_length`: over-turn once the context reaches this minus 2000 tokens. */
  max_context: number;
  temperature?: number;
  top_p?: number;
  top_k?: number;
  seed?: number;
}

/** The most turns a search may be given (the paper reports gains up to 32; twice that is allowed). */
export const MAX_TURNS_CEILING = 64;

/**
 * Mini-o3's README inference settings, sampling included (its Avg@k evaluation keeps the
 * rollout defaults temperature 1.0, top_p 1, top_k -1). They are sent explicitly: left out, a
 * vLLM server would apply the model's generation_config instead.
 */
export const DEFAULT_SEARCH_SETTINGS: Readonly<SearchSettings> = { ...DEFAULT_LIMITS, max_tokens: 8192, temperature: 1, top_p: 1, top_k: -1 };

export class SearchSettingsError extends RangeError {
  constructor(readonly field: keyof SearchSettings, message: string) {
    super(`settings.${field}: ${message}`);
    this.name = 'SearchSettingsError';
  }
}

/**
 * Fills in defaults and checks every field. `max_images` follows `max_turns` when only the
 * latter is given (Mini-o3's README keeps both at 12; raising the turns alone would turn
 * every long search into an image-limit over-turn).
 */
export function resolveSearchSettings(partial: Partial<SearchSettings> = {}): SearchSettings {
  const defined = Object.fromEntries(Object.entries(partial).filter(([, v]) => v !== undefined)) as Partial<SearchSettings>;
  const settings: SearchSettings = { ...DEFAULT_SEARCH_SETTINGS, ...defined };
  if (defined.max_images === undefined && defined.max_turns !== undefined) {
    settings.max_images = Math.max(DEFAULT_SEARCH_SETTINGS.max_images, defined.max_turns);
  }
  integer(settings, 'max_turns', 1, MAX_TURNS_CEILING);
  integer(settings, 'max_images', 1, Number.MAX_SAFE_INTEGER);
  integer(settings, 'max_tokens', 1, Number.MAX_SAFE_INTEGER);
  integer(settings, 'min_pixels', 1, Number.MAX_SAFE_INTEGER);
  integer(settings, 'max_pixels', 1, Number.MAX_SAFE_INTEGER);
  integer(settings, 'max_context', 1, Number.MAX_SAFE_INTEGER);
  if (settings.min_pixels > settings.max_pixels) {
    throw new SearchSettingsError('min_pixels', `must not exceed max_pixels (${settings.min_pixels} > ${settings.max_pixels})`);
  }
  if (settings.temperature !== undefined && !(Number.isFinite(settings.temperature) && settings.temperature >= 0)) {
    throw new SearchSettingsError('temperature', `must be a number >= 0, got ${settings.temperature}`);
  }
  if (settings.top_p !== undefined && !(Number.isFinite(settings.top_p) && settings.top_p > 0 && settings.top_p <= 1)) {
    throw new SearchSettingsError('top_p', `must be in (0, 1], got ${settings.top_p}`);
  }
  if (settings.top_k !== undefined && !(Number.isSafeInteger(settings.top_k) && (settings.top_k === -1 || settings.top_k >= 1))) {
    throw new SearchSettingsError('top_k', `must be -1 (off) or an integer >= 1, got ${settings.top_k}`);
  }
  if (settings.seed !== undefined && !Number.isSafeInteger(settings.seed)) {
    throw new SearchSettingsError('seed', `must be an integer, got ${settings.seed}`);
  }
  return settings;
}

function integer(settings: SearchSettings, field: keyof SearchSettings, min: number, max: number): void {
  const value = settings[field];
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min || value > max) {
    const range = max === Number.MAX_SAFE_INTEGER ? `>= ${min}` : `${min}..${max}`;
    throw new SearchSettingsError(field, `must be an integer ${range}, got ${String(value)}`);
  }
}

export function limitsOfSettings(s: SearchSettings): Limits {
  return { max_turns: s.max_turns, max_images: s.max_images, min_pixels: s.min_pixels, max_pixels: s.max_pixels, max_context: s.max_context };
}

/** The sampling parameters as recorded on the trajectory (`model.sampling`) and sent to the model. */
export function samplingOfSettings(s: SearchSettings): Sampling {
  const sampling: Sampling = { max_tokens: s.max_tokens };
  if (s.temperature !== undefined) sampling.temperature = s.temperature;
  if (s.top_p !== undefined) sampling.top_p = s.top_p;
  if (s.top_k !== undefined) sampling.top_k = s.top_k;
  if (s.seed !== undefined) sampling.seed = s.seed;
  return sampling;
}
