// Pull against a real Dexie on fake-indexeddb: a page's new, updated and deleted items and
// its cursor are stored in one transaction; the cursor moves only once its page is stored;
// items the server withdraws leave the tablet; our unsent changes survive a pull.
import 'fake-indexeddb/auto';

import assert from 'node:assert/strict';
import { test } from 'node:test';

import {
  answerKey, getItem, getMeta, getPhoto, outboxEntries, setMeta, syncOverview, visitBundle,
} from '../src/db.js';
import { addPhoto, answerQuestion, createFinding, resolveConflict, updateFinding } from '../src/edits.js';
import { acknowledge } from '../src/sync/outbox.js';
import { applyPage, pullChanges } from '../src/sync/pull.js';
import {
  change, findingData, freshDb, OTHER_VISIT, page, target, VISIT, visitData,
} from './fixtures.js';

/** A fake pull endpoint answering from a script, recording the cursors it was asked for. */
function fakePull(answers) {
  const cursors = [];
  return {
    cursors,
    pull: async (session, cursor) => {
      cursors.push(cursor);
      return answers.shift();
    },
  };
}

const answerData = (serverId, questionId, value, overrides = {}) => ({
  id: serverId, visit_id: VISIT, agency: 'miljo', template_version_id: 3, question_id: questionId,
  value, note: '', visibility: 'joint', version: 1, ...overrides,
});

/** Acknowledge everything in the outbox as applied (the push went through). */
async function pushed(db, version = 1) {
  const entries = await outboxEntries(db);
  await acknowledge(db, entries, {
    results: entries.map((e) => ({ id: e.id, device_seq: e.seq, status: 'applied', version })),
    acked_seq: entries[entries.length - 1].seq,
  });
}

test('a page stores new, changed and deleted items together with its cursor', async () => {
  const db = await freshDb('pull-page');
  await applyPage(db, page(3, [
    change(1, 'visit', VISIT, visitData()),
    change(2, 'finding', 'f-keep', findingData('f-keep')),
    change(3, 'finding', 'f-gone', findingData('f-gone')),
  ]));
  await applyPage(db, page(6, [
    change(4, 'visit', VISIT, visitData(VISIT, { status: 'in_progress' })),
    change(5, 'finding', 'f-keep', findingData('f-keep', { description: 'Skylt saknas vid kassan', version: 2 })),
    change(6, 'finding', 'f-gone'),
    change(6, 'finding', 'f-new', findingData('f-new', { severity: 'major' })),
  ]));
  const bundle = await visitBundle(db, VISIT);
  assert.equal(bundle.visit.status, 'in_progress');
  assert.equal(bundle.visit.business_id, 7);
  assert.deepEqual(
    bundle.findings.map((f) => [f.id, f.description]).sort(),
    [['f-keep', 'Skylt saknas vid kassan'], ['f-new', 'Skylt saknas']],
  );
  assert.equal(await getMeta(db, 'cursor'), 'E1:6');
});

test('a page that fails half way leaves nothing of it stored and the cursor where it was', async () => {
  const db = await freshDb('pull-atomic');
  await applyPage(db, page(2, [
    change(1, 'visit', VISIT, visitData()),
    change(2, 'finding', 'f-old', findingData('f-old')),
  ]));
  // The tablet runs out of space while storing the page's last item.
  db.signatures.hook('creating', () => {
    throw new Error('QuotaExceededError');
  });
  await assert.rejects(applyPage(db, page(5, [
    change(3, 'visit', VISIT, visitData(VISIT, { status: 'in_progress' })),
    change(4, 'finding', 'f-old'),
    change(4, 'finding', 'f-new', findingData('f-new')),
    change(5, 'signature', 'sig-1', {
      id: 'sig-1', visit_id: VISIT, agency: 'miljo', signer_name: 'Eva', image_sha256: 'b'.repeat(64),
    }),
  ])), /QuotaExceededError/);
  const bundle = await visitBundle(db, VISIT);
  assert.equal(bundle.visit.status, 'planned');
  assert.deepEqual(bundle.findings.map((f) => f.id), ['f-old']);
  assert.deepEqual(bundle.signatures, []);
  assert.equal(await getMeta(db, 'cursor'), 'E1:2');
});

test('the cursor moves only after its page is stored; the next pull asks from there', async () => {
  const db = await freshDb('pull-cursor', { cursor: 'E1:0' });
  const api = fakePull([
    { ok: true, data: page(2, [change(1, 'visit', VISIT, visitData()), change(2, 'finding', 'f1', findingData('f1'))], true) },
    { ok: false, network: true, error: { code: 'network' } },
    { ok: true, data: page(3, [change(3, 'finding', 'f2', findingData('f2'))]) },
  ]);
  const lost = await pullChanges(db, api);
  assert.equal(lost.ok, false);
  assert.equal(await getMeta(db, 'cursor'), 'E1:2');
  assert.deepEqual((await visitBundle(db, VISIT)).findings.map((f) => f.id), ['f1']);
  assert.deepEqual(await pullChanges(db, api), { ok: true, applied: 1 });
  assert.deepEqual(api.cursors, ['E1:0', 'E1:2', 'E1:2']);
  assert.equal(await getMeta(db, 'cursor'), 'E1:3');
});

