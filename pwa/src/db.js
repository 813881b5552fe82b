// The one IndexedDB database of the field app (Dexie): its versioned stores, and every read
// and write of them. Owns the schema (stores, keys, indexes), the named reads the screens
// render from (each works as a liveQuery), the item reads and writes edits.js and sync/ build
// on, and the transaction that keeps a change, its outbox entry and the meta together.
// Nothing outside this module touches a Dexie table.

import Dexie from 'dexie';

import { clearDrafts } from './drafts.js';

export const DB_NAME = 'otto-field';

/** Open (and create or upgrade) the field app's database. */
export function openDb(name = DB_NAME, options = {}) {
  const db = new Dexie(name, options);
  db.version(1).stores({
    meta: 'key',
    visits: 'id, planned_start, business_id',
    templates: 'id',
    // One row per (visit, template version, question): `key` is "visit:version:question",
    // the same id the server gives the answer's conflicts. serverId is the server's row id.
    answers: 'key, visit_id, serverId',
    findings: 'id, visit_id',
    photoLinks: 'id, visit_id, finding_id, photo_sha256',
    // state: pending (bytes here, not yet on the server) | uploaded | remote (no bytes here).
    photos: 'sha256, state',
    signatures: 'id, visit_id',
    conflicts: 'id, visit_id, status',
    // The operation log, in device_seq order; an entry leaves only once acked_seq covers it.
    outbox: 'seq, id, [entity+entity_id]',
  });
  // Persons on site (server: otto/inspections/persons.py) and each agency's observations.
  db.version(2).stores({
    persons: 'id, visit_id',
    personObservations: 'id, visit_id, person_id',
  });
  return db;
}

export const answerKey = (visitId, templateVersionId, questionId) =>
  `${visitId}:${templateVersionId}:${questionId}`;

/** The item an outbox entry changes (an answer with its note, a finding, a photo, …). */
export const itemKey = (entry) => (entry.entity === 'answer'
  ? `answer:${answerKey(entry.visit_id, entry.template_version, entry.entity_id)}`
  : `${entry.entity}:${entry.entity_id}`);

/**
 * The one unsynced count of the app: items with changes saved on the tablet and not yet
 * sent (a photo's bytes travel with its link, a signature's image with the signature).
 */
export const countItems = (entries) => new Set(entries.map(itemKey)).size;

/** One meta value (or `fallback`). */
export async function getMeta(db, key, fallback = undefined) {
  const row = await db.meta.get(key);
  return row === undefined ? fallback : row.value;
}

/** Set one meta value (inside the caller's transaction when there is one). */
export function setMeta(db, key, value) {
  return db.meta.put({ key, value });
}

/** The signed-in session {token, deviceId, epoch, user}, or null. */
export function getSession(db) {
  return getMeta(db, 'session', null);
}

/** This tablet's device id, made once (and again only after a wipe). */
export async function deviceId(db) {
  return db.transaction('rw', db.meta, async () => {
    const existing = await getMeta(db, 'deviceId');
    if (existing) return existing;
    const made = crypto.randomUUID();
    await setMeta(db, 'deviceId', made);
    return made;
  });
}

/** Start a session after the device was registered: sync starts again from cursor 0. */
export function startSession(db, session) {
  return db.transaction('rw', db.meta, async () => {
    await setMeta(db, 'session', session);
    await setMeta(db, 'signedOut', null);
    await setMeta(db, 'cursor', '0');
  });
}

/** The store of each kind of item, by the sync feed's entity names ('photo': a photo's bytes). */
const STORES = {
  visit: 'visits',
  template_version: 'templates',
  answer: 'answers',
  finding: 'findings',
  photo_link: 'photoLinks',
  photo: 'photos',
  signature: 'signatures',
  conflict: 'conflicts',
  site_person: 'persons',
  person_observation: 'personObservations',
};

/** Every kind of item the tablet keeps (the scope of a pull page). */
export const ITEM_KINDS = Object.keys(STORES);

