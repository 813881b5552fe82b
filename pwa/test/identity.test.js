// The field app's identity and organisation number checks pass the shared vectors the
// server's otto/inspections/identity.py and org_number.py pass.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';

import { parseIdentityNumber, parseOrgNumber } from '../src/identity.js';

const vectors = JSON.parse(
  readFileSync(new URL('../../otto/inspections/identity_vectors.json', import.meta.url), 'utf8'),
);

test('there are shared identity vectors to pass', () => {
  assert.ok(vectors.identity_numbers.length >= 20);
  assert.ok(vectors.org_numbers.length >= 5);
});

for (const vector of vectors.identity_numbers) {
  test(`identity number vector: ${vector.note}`, () => {
    const result = parseIdentityNumber(vector.input, vectors.today);
    if (vector.valid) {
      assert.deepEqual(result, {
        ok: true, kind: vector.kind, number: vector.number, birth_date: vector.birth_date,
      });
    } else {
      assert.deepEqual(result, { ok: false, error: vector.error });
    }
  });
}

for (const vector of vectors.org_numbers) {
  test(`organisation number vector: ${vector.note}`, () => {
    const result = parseOrgNumber(vector.input);
    assert.deepEqual(result, vector.valid
      ? { ok: true, number: vector.number }
      : { ok: false, error: vector.error });
  });
}
