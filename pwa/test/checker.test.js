// The field app's checklist evaluator passes the shared checker vectors the server's
// checker (otto/checklists/checker.py) passes: which questions are visible, which required
// ones are missing, which deviation rules suggest a finding.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';

import { checkAnswers } from '../src/checklist.js';

const { vectors } = JSON.parse(
  readFileSync(new URL('../../otto/checklists/checker_vectors.json', import.meta.url), 'utf8'),
);

test('there are shared checker vectors to pass', () => {
  assert.ok(vectors.length >= 10);
});

for (const vector of vectors) {
  test(`checker vector: ${vector.name}`, () => {
    const result = checkAnswers(vector.template, vector.answers);
    assert.deepEqual([...result.visible], vector.expected.visible);
    assert.deepEqual(result.missingRequired, vector.expected.missing);
    assert.deepEqual(result.deviations.map((d) => d.question_id), vector.expected.deviations);
  });
}
