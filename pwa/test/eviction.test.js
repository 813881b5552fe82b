// Eviction against a real Dexie on fake-indexeddb: a visit that leaves the working set (a
// visit tombstone) leaves the tablet with its answers, findings, photos and signatures, but
// only once the server has acknowledged our own work on it, and only on a successful pull;
// a visit that comes back before that is kept.
import 'fake-indexeddb/auto';

import assert from 'node:assert/strict';
import { test } from 'node:test';

import {
  getItem, getMeta, getPhoto, outboxEntries, updateItem, visitBundle,
} from '../src/db.js';
import { addPhoto, addSignature, answerQuestion, createFinding } from '../src/edits.js';
import { acknowledge } from '../src/sync/outbox.js';
import { applyPage, pullChanges } from '../src/sync/pull.js';
import {
  change, findingData, freshDb, OTHER_VISIT, page, target, VISIT, visitData,
} from './fixtures.js';

const SHARED = 'b'.repeat(64); // a photo both visits use
const ONLY_HERE = 'c'.repeat(64);
const OURS = 'e'.repeat(64); // taken on this tablet, on VISIT

const link = (id, visitId, sha) => ({
  id, visit_id: visitId, agency: 'polis', photo_sha256: sha, finding_id: null, question_id: null,
  caption: '', visibility: 'joint', version: 1, deleted: false,
});

/** Two visits on the tablet, each with others' findings and photos; our own unsent work on VISIT. */
async function tabletWithWork(name) {
  const db = await freshDb(name);
  await applyPage(db, page(6, [
    change(1, 'visit', VISIT, visitData(VISIT, { status: 'closed' })),
    change(2, 'visit', OTHER_VISIT, visitData(OTHER_VISIT)),
    change(3, 'finding', 'f-1', findingData('f-1')),
    change(4, 'photo_link', 'l-1', link('l-1', VISIT, SHARED)),
    change(5, 'photo_link', 'l-2', link('l-2', VISIT, ONLY_HERE)),
    change(6, 'photo_link', 'l-3', link('l-3', OTHER_VISIT, SHARED)),
    change(6, 'site_person', 'p-1', {
      id: 'p-1', visit_id: VISIT, agency: 'polis', role: 'Kock', limited: true, version: 1,
    }),
  ]));
  await answerQuestion(db, target('ok'), 'yes');
  await createFinding(db, {
    visitId: VISIT, agency: 'miljo', fields: { severity: 'minor', description: 'Nödutgång blockerad' },
  });
  const image = { sha256: OURS, data: new ArrayBuffer(8), type: 'image/png', thumb: new ArrayBuffer(2) };
  await addSignature(db, { visitId: VISIT, agency: 'miljo', signerName: 'Ali Demir', signerRole: 'Ägare', image });
  return db;
}

/** The server takes our outbox and the photo bytes (acknowledged). */
async function serverHasOurWork(db) {
  await updateItem(db, 'photo', OURS, { state: 'uploaded', data: null });
  const entries = await outboxEntries(db);
  await acknowledge(db, entries, {
    results: entries.map((e) => ({ id: e.id, device_seq: e.seq, status: 'applied', version: 1 })),
    acked_seq: entries[entries.length - 1].seq,
  });
}

const failingApi = { pull: async () => ({ ok: false, network: true, error: { code: 'network' } }) };
const okApi = (...pages) => ({ pull: async () => ({ ok: true, data: pages.shift() }) });

test('an evicted visit stays while our work on it is unsent, and leaves once it is acknowledged', async () => {
  const db = await tabletWithWork('evict-after-ack');
  await applyPage(db, page(7, [change(7, 'visit', VISIT)])); // the eviction
  const kept = await visitBundle(db, VISIT);
  assert.equal(kept.visit.status, 'closed');
  assert.equal(kept.answers.length, 1);
  assert.equal(kept.signatures.length, 1);
  assert.equal((await getPhoto(db, OURS)).state, 'pending');
  assert.deepEqual(await getMeta(db, 'evicting'), [VISIT]);

  await serverHasOurWork(db);
  assert.equal(await visitBundle(db, VISIT) !== null, true); // not without a pull
  const pulled = await pullChanges(db, failingApi);
  assert.equal(pulled.ok, false);
  assert.notEqual(await visitBundle(db, VISIT), null); // nor on a failed one

  assert.equal((await pullChanges(db, okApi(page(7, [])))).ok, true);
  assert.equal(await visitBundle(db, VISIT), null);
  assert.equal(await getItem(db, 'finding', 'f-1'), undefined);
  assert.equal(await getItem(db, 'photo_link', 'l-1'), undefined);
  assert.equal(await getItem(db, 'site_person', 'p-1'), undefined); // identities leave too
  assert.equal(await getPhoto(db, ONLY_HERE), undefined);
  assert.equal(await getPhoto(db, OURS), undefined);
  assert.deepEqual(await getMeta(db, 'evicting'), []);
  // The other visit keeps everything, the photo it shares too.
  const other = await visitBundle(db, OTHER_VISIT);
  assert.deepEqual(other.photoLinks.map((l) => l.id), ['l-3']);
  assert.equal((await getPhoto(db, SHARED)).sha256, SHARED);
});

test('photo bytes not yet uploaded hold an eviction back', async () => {
  const db = await tabletWithWork('evict-photo-pending');
  await addPhoto(db, { visitId: VISIT, agency: 'miljo', findingId: null }, {
    sha256: 'f'.repeat(64), data: new ArrayBuffer(8), type: 'image/jpeg', thumb: new ArrayBuffer(2),
  });
  await serverHasOurWork(db); // the outbox is acknowledged, this photo's bytes are not
  await applyPage(db, page(7, [change(7, 'visit', VISIT)]));
  assert.notEqual(await visitBundle(db, VISIT), null);
  await updateItem(db, 'photo', 'f'.repeat(64), { state: 'uploaded', data: null });
  await applyPage(db, page(7, []));
  assert.equal(await visitBundle(db, VISIT), null);
});

test('a visit that comes back before its eviction was done is kept', async () => {
  const db = await tabletWithWork('evict-reopened');
  await applyPage(db, page(7, [change(7, 'visit', VISIT)]));
  await applyPage(db, page(8, [change(8, 'visit', VISIT, visitData(VISIT, { status: 'completed' }))]));
  await serverHasOurWork(db);
  await applyPage(db, page(8, []));
  const bundle = await visitBundle(db, VISIT);
  assert.equal(bundle.visit.status, 'completed');
  assert.equal(bundle.findings.length, 2);
});

test('a visit evicted with nothing unsent leaves at once, and comes back when reopened', async () => {
  const db = await freshDb('evict-now');
  await applyPage(db, page(2, [
    change(1, 'visit', VISIT, visitData()),
    change(2, 'finding', 'f-1', findingData('f-1')),
  ]));
  await applyPage(db, page(3, [change(3, 'visit', VISIT)]));
  assert.equal(await visitBundle(db, VISIT), null);
  assert.equal(await getItem(db, 'finding', 'f-1'), undefined);
  await applyPage(db, page(5, [
    change(4, 'visit', VISIT, visitData(VISIT, { status: 'completed' })),
    change(5, 'finding', 'f-1', findingData('f-1')),
  ]));
  assert.deepEqual((await visitBundle(db, VISIT)).findings.map((f) => f.id), ['f-1']);
});
