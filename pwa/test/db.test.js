// db.js against a real Dexie on fake-indexeddb: what the screens read (the unsynced count,
// the visit list, the visit screen, the sync screen), the session, the device id, the wipe,
// and the one transaction that keeps a change with its outbox entry.
import 'fake-indexeddb/auto';

import assert from 'node:assert/strict';
import { test } from 'node:test';

import {
  deviceId, dismissRejection, getItem, getMeta, getPhoto, getSession, keepPhoto, putItem,
  setMeta, shellState, startSession, syncOverview, upcomingVisits, visitBundle, wipe,
  writeTogether,
} from '../src/db.js';
import { addPhoto, answerQuestion, createFinding, deleteFinding, setAnswerNote } from '../src/edits.js';
import { applyPage } from '../src/sync/pull.js';
import {
  change, EARLIER_VISIT, findingData, freshDb, OTHER_VISIT, page, target, VISIT, visitData,
} from './fixtures.js';

const rejection = (id, visitId = VISIT) => ({
  id, entity: 'answer', entity_id: 'a', visit_id: visitId, template_version: 3,
  fields: { value: 'x' }, code: 'visit_closed', message: 'Besöket är avslutat',
});

test('three edits of one answer and its note count as one unsynced change', async () => {
  const db = await freshDb('db-count');
  for (const value of ['yes', 'no', 'na']) await answerQuestion(db, target('a'), value);
  await setAnswerNote(db, target('a'), 'Trasig');
  assert.equal((await shellState(db)).unsynced, 1);
  await answerQuestion(db, target('b'), 'yes');
  assert.equal((await shellState(db)).unsynced, 2);
});

test('the shell shows open conflicts and refused changes', async () => {
  const db = await freshDb('db-shell');
  await applyPage(db, page(2, [
    change(1, 'conflict', 1, { id: 1, visit_id: VISIT, status: 'open' }),
    change(2, 'conflict', 2, { id: 2, visit_id: VISIT, status: 'resolved' }),
  ]));
  await setMeta(db, 'rejections', [rejection('r1'), rejection('r2')]);
  const shell = await shellState(db);
  assert.equal(shell.openConflicts, 1);
  assert.equal(shell.rejected, 2);
  assert.equal(shell.session.user.agency, 'miljo');
});

test('the visit list shows visits ending today or later, soonest first, with unsent counts', async () => {
  const db = await freshDb('db-upcoming');
  await applyPage(db, page(3, [
    change(1, 'visit', VISIT, visitData(VISIT, {
      planned_start: '2031-05-13T09:00:00+02:00', planned_end: '2031-05-13T10:00:00+02:00',
    })),
    change(2, 'visit', OTHER_VISIT, visitData(OTHER_VISIT, {
      planned_start: '2031-05-12T09:00:00+02:00', planned_end: '2031-05-12T10:00:00+02:00',
    })),
    change(3, 'visit', EARLIER_VISIT, visitData(EARLIER_VISIT, {
      planned_start: '2031-05-01T09:00:00+02:00', planned_end: '2031-05-01T10:00:00+02:00',
    })),
  ]));
  await answerQuestion(db, target('a'), 'yes');
  await answerQuestion(db, target('b'), 'no');
  const visits = await upcomingVisits(db, new Date('2031-05-12T12:00:00+02:00'));
  assert.deepEqual(visits.map((v) => [v.id, v.pending]), [[OTHER_VISIT, 0], [VISIT, 2]]);
});

test('the visit screen shows live items, earlier findings at the business, unsent and refused', async () => {
  const db = await freshDb('db-bundle');
  await applyPage(db, page(5, [
    change(1, 'visit', VISIT, visitData()),
    change(2, 'visit', EARLIER_VISIT, visitData(EARLIER_VISIT, { planned_start: '2030-11-02T09:00:00+01:00' })),
    change(3, 'template_version', 3, { id: 3, name: 'Miljö' }),
    change(4, 'finding', 'f-earlier', findingData('f-earlier', { visit_id: EARLIER_VISIT })),
    change(5, 'finding', 'f-earlier-gone', findingData('f-earlier-gone', { visit_id: EARLIER_VISIT, deleted: true })),
  ]));
  const kept = await createFinding(db, { visitId: VISIT, agency: 'miljo', fields: { description: 'Kvar' } });
  const removed = await createFinding(db, { visitId: VISIT, agency: 'miljo', fields: { description: 'Borta' } });
  await addPhoto(db, { visitId: VISIT, agency: 'miljo', findingId: removed }, {
    sha256: 'a'.repeat(64), data: new ArrayBuffer(4), type: 'image/jpeg', thumb: new ArrayBuffer(1),
  });
  await deleteFinding(db, removed);
  await answerQuestion(db, target('a'), 'yes');
  await setMeta(db, 'rejections', [rejection('r1'), rejection('r2', OTHER_VISIT)]);

  const bundle = await visitBundle(db, VISIT);
  assert.deepEqual(bundle.templates.map((t) => t.name), ['Miljö']);
  assert.deepEqual(bundle.findings.map((f) => f.id), [kept]);
  assert.deepEqual(bundle.photoLinks, []);
  assert.deepEqual(bundle.earlierFindings.map((f) => [f.id, f.visit.id]), [['f-earlier', EARLIER_VISIT]]);
  assert.ok(bundle.unsent.has(`finding:${kept}`));
  assert.ok(bundle.unsent.has(`answer:${VISIT}:3:a`));
  assert.deepEqual([...bundle.refused], [`answer:${VISIT}:3:a`]);
  assert.equal(await visitBundle(db, 'no-such-visit'), null);
  // An earlier visit does not list the later one's findings as earlier.
  assert.deepEqual((await visitBundle(db, EARLIER_VISIT)).earlierFindings, []);
});

