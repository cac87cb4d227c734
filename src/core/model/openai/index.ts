export { OpenAiPolicy, type OpenAiPolicyOptions, type RetryInfo } from './openai-policy';
export { ModelServerError, redactSecret } from './errors';
export { chatCompletionsUrl } from './endpoint';
export { SseParser, type SseEvent } from './sse';
export type { ChatCompletionRequest, WireContentPart, WireMessage } from './request-body';
export { wireMessages } from './request-body';
