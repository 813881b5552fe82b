// Local edits against a real Dexie on fake-indexeddb: each change is saved with its outbox
// entry or not at all; a finding is a draft until it has a description (its photos wait with
// it); removing a photo can be undone; discarding a draft leaves nothing to send.
import 'fake-indexeddb/auto';

import assert from 'node:assert/strict';
import { test } from 'node:test';

import {
  answerKey, getItem, getPhoto, outboxEntries, shellState, syncOverview, visitBundle,
} from '../src/db.js';
import {
  addPhoto, addSignature, answerWithImage, createFinding, deleteFinding, removePhoto,
  resolveConflict, setVisitStatus, updateFinding,
} from '../src/edits.js';
import { applyPage } from '../src/sync/pull.js';
import { change, freshDb, page, target, VISIT, visitData } from './fixtures.js';

const photo = (letter, size = 8) => ({
  sha256: letter.repeat(64), data: new ArrayBuffer(size), type: 'image/jpeg', thumb: new ArrayBuffer(2),
});
const onFinding = (findingId, agency = 'miljo') => ({ visitId: VISIT, agency, findingId });
const sent = async (db) => (await outboxEntries(db)).map((e) => [e.entity, e.fields]);

test('when the outbox write fails, neither the photo, its link nor the answer is saved', async () => {
  const db = await freshDb('edits-atomic');
  db.outbox.hook('creating', () => {
    throw new Error('disk full');
  });
  await assert.rejects(addPhoto(db, target('kem-foto'), photo('a')), /disk full/);
  assert.equal(await getPhoto(db, 'a'.repeat(64)), undefined);
  assert.equal(await getItem(db, 'answer', answerKey(VISIT, 3, 'kem-foto')), undefined);
  assert.equal((await shellState(db)).unsynced, 0);
});

test('removing a question photo is sent and taken off the answer; undo links it again', async () => {
  const db = await freshDb('edits-undo');
  const sha = 'a'.repeat(64);
  const link = await addPhoto(db, target('kem-foto'), photo('a'));
  await removePhoto(db, link.id, target('kem-foto'));
  const answerKeyOf = answerKey(VISIT, 3, 'kem-foto');
  assert.deepEqual((await getItem(db, 'answer', answerKeyOf)).value, []);
  assert.equal((await getItem(db, 'photo_link', link.id)).deleted, true);
  // Undo as the photo picker does: the same photo, by its SHA-256 only.
  const again = await addPhoto(db, target('kem-foto'), { sha256: sha }, link.caption);
  assert.notEqual(again.id, link.id);
  assert.deepEqual((await getItem(db, 'answer', answerKeyOf)).value, [sha]);
  const kept = await getPhoto(db, sha);
  assert.equal(kept.state, 'pending');
  assert.equal(kept.data.byteLength, 8, 'the bytes captured first are still there to upload');
  assert.deepEqual(await sent(db), [
    ['photo_link', { photo_sha256: sha, caption: '', question_id: 'kem-foto' }],
    ['answer', { value: [sha] }],
    ['photo_link', { deleted: true }],
    ['answer', { value: [] }],
    ['photo_link', { photo_sha256: sha, caption: '', question_id: 'kem-foto' }],
    ['answer', { value: [sha] }],
  ]);
});

test('photos taken before a finding has a description wait on the tablet, then follow it', async () => {
  const db = await freshDb('edits-draft-photos');
  const id = await createFinding(db, { visitId: VISIT, agency: 'miljo', fields: {} });
  const link = await addPhoto(db, onFinding(id), photo('b'));
  assert.equal(link.draft, true);
  assert.deepEqual(await sent(db), []);
  await updateFinding(db, id, { description: 'Kemikalier förvaras öppet' });
  const [finding, photoLink] = await outboxEntries(db);
  assert.equal(finding.entity, 'finding');
  assert.equal(finding.fields.description, 'Kemikalier förvaras öppet');
  assert.equal(photoLink.entity, 'photo_link');
  assert.deepEqual(photoLink.fields, { photo_sha256: 'b'.repeat(64), caption: '', finding_id: id });
  assert.equal((await getItem(db, 'photo_link', link.id)).draft, false);
  assert.equal((await getItem(db, 'finding', id)).draft, false);
});

test('discarding a draft finding leaves nothing on screen and nothing to send', async () => {
  const db = await freshDb('edits-discard');
  await applyPage(db, page(1, [change(1, 'visit', VISIT, visitData())]));
  const id = await createFinding(db, { visitId: VISIT, agency: 'miljo', fields: { severity: 'major' } });
  await addPhoto(db, onFinding(id), photo('c'));
  assert.equal((await visitBundle(db, VISIT)).findings.length, 1);
  await deleteFinding(db, id);
  const bundle = await visitBundle(db, VISIT);
  assert.deepEqual([bundle.findings, bundle.photoLinks], [[], []]);
  assert.equal(await getItem(db, 'finding', id), undefined);
  assert.deepEqual(await sent(db), []);
  assert.equal((await shellState(db)).unsynced, 0);
});