test('discarding one refused change keeps the others', async () => {
  const db = await freshDb('db-dismiss');
  await setMeta(db, 'rejections', [rejection('r1'), rejection('r2')]);
  await dismissRejection(db, 'r1');
  assert.deepEqual((await syncOverview(db)).rejections.map((r) => r.id), ['r2']);
  assert.equal((await shellState(db)).rejected, 1);
});

test('the sync screen lists open and chosen conflicts, not resolved ones', async () => {
  const db = await freshDb('db-overview');
  await applyPage(db, page(3, [
    change(1, 'conflict', 1, { id: 1, visit_id: VISIT, status: 'open' }),
    change(2, 'conflict', 2, { id: 2, visit_id: VISIT, status: 'chosen' }),
    change(3, 'conflict', 3, { id: 3, visit_id: VISIT, status: 'resolved' }),
  ]));
  assert.deepEqual((await syncOverview(db)).conflicts.map((c) => c.id).sort(), [1, 2]);
});

test('the device id is made once and kept; a wipe makes way for a new one', async () => {
  const db = await freshDb('db-device');
  const [first, again] = await Promise.all([deviceId(db), deviceId(db)]);
  assert.equal(first, again);
  assert.equal(await deviceId(db), first);
  await wipe(db, 'signed_out');
  assert.notEqual(await deviceId(db), first);
});

test('signing in starts sync from cursor 0 and forgets why the last session ended', async () => {
  const db = await freshDb('db-session', { cursor: 'E1:77' });
  await setMeta(db, 'signedOut', { reason: 'device_revoked' });
  await startSession(db, { token: 'u', deviceId: 'd2', epoch: 'E3', user: { agency: 'tull' } });
  assert.equal((await getSession(db)).user.agency, 'tull');
  assert.equal(await getMeta(db, 'cursor'), '0');
  assert.equal((await shellState(db)).signedOut, null);
});

test('a wipe leaves nothing of the user and says why', async () => {
  const db = await freshDb('db-wipe');
  await applyPage(db, page(1, [change(1, 'visit', VISIT, visitData())]));
  await answerQuestion(db, target('a'), 'yes');
  await wipe(db, 'device_revoked');
  const shell = await shellState(db);
  assert.equal(shell.session, null);
  assert.equal(shell.unsynced, 0);
  assert.equal(shell.signedOut.reason, 'device_revoked');
  assert.deepEqual(await upcomingVisits(db, new Date('2031-05-01T00:00:00Z')), []);
  assert.equal(await getMeta(db, 'cursor'), undefined);
});

test('a failure inside writeTogether undoes every write made in it', async () => {
  const db = await freshDb('db-together');
  await assert.rejects(writeTogether(db, ['visit'], async () => {
    await putItem(db, 'visit', visitData());
    await setMeta(db, 'cursor', 'E1:9');
    throw new Error('stop');
  }), /stop/);
  assert.equal(await getItem(db, 'visit', VISIT), undefined);
  assert.equal(await getMeta(db, 'cursor'), undefined);
});

test('keepPhoto never replaces a photo the tablet already holds', async () => {
  const db = await freshDb('db-keep-photo');
  const sha = 'e'.repeat(64);
  await keepPhoto(db, { sha256: sha, state: 'pending', data: new ArrayBuffer(6) });
  await keepPhoto(db, { sha256: sha, state: 'remote' });
  const photo = await getPhoto(db, sha);
  assert.equal(photo.state, 'pending');
  assert.equal(photo.data.byteLength, 6);
});

test('photo bytes are kept as ArrayBuffers with their type; a Blob is refused', async () => {
  const db = await freshDb('db-photo-bytes');
  const bytes = new Uint8Array([0xff, 0xd8, 0xff, 0xe0]).buffer;
  await keepPhoto(db, { sha256: 'f'.repeat(64), state: 'pending', data: bytes, type: 'image/jpeg', thumb: bytes });
  const photo = await getPhoto(db, 'f'.repeat(64));
  assert.ok(photo.data instanceof ArrayBuffer && photo.thumb instanceof ArrayBuffer);
  assert.deepEqual([...new Uint8Array(photo.data)], [0xff, 0xd8, 0xff, 0xe0]);
  assert.equal(photo.type, 'image/jpeg');
  const blob = new Blob([bytes], { type: 'image/jpeg' });
  await assert.rejects(keepPhoto(db, { sha256: 'd'.repeat(64), state: 'pending', data: blob }), TypeError);
  await assert.rejects(keepPhoto(db, { sha256: 'd'.repeat(64), state: 'remote', thumb: blob }), TypeError);
  assert.equal(await getPhoto(db, 'd'.repeat(64)), undefined);
});

test('an item kind the database does not keep is an error, not a silent no-op', async () => {
  const db = await freshDb('db-unknown-kind');
  assert.throws(() => getItem(db, 'followup', 1), /no store for followup/);
});