test('a page that cannot be stored keeps the earlier pages and their cursor', async () => {
  const db = await freshDb('pull-cursor-broken', { cursor: 'E1:0' });
  const api = fakePull([
    { ok: true, data: page(1, [change(1, 'visit', VISIT, visitData())], true) },
    // A malformed page: an answer without its data.
    { ok: true, data: page(2, [change(2, 'finding', 'f1', findingData('f1')), { seq: 2, entity: 'answer', id: '9', data: null }]) },
  ]);
  await assert.rejects(pullChanges(db, api), TypeError);
  assert.equal(await getMeta(db, 'cursor'), 'E1:1');
  const bundle = await visitBundle(db, VISIT);
  assert.equal(bundle.visit.id, VISIT);
  assert.deepEqual(bundle.findings, []);
});

test('items the server withdraws (made agency-only by another agency) leave the tablet', async () => {
  const db = await freshDb('pull-withdrawn');
  const sha = 'c'.repeat(64);
  await applyPage(db, page(6, [
    change(1, 'visit', VISIT, visitData()),
    change(2, 'finding', 'f-polis', findingData('f-polis')),
    change(3, 'photo_link', 'l-polis', {
      id: 'l-polis', visit_id: VISIT, agency: 'polis', photo_sha256: sha, finding_id: 'f-polis',
      question_id: null, caption: '', visibility: 'joint', version: 1, deleted: false,
    }),
    change(4, 'answer', 31, answerData(31, 'vapen', 'yes', { agency: 'polis', template_version_id: 4 })),
    change(5, 'conflict', 12, { id: 12, visit_id: VISIT, status: 'open', candidates: [] }),
    change(6, 'signature', 'sig-polis', { id: 'sig-polis', visit_id: VISIT, agency: 'polis' }),
  ]));
  const before = await visitBundle(db, VISIT);
  assert.deepEqual(
    [before.findings.length, before.photoLinks.length, before.answers.length, before.conflicts.length, before.signatures.length],
    [1, 1, 1, 1, 1],
  );
  await applyPage(db, page(12, [
    change(7, 'finding', 'f-polis'),
    change(8, 'photo_link', 'l-polis'),
    change(9, 'answer', 31),
    change(10, 'conflict', 12),
    change(11, 'signature', 'sig-polis'),
  ]));
  const after = await visitBundle(db, VISIT);
  assert.deepEqual(
    [after.findings, after.photoLinks, after.answers, after.conflicts, after.signatures],
    [[], [], [], [], []],
  );
  assert.equal(await getItem(db, 'finding', 'f-polis'), undefined);
  assert.equal(await getItem(db, 'photo_link', 'l-polis'), undefined);
});

test('a visit the inspector no longer takes part in leaves the visit list', async () => {
  const db = await freshDb('pull-visit-gone');
  await applyPage(db, page(2, [
    change(1, 'visit', VISIT, visitData()),
    change(2, 'visit', OTHER_VISIT, visitData(OTHER_VISIT)),
  ]));
  await applyPage(db, page(3, [change(3, 'visit', OTHER_VISIT)]));
  assert.equal(await visitBundle(db, OTHER_VISIT), null);
  assert.equal((await visitBundle(db, VISIT)).visit.id, VISIT);
});

test('a soft-deleted finding in the feed is removed like a tombstone', async () => {
  const db = await freshDb('pull-soft-deleted');
  await applyPage(db, page(1, [change(1, 'finding', 'f1', findingData('f1'))]));
  await applyPage(db, page(2, [change(2, 'finding', 'f1', findingData('f1', { deleted: true, version: 2 }))]));
  assert.equal(await getItem(db, 'finding', 'f1'), undefined);
});

test('our unsent finding keeps its local values through a pull and learns the version', async () => {
  const db = await freshDb('pull-own-finding');
  const id = await createFinding(db, { visitId: VISIT, agency: 'miljo', fields: { description: 'Egenkontroll saknas' } });
  await updateFinding(db, id, { description: 'Egenkontroll saknas helt' });
  await applyPage(db, page(4, [change(4, 'finding', id, findingData(id, {
    agency: 'miljo', description: 'Egenkontroll saknas', version: 1,
  }))]));
  const local = await getItem(db, 'finding', id);
  assert.equal(local.description, 'Egenkontroll saknas helt');
  assert.equal(local.version, 1);
  // Once the push went through, the server's state is taken as it comes.
  await pushed(db, 2);
  await applyPage(db, page(5, [change(5, 'finding', id, findingData(id, {
    agency: 'miljo', description: 'Egenkontroll saknas helt', severity: 'major', version: 3,
  }))]));
  const synced = await getItem(db, 'finding', id);
  assert.equal(synced.severity, 'major');
  assert.equal(synced.version, 3);
  assert.ok(synced._m.description, 'the chain of our edits is kept');
});

