/**
 * Mini-o3's prompts, byte for byte (Mini-o3 `verl/trainer/constants.py`, typos included:
 * "outputing", "the the", "Countinue").
 */
export const SYSTEM_PROMPT =
  "You are a helpful assistant. Answer the user's question based on the image provided. Output your thinking process within the <think> and </think> tags. Whenever you find anything unclear, you can zoom in a specific region in the given image to see more clearly by outputing <grounding>{\"bbox_2d\": [x0, y0, x1, y1], \"source\": \"original_image\"}</grounding>, where (x0, y0) and (x1, y1) are the top-left and bottom-right coordinates of the region that you want to zoom in, respectively (suppose the width and height of the image are 1.0), and 'source' refers to the image that you zoom in and could be either 'original_image' or 'observation_i'. Once the final answer is confirmed, put it within <answer> and </answer>.";

/** What Mini-o3 substitutes for each `<image>` placeholder in the prompt. */
export const VISION_TOKENS = '<|vision_start|><|image_pad|><|vision_end|>';
export const IMAGE_PLACEHOLDER = '<image>';

/** `TOOL_CALL_CROP_MULTI_TRUN_PROMPT` with the vision tokens inline (Mini-o3's own form). */
export function observationPrompt(actionTurn: number, observationTurn: number, image = VISION_TOKENS): string {
  return (
    `After the above Action ${actionTurn}, here is the the zoom-in image (Observation ${observationTurn}):\n` +
    `${image}.\n` +
    'Continue your reasoning process inside <think> and </think>. If needed, you can continue to zoom in on the original image or any of the observations, by outputting <grounding> and </grounding> as before. If the final answer is confirmed, put your final answer inside <answer> and </answer>.'
  );
}

/** `ERROR_INFO_MULTI_TURN_PROMPT`. */
export const ERROR_PROMPT =
  'Please analyze the error information obtained from the function tool and adjust your response. Countinue your reasoning process inside <think> and </think>.';

/** The whole user message after an invalid tool call: the tool output then the error prompt. */
export function errorFeedback(errorInfo: string): string {
  return `ERROR occurs during grounding. Error Information: ${errorInfo}.\n${ERROR_PROMPT}`;
}

/** Qwen2.5-VL chat-template pieces as Mini-o3 uses them. */
export const IM_START = '<|im_start|>';
export const IM_END = '<|im_end|>';
/** Mini-o3 stops generation here and keeps the stop string in the output. */
export const STOP_STRING = '</grounding>';
/** Over-turn margin: exceed when context >= max_total_response_length - 2000. */
export const CONTEXT_MARGIN = 2000;