function storeOf(db, kind) {
  if (!(kind in STORES)) throw new Error(`no store for ${kind}`);
  return db.table(STORES[kind]);
}

/**
 * Run `work` in one read-write transaction over the stores of `kinds`, the outbox and meta:
 * what it writes commits together or not at all (a change with its outbox entry and the next
 * device_seq; a pull page with its cursor). Item functions called inside join it.
 */
export function writeTogether(db, kinds, work) {
  return db.transaction('rw', [...kinds.map((kind) => storeOf(db, kind)), db.outbox, db.meta], work);
}

/** One stored item of `kind` by its local key (an answer's key is answerKey(...)). */
export const getItem = (db, kind, key) => storeOf(db, kind).get(key);

/** Store a new item (its key must be new). */
export const addItem = (db, kind, row) => storeOf(db, kind).add(row);

/** Store an item, replacing the one with its key. */
export const putItem = (db, kind, row) => storeOf(db, kind).put(row);

/** Change some fields of a stored item (nothing happens when there is none). */
export const updateItem = (db, kind, key, changes) => storeOf(db, kind).update(key, changes);

/** Forget one item of `kind`. */
export const deleteItem = (db, kind, key) => storeOf(db, kind).delete(key);

/** Forget items of `kind` by their keys. */
export const deleteItems = (db, kind, keys) => storeOf(db, kind).bulkDelete(keys);

/** The local answers the server knows by its row id `serverId`. */
export const answersWithServerId = (db, serverId) =>
  db.answers.where('serverId').equals(serverId).toArray();

/** The photo links on a finding, deleted ones included. */
export const linksOfFinding = (db, findingId) =>
  db.photoLinks.where('finding_id').equals(findingId).toArray();

/** The photo records in `state` (pending, uploaded, refused or remote). */
export const photosIn = (db, state) => db.photos.where('state').equals(state).toArray();

/**
 * Store a photo record unless its bytes (by SHA-256) are already known: never replaces one.
 * Bytes are ArrayBuffers with their `type`, never Blobs: Safari (WebKit) has lost Blobs
 * stored in IndexedDB, and a lost photo is lost evidence.
 */
export async function keepPhoto(db, photo) {
  if ([photo.data, photo.thumb].some((bytes) => bytes != null && !(bytes instanceof ArrayBuffer))) {
    throw new TypeError('photo bytes must be an ArrayBuffer');
  }
  if (!(await db.photos.get(photo.sha256))) await db.photos.put(photo);
}

/** The outbox in device_seq order: all of it, or its first `limit` entries. */
export function outboxEntries(db, limit = Infinity) {
  const ordered = db.outbox.orderBy('seq');
  return (limit === Infinity ? ordered : ordered.limit(limit)).toArray();
}

/** Append an entry and count device_seq on past it (inside the caller's writeTogether). */
export function appendToOutbox(db, entry) {
  return Promise.all([setMeta(db, 'nextSeq', entry.seq + 1), db.outbox.add(entry)]);
}

/** Delete the entries the server has acknowledged: every seq up to `ackedSeq`. */
export const dropOutboxThrough = (db, ackedSeq) =>
  db.outbox.where('seq').belowOrEqual(ackedSeq).delete();

/** Replace the whole outbox by `entries` (renumbered; inside the caller's writeTogether). */
export async function replaceOutbox(db, entries) {
  await db.outbox.clear();
  await db.outbox.bulkAdd(entries);
}

/** The items (itemKey) with changes saved on the tablet and not yet sent. */
export async function unsentItems(db) {
  return new Set((await db.outbox.toArray()).map(itemKey));
}

/** Everything the app shell shows on every screen: who, and how much is unsynced. */
export async function shellState(db) {
  const [session, outbox, sync, signedOut, openConflicts, storage, rejections, storageSeen] =
    await Promise.all([
      getSession(db),
      db.outbox.toArray(),
      getMeta(db, 'sync', {}),
      getMeta(db, 'signedOut', null),
      db.conflicts.where('status').equals('open').count(),
      getMeta(db, 'storage', {}),
      getMeta(db, 'rejections', []),
      getMeta(db, 'storageNoticeSeen', false),
    ]);
  return {
    session, unsynced: countItems(outbox), sync, signedOut, openConflicts, storage,
    rejected: rejections.length, storageSeen,
  };
}

