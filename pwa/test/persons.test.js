// Persons on site on the tablet: the form is checked with the shared identity rules and
// Swedish words, a person and this agency's observations are saved with their outbox
// entries, recording the same number twice edits the first record, and another agency's
// person arrives from the server as "a person was recorded, with role" only.
import 'fake-indexeddb/auto';

import assert from 'node:assert/strict';
import { test } from 'node:test';

import { outboxEntries, visitPersons } from '../src/db.js';
import { checkPerson, observePerson, savePerson } from '../src/person-edits.js';
import { applyPage } from '../src/sync/pull.js';
import { change, freshDb, page, VISIT } from './fixtures.js';

const TODAY = '2026-12-05';

test('an invalid number is refused naming the check digit, a corrected one is normalised', () => {
  const wrong = checkPerson({ name: 'Ali Rahimi', id_number: '811218-9877' }, TODAY);
  assert.deepEqual(wrong, { ok: false, errors: { id_number: 'check_digit' } });
  const right = checkPerson({ name: 'Ali Rahimi', id_number: '811218-9876' }, TODAY);
  assert.equal(right.fields.id_number, '19811218-9876');
  assert.equal(right.fields.birth_date, '1981-12-18');
  const missing = checkPerson({ name: 'Minh', missing: true, missing_reason: '' }, TODAY);
  assert.deepEqual(missing.errors, { missing_reason: 'missing_reason', birth_date: 'birth_date' });
  const badEmployer = checkPerson(
    { name: 'A', id_number: '811218-9876', employer_org_number: '556677-8898' }, TODAY,
  );
  assert.deepEqual(badEmployer.errors, { employer_org_number: 'org_number' });
});

test('a person and an observation are saved with their mutations; a repeat edits the first', async () => {
  const db = await freshDb('persons');
  const fields = checkPerson({ name: 'Ali Rahimi', id_number: '811218-9876', role: 'Kock' }, TODAY).fields;
  const id = await savePerson(db, { visitId: VISIT, agency: 'polis', fields });
  const again = await savePerson(db, {
    visitId: VISIT, agency: 'polis', fields: { ...fields, role: 'Diskare' },
  });
  assert.equal(again, id);
  await observePerson(db, { visitId: VISIT, personId: id, agency: 'polis', changes: { right_to_work: 'no' } });
  const [person] = await visitPersons(db, VISIT);
  assert.equal(person.role, 'Diskare');
  assert.equal(person.observations[0].right_to_work, 'no');
  const entries = await outboxEntries(db);
  assert.deepEqual(entries.map((e) => e.entity), ['site_person', 'site_person', 'person_observation']);
  assert.equal(entries[0].fields.id_number, '19811218-9876');
  assert.equal(entries[0].fields.visibility, 'agency');
  assert.deepEqual(entries[1].fields, { role: 'Diskare' });
  assert.equal(entries[1].prev_id, entries[0].id);
  assert.deepEqual(entries[2].fields, { person_id: id, right_to_work: 'no' });
});

test("another agency's person arrives with role only, and takes this agency's observation", async () => {
  const db = await freshDb('persons-limited');
  const id = '5b7f9a3e-0000-4000-8000-00000000000a';
  await applyPage(db, page(1, [change(1, 'site_person', id, {
    id, visit_id: VISIT, agency: 'polis', role: 'Kock', version: 1, limited: true,
  })]));
  await observePerson(db, { visitId: VISIT, personId: id, agency: 'skatt', changes: { in_ledger: 'no' } });
  const [person] = await visitPersons(db, VISIT);
  assert.equal(person.limited, true);
  assert.equal(person.name, undefined);
  assert.deepEqual(person.observations.map((o) => [o.agency, o.in_ledger]), [['skatt', 'no']]);
});