test('deleting a sent finding sends its photo links\' deletion, then its own', async () => {
  const db = await freshDb('edits-delete');
  const id = await createFinding(db, { visitId: VISIT, agency: 'miljo', fields: { description: 'Hål i golvet' } });
  const link = await addPhoto(db, onFinding(id), photo('d'));
  await updateFinding(db, id, { severity: 'major' });
  await deleteFinding(db, id);
  const entries = await outboxEntries(db);
  assert.deepEqual(entries.map((e) => [e.entity, e.entity_id]), [
    ['finding', id], ['photo_link', link.id], ['finding', id], ['photo_link', link.id], ['finding', id],
  ]);
  assert.deepEqual(entries[3].fields, { deleted: true });
  assert.deepEqual(entries[4].fields, { deleted: true });
  // A deleted finding takes no more edits.
  await updateFinding(db, id, { description: 'Ändrad' });
  assert.equal((await outboxEntries(db)).length, 5);
});

test('setting a finding field to the value it has sends nothing', async () => {
  const db = await freshDb('edits-unchanged');
  const id = await createFinding(db, { visitId: VISIT, agency: 'miljo', fields: { description: 'Hål i golvet' } });
  await updateFinding(db, id, { description: 'Hål i golvet', severity: 'minor' });
  assert.equal((await outboxEntries(db)).length, 1);
});

test("a finding and its photos take their agency's default visibility, sent with the visit", async () => {
  const db = await freshDb('edits-visibility');
  await applyPage(db, page(1, [change(1, 'visit', VISIT, visitData(VISIT, {
    participants: [
      { agency: 'miljo', agency_name: 'Miljö', default_visibility: 'joint' },
      { agency: 'polis', agency_name: 'Polisen', default_visibility: 'agency' },
      // An agency added by an admin: the app knows it only from the visit.
      { agency: 'fk', agency_name: 'Försäkringskassan', default_visibility: 'joint' },
    ],
  }))]));
  const polis = await createFinding(db, { visitId: VISIT, agency: 'polis', fields: { description: 'Vapen' } });
  const miljo = await createFinding(db, { visitId: VISIT, agency: 'miljo', fields: { description: 'Avfall' } });
  const fk = await createFinding(db, { visitId: VISIT, agency: 'fk', fields: { description: 'Ersättning' } });
  const link = await addPhoto(db, onFinding(polis, 'polis'), photo('e'));
  assert.equal((await getItem(db, 'finding', polis)).visibility, 'agency');
  assert.equal((await getItem(db, 'finding', miljo)).visibility, 'joint');
  assert.equal((await getItem(db, 'finding', fk)).visibility, 'joint');
  assert.equal(link.visibility, 'agency');
  const [created] = await outboxEntries(db);
  assert.equal(created.fields.visibility, 'agency');
});

test('an agency the tablet has no default for gets agency-only items (the safe side)', async () => {
  const db = await freshDb('edits-visibility-unknown');
  const id = await createFinding(db, { visitId: VISIT, agency: 'miljo', fields: { description: 'Avfall' } });
  assert.equal((await getItem(db, 'finding', id)).visibility, 'agency');
});

test('a signature keeps its image like a photo and is sent with the signer', async () => {
  const db = await freshDb('edits-signature');
  const image = { ...photo('f'), type: 'image/png' };
  const signature = await addSignature(db, {
    visitId: VISIT, agency: 'miljo', signerName: 'Eva Ek', signerRole: 'Ägare', image,
  });
  assert.equal((await getPhoto(db, image.sha256)).state, 'pending');
  assert.equal((await getItem(db, 'signature', signature.id)).signer_name, 'Eva Ek');
  const [entry] = await outboxEntries(db);
  assert.equal(entry.entity, 'signature');
  assert.deepEqual(
    { ...entry.fields, signed_at: undefined },
    { signer_name: 'Eva Ek', signer_role: 'Ägare', image_sha256: image.sha256, signed_at: undefined },
  );
});

test('answering with an image it already holds keeps the stored record', async () => {
  const db = await freshDb('edits-image-answer');
  const image = photo('9');
  await answerWithImage(db, target('underskrift'), image);
  await answerWithImage(db, target('underskrift'), { ...image, data: new ArrayBuffer(1) });
  assert.equal((await getPhoto(db, image.sha256)).data.byteLength, 8);
  assert.equal((await getItem(db, 'answer', answerKey(VISIT, 3, 'underskrift'))).value, image.sha256);
});

test('a visit status shows at once and is sent; the status it has sends nothing', async () => {
  const db = await freshDb('edits-status');
  await applyPage(db, page(1, [change(1, 'visit', VISIT, visitData())]));
  await setVisitStatus(db, VISIT, 'planned');
  assert.deepEqual(await sent(db), []);
  await setVisitStatus(db, VISIT, 'in_progress');
  assert.equal((await visitBundle(db, VISIT)).visit.status, 'in_progress');
  assert.deepEqual(await sent(db), [['visit_status', { status: 'in_progress' }]]);
});

test('choosing a conflict candidate shows the choice at once and sends it', async () => {
  const db = await freshDb('edits-conflict');
  const conflict = { id: 5, visit_id: VISIT, status: 'open', candidates: [{ value: 'yes' }, { value: 'no' }] };
  await applyPage(db, page(1, [change(1, 'conflict', 5, conflict)]));
  await resolveConflict(db, conflict, 0);
  const [shown] = (await syncOverview(db)).conflicts;
  assert.deepEqual([shown.status, shown.chosen], ['chosen', 0]);
  const [entry] = await outboxEntries(db);
  assert.deepEqual([entry.entity, entry.entity_id, entry.fields], ['conflict_resolution', '5', { candidate: 0 }]);
  assert.equal((await shellState(db)).openConflicts, 0);
});