/** Visits ending today or later, soonest first, with their unsynced counts. */
export async function upcomingVisits(db, now = new Date()) {
  const startOfDay = new Date(now);
  startOfDay.setHours(0, 0, 0, 0);
  const visits = await db.visits.orderBy('planned_start').toArray();
  const pending = await db.outbox.toArray();
  return visits
    .filter((visit) => new Date(visit.planned_end) >= startOfDay)
    .map((visit) => ({
      ...visit,
      pending: countItems(pending.filter((entry) => entry.visit_id === visit.id)),
    }));
}

/** Everything the visit screen shows: the visit, templates, answers, findings, photos. */
export async function visitBundle(db, visitId) {
  const visit = await db.visits.get(visitId);
  if (!visit) return null;
  const [answers, findings, photoLinks, signatures, conflicts, outbox, rejections] = await Promise.all([
    db.answers.where('visit_id').equals(visitId).toArray(),
    db.findings.where('visit_id').equals(visitId).toArray(),
    db.photoLinks.where('visit_id').equals(visitId).toArray(),
    db.signatures.where('visit_id').equals(visitId).toArray(),
    db.conflicts.where('visit_id').equals(visitId).toArray(),
    db.outbox.toArray(),
    getMeta(db, 'rejections', []),
  ]);
  const mine = (entry) => entry.visit_id === visitId;
  const templateIds = [...new Set(visit.participants.map((p) => p.template_version_id))]
    .filter((id) => id != null);
  const templates = (await db.templates.bulkGet(templateIds)).filter(Boolean);
  const earlierVisits = (await db.visits.where('business_id').equals(visit.business.id).toArray())
    .filter((other) => other.id !== visitId && other.planned_start < visit.planned_start);
  const earlierFindings = earlierVisits.length
    ? await db.findings.where('visit_id').anyOf(earlierVisits.map((v) => v.id)).toArray()
    : [];
  return {
    visit,
    templates,
    answers,
    findings: findings.filter((f) => !f.deleted),
    photoLinks: photoLinks.filter((l) => !l.deleted),
    signatures,
    conflicts,
    // The items of this visit with changes not yet sent, and those the server refused.
    unsent: new Set(outbox.filter(mine).map(itemKey)),
    refused: new Set(rejections.filter(mine).map(itemKey)),
    earlierFindings: earlierFindings.filter((f) => !f.deleted).map((finding) => ({
      ...finding,
      visit: earlierVisits.find((v) => v.id === finding.visit_id),
    })),
  };
}

/**
 * The agencies the tablet knows, code → {name, colour, default_visibility}: they come with
 * the visits' participants (agencies are data on the server; the app names none of them).
 */
export async function agencyDirectory(db) {
  const directory = {};
  for (const visit of await db.visits.toArray()) {
    for (const p of visit.participants || []) {
      if (p.agency_name) {
        directory[p.agency] = {
          name: p.agency_name, colour: p.agency_colour, default_visibility: p.default_visibility,
        };
      }
    }
  }
  return directory;
}

/**
 * The persons recorded on a visit with the observations this tablet holds on each (its own
 * agency's, and joint ones), and which of them have changes not yet sent.
 */
export async function visitPersons(db, visitId) {
  const [persons, observations, outbox] = await Promise.all([
    db.persons.where('visit_id').equals(visitId).toArray(),
    db.personObservations.where('visit_id').equals(visitId).toArray(),
    db.outbox.toArray(),
  ]);
  const unsent = new Set(outbox.map(itemKey));
  return persons
    .sort((a, b) => (a.created_at || '').localeCompare(b.created_at || ''))
    .map((person) => ({
      ...person,
      unsent: unsent.has(`site_person:${person.id}`),
      observations: observations.filter((o) => o.person_id === person.id),
    }));
}

