// The outbox and pull against a real Dexie on fake-indexeddb: a change and its entry are
// written atomically, entries are numbered and chained, and leave only once acknowledged.
import 'fake-indexeddb/auto';

import assert from 'node:assert/strict';
import { test } from 'node:test';

import { answerKey, getMeta, openDb, setMeta } from '../src/db.js';
import {
  addPhoto, answerQuestion, createFinding, deleteFinding, setAnswerNote, updateFinding,
} from '../src/edits.js';
import { pushOutbox } from '../src/sync/outbox.js';
import { applyPage } from '../src/sync/pull.js';

const VISIT = '8d1c1c38-3c59-4b0e-9a43-7f0d3e1f0a11';
const target = (questionId) => ({
  visitId: VISIT, templateVersionId: 3, agency: 'miljo', questionId,
});
let dbCount = 0;

async function freshDb() {
  dbCount += 1;
  const db = openDb(`outbox-test-${dbCount}`);
  await setMeta(db, 'session', { token: 't', deviceId: 'd', epoch: 'E1', user: { agency: 'miljo' } });
  return db;
}

/** A fake push endpoint that records what it got and answers from a script. */
function fakeApi(answers) {
  const calls = [];
  return {
    calls,
    push: async (session, mutations) => {
      calls.push({ session, mutations });
      const answer = answers.shift();
      return typeof answer === 'function' ? answer(mutations) : answer;
    },
  };
}

const applyAll = (mutations) => ({
  ok: true,
  data: {
    results: mutations.map((m) => ({ id: m.id, device_seq: m.device_seq, status: 'applied', version: 1 })),
    acked_seq: Math.max(...mutations.map((m) => m.device_seq)),
  },
});

test('an answer and its outbox entry are saved together, numbered from 1', async () => {
  const db = await freshDb();
  await answerQuestion(db, target('egenkontroll'), 'no');
  await answerQuestion(db, target('kem-hanteras'), 'yes');
  const entries = await db.outbox.orderBy('seq').toArray();
  assert.deepEqual(entries.map((e) => e.seq), [1, 2]);
  assert.deepEqual(entries[0].fields, { value: 'no' });
  assert.equal(entries[0].entity, 'answer');
  assert.equal(entries[0].entity_id, 'egenkontroll');
  assert.equal(entries[0].template_version, 3);
  assert.equal(entries[0].base_version, 0);
  assert.equal(entries[0].prev_id, null);
  assert.match(entries[0].client_time, /T\d\d:\d\d:\d\d\.\d{3}[+-]\d\d:\d\d$/);
  const answer = await db.answers.get(answerKey(VISIT, 3, 'egenkontroll'));
  assert.equal(answer.value, 'no');
  assert.equal(await getMeta(db, 'nextSeq'), 3);
});

test('when the outbox write fails, the change is not saved either', async () => {
  const db = await freshDb();
  db.outbox.hook('creating', () => {
    throw new Error('disk full');
  });
  await assert.rejects(answerQuestion(db, target('egenkontroll'), 'no'), /disk full/);
  assert.equal(await db.answers.count(), 0);
  assert.equal(await db.outbox.count(), 0);
  assert.equal(await getMeta(db, 'nextSeq', 1), 1);
});

test('three offline edits of one field chain each to the previous by prev_id', async () => {
  const db = await freshDb();
  for (const value of ['yes', 'no', 'na']) await answerQuestion(db, target('tobak-saljs'), value);
  await setAnswerNote(db, target('tobak-saljs'), 'Kassan');
  const [first, second, third, note] = await db.outbox.orderBy('seq').toArray();
  assert.equal(first.prev_id, null);
  assert.equal(second.prev_id, first.id);
  assert.equal(third.prev_id, second.id);
  // The note is another field: its own chain, and it carries the current value unchanged.
  assert.equal(note.prev_id, null);
  assert.deepEqual(note.fields, { value: 'na', note: 'Kassan' });
});

test('a finding is a local draft until it has a description, then one create, then per field', async () => {
  const db = await freshDb();
  await applyPage(db, {
    changes: [{ seq: 1, entity: 'visit', id: VISIT, data: {
      id: VISIT, business: { id: 7 }, participants: [{ agency: 'miljo', default_visibility: 'joint' }],
    } }],
    next_cursor: 'E1:1',
  });
  const id = await createFinding(db, { visitId: VISIT, agency: 'miljo', fields: {} });
  assert.equal(await db.outbox.count(), 0);
  await updateFinding(db, id, { severity: 'major' });
  await updateFinding(db, id, { description: 'Egenkontroll saknas' });
  await updateFinding(db, id, { description: 'Egenkontroll saknas helt', legal_ref: 'MB 26:19' });
  await updateFinding(db, id, { description: 'Egenkontroll saknas.' });
  await deleteFinding(db, id);
  const [create, description, legalRef, again, deletion] = await db.outbox.orderBy('seq').toArray();
  assert.equal(create.fields.severity, 'major');
  assert.equal(create.fields.description, 'Egenkontroll saknas');
  assert.equal(create.fields.visibility, 'joint');
  assert.deepEqual(description.fields, { description: 'Egenkontroll saknas helt' });
  assert.equal(description.prev_id, create.id);
  assert.deepEqual(legalRef.fields, { legal_ref: 'MB 26:19' });
  assert.equal(again.prev_id, description.id);
  assert.deepEqual(deletion.fields, { deleted: true });
  assert.equal((await db.findings.get(id)).deleted, true);
});

