// Sync retries back off exponentially, are capped, and start over after reset().
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { createBackoff } from '../src/sync/backoff.js';

test('delays double up to the cap and reset starts over', () => {
  const backoff = createBackoff({ baseMs: 1000, maxMs: 8000, random: () => 1 });
  assert.deepEqual([1, 2, 3, 4, 5].map(() => backoff.next()), [1000, 2000, 4000, 8000, 8000]);
  backoff.reset();
  assert.equal(backoff.next(), 1000);
});

test('jitter keeps every delay between half and all of its ceiling', () => {
  const backoff = createBackoff({ baseMs: 1000, maxMs: 8000, random: () => 0 });
  assert.deepEqual([1, 2, 3].map(() => backoff.next()), [500, 1000, 2000]);
});