test('an answer with unsent changes survives the server withdrawing its row', async () => {
  const db = await freshDb('pull-own-answer');
  await applyPage(db, page(1, [change(1, 'answer', 21, answerData(21, 'a', 'yes'))]));
  await answerQuestion(db, target('a'), 'no');
  await applyPage(db, page(2, [change(2, 'answer', 21)]));
  assert.equal((await getItem(db, 'answer', answerKey(VISIT, 3, 'a'))).value, 'no');
  await pushed(db);
  await applyPage(db, page(3, [change(3, 'answer', 21)]));
  assert.equal(await getItem(db, 'answer', answerKey(VISIT, 3, 'a')), undefined);
});

test('a conflict we resolved shows our choice until the server has it', async () => {
  const db = await freshDb('pull-conflict');
  const conflict = { id: 12, visit_id: VISIT, status: 'open', candidates: [{ value: 'yes' }, { value: 'no' }] };
  await applyPage(db, page(1, [change(1, 'conflict', 12, conflict)]));
  await resolveConflict(db, conflict, 1);
  await applyPage(db, page(2, [change(2, 'conflict', 12, conflict)]));
  let [shown] = (await syncOverview(db)).conflicts;
  assert.equal(shown.status, 'chosen');
  assert.equal(shown.chosen, 1);
  await pushed(db);
  await applyPage(db, page(3, [change(3, 'conflict', 12, { ...conflict, status: 'resolved' })]));
  assert.deepEqual((await syncOverview(db)).conflicts, []);
  shown = await getItem(db, 'conflict', 12);
  assert.equal(shown.status, 'resolved');
});

test("another inspector's photo becomes known without replacing bytes we still hold", async () => {
  const db = await freshDb('pull-photos');
  const ours = 'a'.repeat(64);
  const theirs = 'd'.repeat(64);
  await addPhoto(db, { visitId: VISIT, agency: 'miljo', findingId: null }, {
    sha256: ours, data: new ArrayBuffer(8), type: 'image/jpeg', thumb: new ArrayBuffer(2),
  });
  const link = (id, sha) => ({
    id, visit_id: VISIT, agency: 'tull', photo_sha256: sha, finding_id: null, question_id: null,
    caption: '', visibility: 'joint', version: 1, deleted: false,
  });
  await applyPage(db, page(2, [
    change(1, 'photo_link', 'l-1', link('l-1', ours)),
    change(2, 'photo_link', 'l-2', link('l-2', theirs)),
  ]));
  const kept = await getPhoto(db, ours);
  assert.equal(kept.state, 'pending');
  assert.equal(kept.data.byteLength, 8);
  assert.deepEqual(await getPhoto(db, theirs), { sha256: theirs, state: 'remote' });
});

test('template versions are stored and withdrawn by their numeric id', async () => {
  const db = await freshDb('pull-templates');
  await applyPage(db, page(2, [
    change(1, 'visit', VISIT, visitData()),
    change(2, 'template_version', 3, { id: 3, name: 'Miljö', questions: [] }),
  ]));
  assert.deepEqual((await visitBundle(db, VISIT)).templates.map((t) => t.id), [3]);
  await applyPage(db, page(3, [change(3, 'template_version', 3)]));
  assert.deepEqual((await visitBundle(db, VISIT)).templates, []);
});

test('entities this app version does not know are skipped, the rest of the page is stored', async () => {
  const db = await freshDb('pull-unknown');
  await applyPage(db, page(2, [
    change(1, 'followup_v9', 'x', { id: 'x' }),
    change(2, 'visit', VISIT, visitData()),
  ]));
  assert.equal((await visitBundle(db, VISIT)).visit.id, VISIT);
  assert.equal(await getMeta(db, 'cursor'), 'E1:2');
});

test('a pull failure (epoch_reset) is handed to the caller and stores nothing', async () => {
  const db = await freshDb('pull-epoch', { cursor: 'E1:40' });
  const reset = { ok: false, status: 409, error: { code: 'epoch_reset', details: { epoch: 'E2' } } };
  assert.deepEqual(await pullChanges(db, fakePull([reset])), reset);
  assert.equal(await getMeta(db, 'cursor'), 'E1:40');
});

test('a signed-out tablet does not pull', async () => {
  const db = await freshDb('pull-signed-out');
  await setMeta(db, 'session', null);
  const api = fakePull([]);
  assert.deepEqual(await pullChanges(db, api), { ok: false, error: { code: 'signed_out' } });
  assert.deepEqual(api.cursors, []);
});
