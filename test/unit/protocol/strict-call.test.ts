import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { resolveStrictCall } from '../../../src/core/protocol/strict-call';
import type { Size } from '../../../src/core/geometry/boxes';

/**
 * Mini-o3's tool-call handling (process_tool_call + prepare_grounding_inputs_multi_turn with
 * relative coordinates), restated in Python and run by CPython, so the real `re` and `eval`
 * decide. Our TypeScript must give the same crop box or the same `str(e)`.
 */
const PYTHON_REFERENCE = String.raw`
import json, re, sys
cases = json.load(sys.stdin)
out = []
for case in cases:
    text, sizes = case["text"], case["sizes"]
    try:
        pattern = ".*<grounding>{\"bbox_2d\": (.*),.*\"source\": [\',\"](.*)[\',\"]}</grounding>"
        match = re.match(pattern, text, re.DOTALL)
        bbox, source = match.group(1), match.group(2)
        obj = {"bbox_2d": eval(bbox), "source": source}
        assert isinstance(obj, dict) and isinstance(obj['bbox_2d'], list) and len(obj['bbox_2d']) == 4
        assert isinstance(obj['source'], str)
        bbox = obj['bbox_2d']
        if source == "original_image":
            observation_id = 0
        else:
            m = re.match("observation_([0-9]*)", source, re.DOTALL)
            try:
                observation_id = int(m.group(1))
            except Exception as e:
                raise ValueError(f"The 'source' argument \"{source}\" does not match the pattern 'observation_([0-9]*)'.")
        assert observation_id < len(sizes), f"Error in predicting the source observation: \"{source}\"."
        w, h = sizes[observation_id]
        bbox = (bbox[0]*w, bbox[1]*h, bbox[2]*w, bbox[3]*h)
        bbox = [int(bbox[0]), int(bbox[1]), int(bbox[2]), int(bbox[3])]
        bbox = [max(bbox[0], 0), max(bbox[1], 0), min(bbox[2], w-1), min(bbox[3], h-1)]
        assert bbox[0] <= bbox[2] - 1, f"The bounding box is not valid in width: {bbox}"
        assert bbox[1] <= bbox[3] - 1, f"The bounding box is not valid in height: {bbox}"
        wb = bbox[2] - bbox[0]; hb = bbox[3] - bbox[1]
        if wb / hb >= 200 or hb / wb >= 200:
            raise ValueError("The absolute aspect ratio of the bounding box exceeds 200, which is too large.")
        out.append({"ok": True, "source": observation_id, "box": bbox})
    except Exception as e:
        out.append({"ok": False, "error": str(e)})
print(json.dumps(out))
`;

