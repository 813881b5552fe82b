// The outbox: this device's operation log (DESIGN.md "Sync protocol", push).
// Owns device_seq numbering, the mutation shape, sending in order, and acknowledgement:
// an entry is written in the same transaction as the local change it describes (see
// edits.js), and deleted only once the server's acked_seq covers it. Reads and writes
// IndexedDB only through db.js.

import {
  answerKey, appendToOutbox, dropOutboxThrough, getItem, getMeta, getSession, outboxEntries,
  replaceOutbox, setMeta, updateItem, writeTogether,
} from '../db.js';

const BATCH_SIZE = 100;

/** The items whose records carry the server version their edits are based on. */
const VERSIONED = ['answer', 'finding', 'photo_link', 'site_person', 'person_observation'];

/** Now as ISO 8601 with the device's UTC offset (client clocks are for display only). */
export function localIsoTime(date = new Date()) {
  const pad = (n, width = 2) => String(Math.abs(n)).padStart(width, '0');
  const offset = -date.getTimezoneOffset();
  const sign = offset >= 0 ? '+' : '-';
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}` +
    `T${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}` +
    `.${pad(date.getMilliseconds(), 3)}${sign}${pad(Math.floor(Math.abs(offset) / 60))}:` +
    `${pad(Math.abs(offset) % 60)}`;
}

/**
 * Append a mutation to the outbox and return it. Must run inside the caller's rw
 * transaction over `outbox` and `meta`, together with the change it describes.
 * `change`: {entity, entity_id, visit_id, fields, base_version, prev_id, template_version}.
 */
export async function enqueue(db, change) {
  const entry = outboxEntry(await nextSeq(db), change);
  await appendToOutbox(db, entry);
  return entry;
}

/** The next device_seq (read inside the caller's transaction; see writeOutboxEntry). */
export function nextSeq(db) {
  return getMeta(db, 'nextSeq', 1);
}

/** The outbox entry for a change numbered `seq`: its mutation id, time and chain. */
export function outboxEntry(seq, change) {
  return {
    seq,
    id: crypto.randomUUID(),
    entity: change.entity,
    entity_id: change.entity_id,
    visit_id: change.visit_id,
    fields: change.fields,
    base_version: change.base_version || 0,
    prev_id: change.prev_id || null,
    template_version: change.template_version ?? null,
    client_time: localIsoTime(),
  };
}

/** Store an entry made with outboxEntry(await nextSeq(db), …), in the same transaction. */
export function writeOutboxEntry(db, entry) {
  return appendToOutbox(db, entry);
}

/** The mutation as the push API wants it. */
export function toMutation(entry) {
  return {
    id: entry.id,
    device_seq: entry.seq,
    entity: entry.entity,
    entity_id: entry.entity_id,
    visit_id: entry.visit_id,
    fields: entry.fields,
    base_version: entry.base_version,
    prev_id: entry.prev_id,
    template_version: entry.template_version,
    client_time: entry.client_time,
  };
}

/**
 * Apply a push answer: remember rejections for the user, note the server version each
 * applied mutation produced, and delete the entries acked_seq covers, in one transaction.
 */
export async function acknowledge(db, entries, { results, acked_seq: ackedSeq }) {
  const bySeq = new Map(entries.map((entry) => [entry.seq, entry]));
  await writeTogether(db, VERSIONED, async () => {
    const rejections = await getMeta(db, 'rejections', []);
    for (const result of results) {
      const entry = bySeq.get(result.device_seq);
      if (!entry || result.device_seq > ackedSeq) continue;
      const outcome = result.status === 'duplicate' && result.original ? result.original : result;
      if (outcome.status === 'rejected') {
        // Kept until the inspector fixes or discards it: a refusal never just disappears.
        rejections.unshift({
          id: entry.id,
          entity: entry.entity,
          entity_id: entry.entity_id,
          visit_id: entry.visit_id,
          template_version: entry.template_version,
          fields: entry.fields,
          code: outcome.code || 'rejected',
          message: outcome.message || '',
          at: new Date().toISOString(),
        });
      }
      if (Number.isInteger(outcome.version)) await noteServerVersion(db, entry, outcome.version);
    }
    await setMeta(db, 'rejections', rejections);
    await dropOutboxThrough(db, ackedSeq);
  });
}

/** The server version an applied mutation produced becomes the base of later edits. */
async function noteServerVersion(db, entry, version) {
  if (!VERSIONED.includes(entry.entity)) return;
  const key = entry.entity === 'answer'
    ? answerKey(entry.visit_id, entry.template_version, entry.entity_id)
    : entry.entity_id;
  const row = await getItem(db, entry.entity, key);
  if (row && version > (row.version || 0)) await updateItem(db, entry.entity, key, { version });
}

/**
 * The server expects `expectedSeq` next but we hold only later entries (the server was
 * restored from a backup that predates them): number what we hold from expectedSeq on.
 * Those numbers were never recorded by this server, so nothing is applied twice.
 */
export async function renumberFrom(db, expectedSeq) {
  return writeTogether(db, [], async () => {
    const entries = await outboxEntries(db);
    if (!entries.length || entries[0].seq <= expectedSeq) return false;
    await replaceOutbox(db, entries.map((entry, i) => ({ ...entry, seq: expectedSeq + i })));
    await setMeta(db, 'nextSeq', expectedSeq + entries.length);
    return true;
  });
}

/**
 * Send the outbox in device_seq order until it is empty. Returns {ok: true, pushed} or the
 * API's failure. seq_gap renumbers and resends; epoch_reset adopts the server's new epoch
 * (and restarts pulling from 0) and resends everything still held.
 */
export async function pushOutbox(db, api, { batchSize = BATCH_SIZE } = {}) {
  let pushed = 0;
  for (let attempts = 0; attempts < 1000; attempts += 1) {
    const session = await getSession(db);
    if (!session) return { ok: false, error: { code: 'signed_out' } };
    const entries = await outboxEntries(db, batchSize);
    if (!entries.length) return { ok: true, pushed };
    const result = await api.push(session, entries.map(toMutation));
    if (!result.ok) {
      const code = result.error?.code;
      if (result.status === 409 && code === 'seq_gap') {
        const expected = result.error.details?.expected_seq;
        if (Number.isInteger(expected) && (await renumberFrom(db, expected))) continue;
      } else if (result.status === 409 && code === 'epoch_reset' && result.error.details?.epoch) {
        await adoptEpoch(db, result.error.details.epoch);
        continue;
      }
      return result;
    }
    await acknowledge(db, entries, result.data);
    const acked = entries.filter((entry) => entry.seq <= result.data.acked_seq).length;
    if (!acked) return { ok: false, error: { code: 'not_acknowledged' } };
    pushed += acked;
  }
  return { ok: false, error: { code: 'too_many_batches' } };
}

/** The server was restored from a backup: take its epoch and pull again from 0. */
export async function adoptEpoch(db, epoch) {
  await writeTogether(db, [], async () => {
    const session = await getSession(db);
    if (session && session.epoch !== epoch) {
      await setMeta(db, 'session', { ...session, epoch });
      await setMeta(db, 'cursor', '0');
    }
  });
}