test('a photo, its link, the question answer and their entries are one transaction', async () => {
  const db = await freshDb();
  const sha = 'a'.repeat(64);
  const photo = { sha256: sha, data: new ArrayBuffer(4), type: 'image/jpeg', thumb: new ArrayBuffer(2) };
  await addPhoto(db, target('kem-foto'), photo);
  const entries = await db.outbox.orderBy('seq').toArray();
  assert.deepEqual(entries.map((e) => e.entity), ['photo_link', 'answer']);
  assert.equal(entries[0].fields.question_id, 'kem-foto');
  assert.deepEqual(entries[1].fields, { value: [sha] });
  assert.equal((await db.photos.get(sha)).state, 'pending');
});

test('entries leave the outbox only once acked_seq covers them; rejections are kept', async () => {
  const db = await freshDb();
  for (const value of ['yes', 'no', 'na']) await answerQuestion(db, target('a'), value);
  const api = fakeApi([
    { ok: false, network: true, error: { code: 'network' } },
    (mutations) => ({
      ok: true,
      data: {
        results: [
          { id: mutations[0].id, device_seq: 1, status: 'applied', version: 1 },
          { id: mutations[1].id, device_seq: 2, status: 'rejected', code: 'visit_closed', message: 'Stängt' },
        ],
        acked_seq: 2,
      },
    }),
    { ok: false, network: true, error: { code: 'bad_response' } },
  ]);
  const lost = await pushOutbox(db, api);
  assert.equal(lost.ok, false);
  assert.equal(await db.outbox.count(), 3);
  const partly = await pushOutbox(db, api);
  assert.equal(partly.ok, false);
  assert.deepEqual((await db.outbox.toArray()).map((e) => e.seq), [3]);
  const [rejection] = await getMeta(db, 'rejections');
  assert.equal(rejection.code, 'visit_closed');
  assert.equal((await db.answers.get(answerKey(VISIT, 3, 'a'))).version, 1);
  // The same mutations are sent again after a lost answer: same ids, same seqs.
  assert.deepEqual(api.calls[0].mutations.slice(0, 2), api.calls[1].mutations.slice(0, 2));
  assert.deepEqual(api.calls[2].mutations.map((m) => m.device_seq), [3]);
});

test('a duplicate answer for a mutation counts as its acknowledgement', async () => {
  const db = await freshDb();
  await answerQuestion(db, target('a'), 'yes');
  const api = fakeApi([(mutations) => ({
    ok: true,
    data: {
      results: [{ id: mutations[0].id, device_seq: 1, status: 'duplicate', original: { status: 'applied', version: 4 } }],
      acked_seq: 1,
    },
  })]);
  assert.deepEqual(await pushOutbox(db, api), { ok: true, pushed: 1 });
  assert.equal(await db.outbox.count(), 0);
  assert.equal((await db.answers.get(answerKey(VISIT, 3, 'a'))).version, 4);
});

test('seq_gap: what we hold is renumbered from the expected seq and sent again', async () => {
  const db = await freshDb();
  await setMeta(db, 'nextSeq', 5);
  await answerQuestion(db, target('a'), 'yes');
  await answerQuestion(db, target('b'), 'no');
  const api = fakeApi([
    { ok: false, status: 409, error: { code: 'seq_gap', message: '', details: { expected_seq: 2 } } },
    applyAll,
  ]);
  assert.deepEqual(await pushOutbox(db, api), { ok: true, pushed: 2 });
  assert.deepEqual(api.calls[0].mutations.map((m) => m.device_seq), [5, 6]);
  assert.deepEqual(api.calls[1].mutations.map((m) => m.device_seq), [2, 3]);
  assert.deepEqual(api.calls[1].mutations.map((m) => m.id), api.calls[0].mutations.map((m) => m.id));
  assert.equal(await getMeta(db, 'nextSeq'), 4);
  assert.equal(await db.outbox.count(), 0);
});

test('epoch_reset on push: adopt the new epoch, pull from 0 next, resend what we hold', async () => {
  const db = await freshDb();
  await setMeta(db, 'cursor', 'E1:40');
  await answerQuestion(db, target('a'), 'yes');
  const api = fakeApi([
    { ok: false, status: 409, error: { code: 'epoch_reset', message: '', details: { epoch: 'E2' } } },
    applyAll,
  ]);
  assert.equal((await pushOutbox(db, api)).ok, true);
  assert.equal(api.calls[1].session.epoch, 'E2');
  assert.equal(await getMeta(db, 'cursor'), '0');
});

test('a pull page keeps unsent local values, takes the rest, and saves its cursor', async () => {
  const db = await freshDb();
  await answerQuestion(db, target('a'), 'yes');
  const serverAnswer = (questionId, value) => ({
    seq: 7, entity: 'answer', id: questionId === 'a' ? '11' : '12',
    data: {
      id: questionId === 'a' ? 11 : 12, visit_id: VISIT, agency: 'miljo', template_version_id: 3,
      question_id: questionId, value, note: '', visibility: 'joint', version: 2,
    },
  });
  await applyPage(db, {
    changes: [serverAnswer('a', 'no'), serverAnswer('b', 'no'),
      { seq: 8, entity: 'finding', id: 'gone', deleted: true }],
    next_cursor: 'E1:8', has_more: false, acked_seq: 0,
  });
  const mine = await db.answers.get(answerKey(VISIT, 3, 'a'));
  assert.equal(mine.value, 'yes');
  assert.equal(mine.version, 2);
  assert.equal((await db.answers.get(answerKey(VISIT, 3, 'b'))).value, 'no');
  assert.equal(await getMeta(db, 'cursor'), 'E1:8');
  await applyPage(db, {
    changes: [{ seq: 9, entity: 'answer', id: '12', deleted: true }],
    next_cursor: 'E1:9', has_more: false, acked_seq: 0,
  });
  assert.equal(await db.answers.get(answerKey(VISIT, 3, 'b')), undefined);
});