/** A photo's stored record (thumbnail and, until uploaded, the bytes), or undefined. */
export function getPhoto(db, sha256) {
  return db.photos.get(sha256);
}

/** What the sync screen shows: everything unsent, refused or in conflict, and its names. */
export async function syncOverview(db) {
  const [conflicts, sync, rejections, pending, visits, templates, findings, photoLinks, signatures] =
    await Promise.all([
      db.conflicts.where('status').anyOf('open', 'chosen').toArray(),
      getMeta(db, 'sync', {}),
      getMeta(db, 'rejections', []),
      db.outbox.orderBy('seq').toArray(),
      db.visits.toArray(),
      db.templates.toArray(),
      db.findings.toArray(),
      db.photoLinks.toArray(),
      db.signatures.toArray(),
    ]);
  return {
    conflicts, sync, rejections, pending, visits, templates, findings, photoLinks, signatures,
  };
}

/** Forget a refused change the inspector has fixed or chosen to discard. */
export function dismissRejection(db, id) {
  return db.transaction('rw', db.meta, async () => {
    const rejections = await getMeta(db, 'rejections', []);
    await setMeta(db, 'rejections', rejections.filter((r) => r.id !== id));
  });
}

// Eviction: a visit that has left this tablet's working set (closed long enough ago, or the
// inspector taken off it) is dropped with everything of it, but never while any of this
// tablet's own work on it is unacknowledged. Both run inside the pull page's writeTogether.

const SHA256 = /^[0-9a-f]{64}$/;

/** The photo SHA-256s rows refer to: links, signature images and photo/signature answers. */
function photoShas({ links = [], signatures = [], answers = [] }) {
  const values = answers.flatMap((a) => (Array.isArray(a.value) ? a.value : [a.value]));
  return new Set([
    ...links.map((l) => l.photo_sha256),
    ...signatures.map((s) => s.image_sha256),
    ...values.filter((v) => typeof v === 'string' && SHA256.test(v)),
  ].filter(Boolean));
}

async function visitRows(db, visitId) {
  const [answers, links, signatures] = await Promise.all([
    db.answers.where('visit_id').equals(visitId).toArray(),
    db.photoLinks.where('visit_id').equals(visitId).toArray(),
    db.signatures.where('visit_id').equals(visitId).toArray(),
  ]);
  return { answers, links, signatures };
}

/** True while the tablet holds work on the visit the server has not acknowledged: outbox
 * entries (deleted only once acked_seq covers them) or photo bytes not yet uploaded. */
export async function visitHasUnsentWork(db, visitId) {
  if (await db.outbox.filter((entry) => entry.visit_id === visitId).count()) return true;
  const shas = [...photoShas(await visitRows(db, visitId))];
  const photos = (await db.photos.bulkGet(shas)).filter(Boolean);
  return photos.some((photo) => photo.state === 'pending');
}

/** Forget a visit with its answers, findings, photo links, signatures, conflicts and the
 * photos no other visit on the tablet uses (refused changes stay until dismissed). */
export async function evictVisit(db, visitId) {
  const candidates = photoShas(await visitRows(db, visitId));
  await Promise.all([
    db.visits.delete(visitId),
    ...['answers', 'findings', 'photoLinks', 'signatures', 'conflicts', 'persons',
      'personObservations']
      .map((store) => db.table(store).where('visit_id').equals(visitId).delete()),
  ]);
  const kept = photoShas({
    links: await db.photoLinks.toArray(),
    signatures: await db.signatures.toArray(),
    answers: await db.answers.toArray(),
  });
  await db.photos.bulkDelete([...candidates].filter((sha) => !kept.has(sha)));
}

/** Remove every trace of the signed-in user's data (device revoked or signed out). */
export async function wipe(db, reason) {
  await db.transaction('rw', db.tables, async () => {
    await Promise.all(db.tables.map((table) => table.clear()));
    if (reason) await setMeta(db, 'signedOut', { reason, at: new Date().toISOString() });
  });
  clearDrafts();
}
