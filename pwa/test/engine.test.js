// The sync engine: a revoked device wipes its data and says why; a run pushes then pulls.
import 'fake-indexeddb/auto';

import assert from 'node:assert/strict';
import { test } from 'node:test';

import { getMeta, openDb, setMeta } from '../src/db.js';
import { answerQuestion } from '../src/edits.js';
import { createSyncer } from '../src/sync/engine.js';

const VISIT = '8d1c1c38-3c59-4b0e-9a43-7f0d3e1f0a11';
const target = { visitId: VISIT, templateVersionId: 3, agency: 'miljo', questionId: 'a' };
const fakeWindow = { navigator: { onLine: true }, addEventListener() {} };

async function signedIn(name) {
  const db = openDb(name);
  await setMeta(db, 'session', { token: 't', deviceId: 'd', epoch: 'E1', user: { agency: 'miljo' } });
  await answerQuestion(db, target, 'no');
  return db;
}

test('a revoked device wipes everything it holds and remembers why', async () => {
  const db = await signedIn('engine-revoked');
  const revoked = { ok: false, status: 401, error: { code: 'device_revoked', message: 'Revoked' } };
  const api = { uploadPhoto: async () => revoked, push: async () => revoked, pull: async () => revoked };
  const syncer = createSyncer({ db, api, win: fakeWindow, doc: null });
  await syncer.syncNow();
  assert.equal(await db.answers.count(), 0);
  assert.equal(await db.outbox.count(), 0);
  assert.equal(await getMeta(db, 'session', null), null);
  assert.equal((await getMeta(db, 'signedOut')).reason, 'device_revoked');
});

test('a sync run pushes the outbox, then pulls, and records its success', async () => {
  const db = await signedIn('engine-run');
  const calls = [];
  const api = {
    push: async (session, mutations) => {
      calls.push('push');
      return { ok: true, data: { results: mutations.map((m) => ({ id: m.id, device_seq: m.device_seq, status: 'applied', version: 1 })), acked_seq: 1 } };
    },
    pull: async () => {
      calls.push('pull');
      return { ok: true, data: { changes: [], next_cursor: 'E1:5', has_more: false, acked_seq: 1 } };
    },
  };
  const syncer = createSyncer({ db, api, win: fakeWindow, doc: null });
  assert.equal((await syncer.syncNow()).ok, true);
  assert.deepEqual(calls, ['push', 'pull']);
  assert.equal(await db.outbox.count(), 0);
  assert.equal(await getMeta(db, 'cursor'), 'E1:5');
  assert.equal((await getMeta(db, 'sync')).state, 'ok');
});
