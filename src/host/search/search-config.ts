import { parseExecutionProviders } from '../../core/model/onnx/execution-providers';
import { chatCompletionsUrl } from '../../core/model/openai/endpoint';
import { SearchSettingsError, resolveSearchSettings, type SearchSettings } from '../../core/search/settings';

/** Reads one `miniO3.*` setting by its key without the prefix (e.g. `maxTurns`); undefined when unset. */
export type SettingReader = (key: string) => unknown;

export type SearchBackend = 'openai' | 'onnx';
export const SEARCH_BACKENDS: readonly SearchBackend[] = ['openai', 'onnx'];

/** Everything a search in VS Code runs under, read from the `miniO3.*` settings and checked. */
export interface SearchConfig {
  backend: SearchBackend;
  serverUrl: string;
  /** null: the first model the server lists. */
  modelName: string | null;
  /** onnx: the converted model folder (null when unset). */
  modelFolder: string | null;
  executionProviders: string;
  settings: SearchSettings;
}

/** A setting that cannot be used; the message names it as the user sees it in the Settings editor. */
export class SearchConfigError extends Error {
  constructor(readonly setting: string, message: string) {
    super(`Setting miniO3.${setting}: ${message}`);
    this.name = 'SearchConfigError';
  }
}

/** The setting behind each field of SearchSettings (max_context has none: Mini-o3's 32768 is kept). */
const SETTING_OF_FIELD: Record<keyof SearchSettings, string> = {
  max_turns: 'maxTurns',
  max_images: 'maxImages',
  max_tokens: 'maxTokens',
  min_pixels: 'minPixels',
  max_pixels: 'maxPixels',
  max_context: 'maxContext',
  temperature: 'temperature',
  top_p: 'topP',
  top_k: 'topK',
  seed: 'seed',
};

/**
 * Maps the settings onto the search loop's SearchSettings and checks them all, so a bad value
 * fails before any model is loaded or contacted. `overrides` (e.g. a chosen backend) win.
 */
export function readSearchConfig(read: SettingReader, overrides: { backend?: SearchBackend } = {}): SearchConfig {
  const backend = overrides.backend ?? readBackend(read('backend'));
  const partial: Partial<SearchSettings> = {
    max_turns: optionalNumber(read, 'maxTurns'),
    max_tokens: optionalNumber(read, 'maxTokens'),
    min_pixels: optionalNumber(read, 'minPixels'),
    max_pixels: optionalNumber(read, 'maxPixels'),
    temperature: optionalNumber(read, 'temperature'),
    top_p: optionalNumber(read, 'topP'),
    top_k: optionalNumber(read, 'topK'),
    seed: optionalNumber(read, 'seed'),
  };
  // 0 (the default) follows max turns, as resolveSearchSettings does when max_images is left out.
  const maxImages = optionalNumber(read, 'maxImages');
  if (maxImages !== undefined && maxImages !== 0) partial.max_images = maxImages;
  let settings: SearchSettings;
  try {
    settings = resolveSearchSettings(partial);
  } catch (error) {
    if (error instanceof SearchSettingsError) {
      throw new SearchConfigError(SETTING_OF_FIELD[error.field], error.message.replace(/^settings\.\w+: /, ''));
    }
    throw error;
  }

  const serverUrl = optionalString(read, 'serverUrl') ?? 'http://127.0.0.1:8000/v1';
  const modelName = optionalString(read, 'modelName');
  const modelFolder = optionalString(read, 'modelFolder');
  const executionProviders = optionalString(read, 'executionProviders') ?? 'cuda,webgpu,cpu';
  if (backend === 'openai') {
    try {
      chatCompletionsUrl(serverUrl);
    } catch (error) {
      throw new SearchConfigError('serverUrl', (error as Error).message);
    }
  } else {
    if (modelFolder === null) {
      throw new SearchConfigError('modelFolder', 'the onnx backend needs a converted model folder (`mini-o3-studio convert`); it is empty');
    }
    try {
      parseExecutionProviders(executionProviders);
    } catch (error) {
      throw new SearchConfigError('executionProviders', (error as Error).message);
    }
  }
  return { backend, serverUrl, modelName, modelFolder, executionProviders, settings };
}

function readBackend(value: unknown): SearchBackend {
  if (value === undefined || value === null || value === '') return 'openai';
  if (value === 'openai' || value === 'onnx') return value;
  throw new SearchConfigError('backend', `must be "openai" or "onnx", got ${JSON.stringify(value)}`);
}

/** A number setting; unset and null read as undefined (the loop's default). */
function optionalNumber(read: SettingReader, key: string): number | undefined {
  const value = read(key);
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw new SearchConfigError(key, `must be a number, got ${JSON.stringify(value)}`);
  }
  return value;
}

/** A string setting; unset or blank reads as null. */
function optionalString(read: SettingReader, key: string): string | null {
  const value = read(key);
  if (value === undefined || value === null) return null;
  if (typeof value !== 'string') throw new SearchConfigError(key, `must be a string, got ${JSON.stringify(value)}`);
  return value.trim() === '' ? null : value.trim();
}
