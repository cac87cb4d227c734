export { OnnxPolicy, type OnnxPolicyOptions, type OnnxTurnResult } from './onnx-policy';
export {
  EXECUTION_PROVIDERS,
  parseExecutionProviders,
  describeProviderChoice,
  type ExecutionProviderName,
  type ProviderAttempt,
} from './execution-providers';
export { ModelFolderError, readModelFolder, type ModelFolder } from './model-folder';
export { OnnxOutOfMemoryError, OnnxRunError } from './runtime-errors';
export type { TurnStats } from './qwen-vl-runner';
