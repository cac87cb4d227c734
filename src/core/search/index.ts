export { ForkError, runVisualSearch, type VisualSearchOptions } from './agent-loop';
export type { SearchEvent, SearchEventListener } from './events';
export {
  DEFAULT_SEARCH_SETTINGS,
  MAX_TURNS_CEILING,
  SearchSettingsError,
  limitsOfSettings,
  resolveSearchSettings,
  samplingOfSettings,
  type SearchSettings,
} from './settings';
export {
  CONTEXT_ACCOUNTING,
  contextBudget,
  cropModelSize,
  estimateTokens,
  modelImageTokens,
  originalModelSize,
  type PixelBounds,
  type TextCounter,
} from './token-accounting';
export { messageText } from './conversation';
