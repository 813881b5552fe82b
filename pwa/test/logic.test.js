// The evaluator passes every shared vector the Python evaluator passes.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';

import { checkAnswers } from '../src/checklist.js';
import { evaluate } from '../src/logic.js';

const vectors = JSON.parse(
  readFileSync(new URL('../../otto/checklists/condition_vectors.json', import.meta.url), 'utf8'),
);

test('there are shared vectors to pass', () => {
  assert.ok(vectors.length > 50);
});

for (const vector of vectors) {
  test(`vector: ${vector.name}`, () => {
    assert.equal(evaluate(vector.condition, vector.answers), vector.expected);
  });
}

test('an unknown op is an error, not false', () => {
  assert.throws(() => evaluate({ q: 'a', op: 'like', value: 1 }, { a: 1 }));
  assert.throws(() => evaluate({ q: 'a', op: 'in', value: 1 }, { a: 1 }));
  assert.throws(() => evaluate({ what: 1 }, {}));
});

test('a hidden question hides what depends on it, and its answer counts as missing', () => {
  const body = {
    sections: [{
      id: 's',
      questions: [
        { id: 'a', type: 'yesno', required: true },
        { id: 'b', type: 'yesno', required: true, show_if: { q: 'a', op: 'eq', value: 'yes' },
          deviation: { when: { q: 'b', op: 'eq', value: 'no' }, severity: 'major', text: 'B saknas' } },
        { id: 'c', type: 'photo', min_photos: 2, show_if: { q: 'b', op: 'eq', value: 'no' } },
      ],
    }],
  };
  const hidden = checkAnswers(body, { a: 'no', b: 'no', c: ['x'] });
  assert.deepEqual([...hidden.visible], ['a']);
  assert.deepEqual(hidden.deviations, []);
  const shown = checkAnswers(body, { a: 'yes', b: 'no', c: ['x'] });
  assert.deepEqual([...shown.visible], ['a', 'b', 'c']);
  assert.deepEqual(shown.missingRequired, ['c']);
  assert.deepEqual(shown.deviations, [
    { question_id: 'b', severity: 'major', legal_ref: '', text: 'B saknas' },
  ]);
});
