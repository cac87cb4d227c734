import { z } from 'zod';

/**
 * The native trajectory model: one JSON object per line of a `*.traj.jsonl` file.
 *
 * Every object schema is "loose": fields this version does not know are kept on the parsed
 * value and written back unchanged. Image paths are relative to the folder of the file.
 * The raw assistant text of each turn is the source of truth; actions, boxes and statuses
 * are derived from it (see `protocol/replay.ts`).
 */
export const TRAJECTORY_FORMAT = 'mini-o3-studio/trajectory@1';

const finite = z.number().refine(Number.isFinite, { message: 'must be a finite number' });

/** `[x0, y0, x1, y1]`; the space it lives in is named by the field that holds it. */
export const Box4Schema = z.tuple([finite, finite, finite, finite]);
export type Box4 = [number, number, number, number];

export const TaskSchema = z.looseObject({
  /** Stable task id (Mini-o3's `doc_id`). */
  id: z.string().min(1),
  /** The user turn exactly as Mini-o3 feeds it: contains `<image>` placeholders. */
  question: z.string(),
  /** Image paths, first is the original. Relative to the file's folder. */
  images: z.array(z.string().min(1)).min(1),
  /** Ground-truth answer (`solution`). */
  answer: z.string().optional(),
  /** Ground-truth box of the target in original-image pixels. */
  gt_box: Box4Schema.optional(),
  /** Pixel size of `images[0]` when the trajectory was written; lets geometry be checked without the file. */
  image_size: z.looseObject({ width: z.number().int().positive(), height: z.number().int().positive() }).optional(),
  data_source: z.string().optional(),
});
export type Task = z.infer<typeof TaskSchema>;

export const SamplingSchema = z.looseObject({
  temperature: z.number().optional(),
  top_p: z.number().optional(),
  top_k: z.number().int().optional(),
  seed: z.number().int().optional(),
  max_tokens: z.number().int().positive().optional(),
});
export type Sampling = z.infer<typeof SamplingSchema>;

export const ModelInfoSchema = z.looseObject({
  name: z.string(),
  backend: z.string().optional(),
  /** True for trajectories written by the scripted demonstrator, never by a model. */
  synthetic: z.boolean().optional(),
  sampling: SamplingSchema.optional(),
});
export type ModelInfo = z.infer<typeof ModelInfoSchema>;

export const LimitsSchema = z.looseObject({
  max_turns: z.number().int().positive(),
  max_images: z.number().int().positive(),
  min_pixels: z.number().int().positive(),
  max_pixels: z.number().int().positive(),
  /** Mini-o3's `max_total_response_length`; over-turn when context >= this - 2000. */
  max_context: z.number().int().positive(),
});
export type Limits = z.infer<typeof LimitsSchema>;

/** Mini-o3's inference settings (README: val_max_generation_round=12, image limit 12, 2M/40k pixels, 32768). */
export const DEFAULT_LIMITS: Limits = {
  max_turns: 12,
  max_images: 12,
  min_pixels: 40_000,
  max_pixels: 2_000_000,
  max_context: 32_768,
};

export const EditProvenanceSchema = z.looseObject({
  original_text: z.string(),
  by: z.string().optional(),
  at: z.string().optional(),
});

export const TurnSchema = z.looseObject({
  /** The assistant's text for this turn, ending at `</grounding>` for a tool call. */
  text: z.string(),
  /** The generation's finish reason as recorded (`stop`, `length`, ...). */
  finish_reason: z.string().optional(),
  /** Stored observation made by this turn's crop, if one was saved. */
  observation: z
    .looseObject({
      /** The crop before the resize (what `observation_N` refers to). */
      image: z.string().optional(),
      /** The crop as the model saw it, after Mini-o3's pixel-bound rescale. */
      resized_image: z.string().optional(),
    })
    .optional(),
  /** The user message the harness appended after this turn, as recorded (evidence; derived otherwise). */
  feedback: z.string().optional(),
  timing: z
    .looseObject({ started_at: z.string().optional(), ms: z.number().optional(), first_token_ms: z.number().optional() })
    .optional(),
  tokens: z
    .looseObject({ prompt: z.number().int().optional(), completion: z.number().int().optional() })
    .optional(),
  edit: EditProvenanceSchema.optional(),
});
export type Turn = z.infer<typeof TurnSchema>;

/** How a run ended, as recorded by whatever ran it. */
export const OUTCOME_STATUSES = ['answered', 'over_turn', 'void', 'invalid_format', 'error', 'cancelled'] as const;
export type OutcomeStatus = (typeof OUTCOME_STATUSES)[number];

export const OutcomeSchema = z.looseObject({
  answer: z.string().nullable().optional(),
  correct: z.boolean().nullable().optional(),
  score: z.number().optional(),
  status: z.enum(OUTCOME_STATUSES).optional(),
  error: z.string().optional(),
});
export type Outcome = z.infer<typeof OutcomeSchema>;

export const REVIEW_STATUSES = ['unreviewed', 'accepted', 'rejected', 'needs_fix'] as const;
export type ReviewStatus = (typeof REVIEW_STATUSES)[number];

export const ReviewSchema = z.looseObject({
  status: z.enum(REVIEW_STATUSES),
  labels: z.array(z.string()).optional(),
  notes: z.string().optional(),
  by: z.string().optional(),
  at: z.string().optional(),
});
export type Review = z.infer<typeof ReviewSchema>;

export const ForkSchema = z.looseObject({
  trajectory_id: z.string(),
  /** 0-based index of the first turn that differs from the parent. */
  turn: z.number().int().nonnegative(),
});

/** Where an imported trajectory came from; `raw` keeps source fields the model has no place for. */
export const ImportOriginSchema = z.looseObject({
  format: z.string(),
  path: z.string(),
  line: z.number().int().optional(),
  raw: z.unknown().optional(),
});

export const TrajectorySchema = z.looseObject({
  format: z.literal(TRAJECTORY_FORMAT).optional(),
  id: z.string().min(1),
  task: TaskSchema,
  /** Only when the run used a system prompt other than Mini-o3's `tool_crop` prompt. */
  system_prompt: z.string().optional(),
  model: ModelInfoSchema.optional(),
  limits: LimitsSchema.optional(),
  turns: z.array(TurnSchema),
  outcome: OutcomeSchema.optional(),
  review: ReviewSchema.optional(),
  fork: ForkSchema.optional(),
  import: ImportOriginSchema.optional(),
  created_at: z.string().optional(),
});
export type Trajectory = z.infer<typeof TrajectorySchema>;

/** Derived per-turn and per-trajectory labels (issue: valid, invalid_format, invalid_clip, over_turn, void). */
export const STATUS_LABELS = ['valid', 'invalid_format', 'invalid_clip', 'over_turn', 'void'] as const;
export type StatusLabel = (typeof STATUS_LABELS)[number];

export function limitsOf(t: Trajectory): Limits {
  return { ...DEFAULT_LIMITS, ...(t.limits ?? {}) };
}

export function reviewStatusOf(t: Trajectory): ReviewStatus {
  return t.review?.status ?? 'unreviewed';
}
