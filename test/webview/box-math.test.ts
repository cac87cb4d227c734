import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { dragBox, nudgeBox, toRelative } from '../../webview/edit/box-math';

const space = { width: 800, height: 400 };

describe('box math for dragging in source pixels', () => {
  test('moving keeps the size and stays inside the image', () => {
    assert.deepEqual(dragBox([100, 100, 200, 150], 'move', 50, -20, space), [150, 80, 250, 130]);
    assert.deepEqual(dragBox([100, 100, 200, 150], 'move', 1000, 1000, space), [700, 350, 800, 400]);
    assert.deepEqual(dragBox([100, 100, 200, 150], 'move', -1000, -1000, space), [0, 0, 100, 50]);
  });

  test('resizing moves only the held edges and never inverts the box', () => {
    assert.deepEqual(dragBox([100, 100, 200, 150], 'se', 30, 10, space), [100, 100, 230, 160]);
    assert.deepEqual(dragBox([100, 100, 200, 150], 'w', -30, 99, space), [70, 100, 200, 150]);
    assert.deepEqual(dragBox([100, 100, 200, 150], 'nw', 500, 500, space), [198, 148, 200, 150]);
    assert.deepEqual(dragBox([100, 100, 200, 150], 'e', 5000, 0, space), [100, 100, 800, 150]);
  });

  test('arrows move by 1% of the image, shift+arrows grow the bottom-right corner', () => {
    assert.deepEqual(nudgeBox([100, 100, 200, 150], 'ArrowRight', false, space), [108, 100, 208, 150]);
    assert.deepEqual(nudgeBox([100, 100, 200, 150], 'ArrowDown', true, space), [100, 100, 200, 154]);
    assert.equal(nudgeBox([100, 100, 200, 150], 'a', false, space), null);
  });

  test('relative coordinates of the source, at the grounding call\'s 3 decimals', () => {
    assert.deepEqual(toRelative([100, 100, 200, 150], space), [0.125, 0.25, 0.25, 0.375]);
    // 0.001 * 800 = 0.8 would truncate to pixel 0: the smallest 3-decimal value that stays on pixel 1 is 0.002.
    assert.deepEqual(toRelative([1, 1, 799, 399], space), [0.002, 0.003, 0.999, 0.998]);
  });
});

describe('relative coordinates survive Mini-o3\'s int() truncation', () => {
  test('every pixel edge maps back to the same pixel, on small and large sources', async () => {
    const { relativeToPixel } = await import('../../src/core/geometry/boxes');
    for (const side of [37, 800, 1234, 4000, 5000]) {
      const sp = { width: side, height: side };
      for (let p = 0; p < side; p += side > 1000 ? 7 : 1) {
        const q = Math.min(side - 1, p + 3);
        const rel = toRelative([p, p, q, q], sp);
        assert.deepEqual(relativeToPixel(rel, sp), [p, p, q, q], `side ${side}, pixel ${p}: ${rel.join(', ')}`);
      }
    }
  });
});
