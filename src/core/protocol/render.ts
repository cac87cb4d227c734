import type { Trajectory } from '../trajectory/schema';
import { IMAGE_PLACEHOLDER, IM_END, IM_START, SYSTEM_PROMPT, VISION_TOKENS } from './prompts';
import type { TrajectoryReplay } from './replay';

export type ChatRole = 'system' | 'user' | 'assistant';
export interface ChatMessage {
  role: ChatRole;
  content: string;
}

/** An image in placeholder order: one of the task's images, or the crop of observation N. */
export type ImageRef = { kind: 'task'; index: number } | { kind: 'observation'; index: number };

export interface RenderedConversation {
  messages: ChatMessage[];
  images: ImageRef[];
}

export interface RenderOptions {
  /** What stands for an image in the text: `<image>` (SFT formats) or the vision tokens (Mini-o3's prompt). */
  imageToken?: string;
  /** Drop the system message (some exports carry it separately). */
  omitSystem?: boolean;
}

/**
 * The conversation Mini-o3's harness builds: system prompt, the task's `problem` as the user
 * turn, then each assistant turn followed by the observation or error message it triggered.
 */
export function renderMessages(t: Trajectory, replay: TrajectoryReplay, options: RenderOptions = {}): RenderedConversation {
  const imageToken = options.imageToken ?? IMAGE_PLACEHOLDER;
  const messages: ChatMessage[] = [];
  const images: ImageRef[] = [];
  if (!options.omitSystem) messages.push({ role: 'system', content: systemPromptOf(t) });

  const placeholders = t.task.question.split(IMAGE_PLACEHOLDER).length - 1;
  for (let k = 0; k < placeholders; k++) images.push({ kind: 'task', index: k });
  messages.push({ role: 'user', content: t.task.question.split(IMAGE_PLACEHOLDER).join(imageToken) });

  for (const r of replay.turns) {
    messages.push({ role: 'assistant', content: t.turns[r.index]!.text });
    if (r.feedback === null) continue;
    if (r.observationIndex !== undefined) images.push({ kind: 'observation', index: r.observationIndex });
    messages.push({ role: 'user', content: r.feedback.split(VISION_TOKENS).join(imageToken) });
  }
  return { messages, images };
}

export function systemPromptOf(t: Trajectory): string {
  return t.system_prompt ?? SYSTEM_PROMPT;
}

/**
 * The whole text Mini-o3 feeds the model, template and all: the chat template's initial prompt,
 * then per turn the generated text and the harness's appended message. A final answer turn
 * ends with `<|im_end|>` (the eos token the model emitted); a turn stopped at `</grounding>`
 * does not.
 */
export function renderPrompt(t: Trajectory, replay: TrajectoryReplay): string {
  let out =
    `${IM_START}system\n${systemPromptOf(t)}${IM_END}\n` +
    `${IM_START}user\n${t.task.question.split(IMAGE_PLACEHOLDER).join(VISION_TOKENS)}${IM_END}\n` +
    `${IM_START}assistant\n`;
  for (const r of replay.turns) {
    const turn = t.turns[r.index]!;
    out += turn.text;
    if (r.feedback !== null) {
      out += `${IM_END}\n${IM_START}user\n${r.feedback}${IM_END}\n${IM_START}assistant\n`;
    } else if ((r.action === 'answer' || r.action === 'void') && turn.finish_reason !== 'length') {
      out += IM_END;
    }
  }
  return out;
}