const sizes: Size[] = [
  { width: 4000, height: 3000 },
  { width: 640, height: 480 },
  { width: 33, height: 1200 },
];
const call = (inner: string) => `<think>look closer</think>\n<grounding>${inner}</grounding>`;
const CASES: string[] = [
  call('{"bbox_2d": [0.1, 0.2, 0.5, 0.6], "source": "original_image"}'),
  call('{"bbox_2d": [0.0, 0.0, 1.0, 1.0], "source": "original_image"}'),
  call('{"bbox_2d": [0.25, 0.25, 0.75, 0.75], "source": "observation_1"}'),
  call("{\"bbox_2d\": [0.1,0.2,0.3,0.4], \"source\": 'observation_2'}"),
  call('{"bbox_2d": [0.1, 0.2, 0.5, 0.6], "source": "observation_3"}'),
  call('{"bbox_2d": [0.1, 0.2, 0.5, 0.6], "source": "observation_"}'),
  call('{"bbox_2d": [0.1, 0.2, 0.5, 0.6], "source": "observation"}'),
  call('{"bbox_2d": [0.1, 0.2, 0.5, 0.6], "source": "observation_1abc"}'),
  call('{"bbox_2d": [0.1, 0.2, 0.5, 0.6], "source": "image_1"}'),
  call('{"source": "original_image", "bbox_2d": [0.1, 0.2, 0.5, 0.6]}'),
  call('{"bbox_2d":[0.1, 0.2, 0.5, 0.6], "source": "original_image"}'),
  call('{"bbox_2d": (0.1, 0.2, 0.5, 0.6), "source": "original_image"}'),
  call('{"bbox_2d": [0.1, 0.2, 0.5], "source": "original_image"}'),
  call('{"bbox_2d": [0.1, 0.2, 0.5, 0.6, 0.7], "source": "original_image"}'),
  call('{"bbox_2d": [x0, 0.2, 0.5, 0.6], "source": "original_image"}'),
  call('{"bbox_2d": [0.1, 0.2, 0.5, 0.6, "source": "original_image"}'),
  call('{"bbox_2d": [0.5, 0.2, 0.1, 0.6], "source": "original_image"}'),
  call('{"bbox_2d": [0.1, 0.6, 0.5, 0.2], "source": "original_image"}'),
  call('{"bbox_2d": [0.1, 0.1, 0.1001, 0.1], "source": "original_image"}'),
  call('{"bbox_2d": [0.0, 0.0, 1.0, 0.0005], "source": "original_image"}'),
  call('{"bbox_2d": [0.0, 0.4, 1.0, 0.4004], "source": "original_image"}'),
  call('{"bbox_2d": [-0.2, -1, 1.5, 2], "source": "original_image"}'),
  call('{"bbox_2d": [0, 0, 1, 1], "source": "observation_2"}'),
  call('{"bbox_2d": [True, False, 1, 1], "source": "original_image"}'),
  call('{"bbox_2d": [None, 0, 1, 1], "source": "original_image"}'),
  call('{"bbox_2d": [0.1e0, 2e-1, 5E-1, .6], "source": "original_image"}'),
  call('{"bbox_2d": [0.1, 0.2, 0.5, 0.6,], "source": "original_image"}'),
  call('{"bbox_2d": [0.333, 0.333, 0.667, 0.667], "source": "observation_1", "label": "x"}'),
  call('{"bbox_2d": [[0.1], 0.2, 0.5, 0.6], "source": "original_image"}'),
  call('{"bbox_2d": [0.1, 0.2, 0.5, 0.6], "source": "original_image" }'),
  call('{"bbox_2d": [], "source": "original_image"}'),
  call('{"bbox_2d": 0.1, 0.2, 0.5, 0.6, "source": "original_image"}'),
  'no call at all <answer>7</answer>',
  '<grounding>{"bbox_2d": [0.1, 0.2, 0.3, 0.4], "source": "original_image"}</grounding> then <grounding>{"bbox_2d": [0.5, 0.5, 0.9, 0.9], "source": "original_image"}</grounding>',
  '<grounding>\n{"bbox_2d": [0.1, 0.2, 0.3, 0.4], "source": "original_image"}\n</grounding>',
  call('{"bbox_2d": [0.5, 0.5, 0.5003, 0.9], "source": "original_image"}'),
  call('{"bbox_2d": [01, 0, 1, 1], "source": "original_image"}'),
  call('{"bbox_2d": [1_0, 0, 1, 1], "source": "original_image"}'),
];

test('strict tool-call handling equals Mini-o3 run by CPython on every case', () => {
  const payload = JSON.stringify(CASES.map((text) => ({ text, sizes: sizes.map((s) => [s.width, s.height]) })));
  const expected = JSON.parse(
    execFileSync('/usr/bin/python3', ['-c', PYTHON_REFERENCE], { input: payload, encoding: 'utf8' }),
  ) as Array<{ ok: true; source: number; box: number[] } | { ok: false; error: string }>;
  let inexact = 0;
  CASES.forEach((text, i) => {
    const got = resolveStrictCall(text, sizes);
    const want = expected[i]!;
    if (want.ok) {
      assert.ok(got.ok, `case ${i}: expected success, got ${JSON.stringify(got)}\n${text}`);
      if (got.ok) {
        assert.equal(got.sourceIndex, want.source, `case ${i}`);
        assert.deepEqual(got.pixelBox, want.box, `case ${i}`);
      }
    } else {
      assert.equal(got.ok, false, `case ${i}: expected failure "${want.error}"\n${text}`);
      if (!got.ok) {
        if (got.exact) assert.equal(got.errorInfo, want.error, `case ${i}\n${text}`);
        else inexact++;
      }
    }
  });
  // Only Python syntax errors we cannot reproduce word for word may be approximate.
  assert.ok(inexact <= 3, `${inexact} approximate error texts`);
});

test('failures are classified: parse problems are invalid_format, box problems invalid_clip', () => {
  const fmt = resolveStrictCall(call('{"bbox_2d": [0.1, 0.2], "source": "original_image"}'), sizes);
  assert.equal(fmt.ok, false);
  if (!fmt.ok) assert.equal(fmt.kind, 'format');
  const clip = resolveStrictCall(call('{"bbox_2d": [0.5, 0.2, 0.1, 0.6], "source": "original_image"}'), sizes);
  assert.equal(clip.ok, false);
  if (!clip.ok) {
    assert.equal(clip.kind, 'clip');
    assert.equal(clip.errorInfo, 'The bounding box is not valid in width: [2000, 600, 400, 1800]');
  }
});
