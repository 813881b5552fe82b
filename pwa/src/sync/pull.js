// Pull: bring the server's changes after our cursor into IndexedDB. Each page is applied,
// new/updated/deleted together with the new cursor, in ONE transaction, so a page is never
// half-applied and re-applying a page whose cursor was not saved is harmless.
// A local record with unsent outbox entries keeps its local values (the push that follows
// carries them); it only learns the server's version.

import { answerKey, getMeta, getSession, setMeta } from '../db.js';

const PAGE_SIZE = 500;

function pendingKey(entry) {
  return entry.entity === 'answer'
    ? `answer:${answerKey(entry.visit_id, entry.template_version, entry.entity_id)}`
    : `${entry.entity}:${entry.entity_id}`;
}

/** Apply one pull page and save its cursor, atomically. */
export async function applyPage(db, page) {
  const stores = [
    db.visits, db.templates, db.answers, db.findings, db.photoLinks, db.photos,
    db.signatures, db.conflicts, db.meta, db.outbox,
  ];
  await db.transaction('rw', stores, async () => {
    const pending = new Set((await db.outbox.toArray()).map(pendingKey));
    for (const change of page.changes) {
      await applyChange(db, change, pending);
    }
    await setMeta(db, 'cursor', page.next_cursor);
  });
}

async function applyChange(db, change, pending) {
  const { entity, id, data } = change;
  const gone = change.deleted || data?.deleted === true;
  switch (entity) {
    case 'visit':
      return gone ? db.visits.delete(id) : db.visits.put({ ...data, business_id: data.business?.id });
    case 'template_version':
      return gone ? db.templates.delete(Number(id)) : db.templates.put(data);
    case 'answer':
      return applyAnswer(db, change, pending);
    case 'finding':
      return applyOwnable(db, db.findings, change, pending.has(`finding:${id}`));
    case 'photo_link':
      if (!gone && !(await db.photos.get(data.photo_sha256))) {
        await db.photos.put({ sha256: data.photo_sha256, state: 'remote' });
      }
      return applyOwnable(db, db.photoLinks, change, pending.has(`photo_link:${id}`));
    case 'signature':
      return gone ? db.signatures.delete(id) : db.signatures.put(data);
    case 'conflict':
      if (gone) return db.conflicts.delete(Number(id));
      // Our choice is still on its way: keep showing it as chosen.
      if (data.status === 'open' && pending.has(`conflict_resolution:${id}`)) return undefined;
      return db.conflicts.put(data);
    default:
      return undefined; // an entity this version of the app does not know yet
  }
}

async function applyAnswer(db, change, pending) {
  const { id, data } = change;
  if (change.deleted) {
    const rows = await db.answers.where('serverId').equals(Number(id)).toArray();
    const dropped = rows.filter((row) => !pending.has(`answer:${row.key}`));
    return db.answers.bulkDelete(dropped.map((row) => row.key));
  }
  const key = answerKey(data.visit_id, data.template_version_id, data.question_id);
  const local = await db.answers.get(key);
  if (local && pending.has(`answer:${key}`)) {
    return db.answers.put({ ...local, serverId: data.id, version: data.version });
  }
  return db.answers.put({ ...data, key, serverId: data.id, _m: local?._m || {} });
}

async function applyOwnable(db, table, change, isPending) {
  const { id, data } = change;
  const local = await table.get(id);
  if (isPending && local) {
    if (data) await table.put({ ...local, version: data.version });
    return undefined;
  }
  if (change.deleted || data.deleted) return table.delete(id);
  return table.put({ ...data, _m: local?._m || {} });
}

/**
 * Pull every page after the saved cursor. Returns {ok: true, applied} or the API failure;
 * on epoch_reset the caller pushes what it holds and pulls again from 0.
 */
export async function pullChanges(db, api, { pageSize = PAGE_SIZE } = {}) {
  let applied = 0;
  for (;;) {
    const session = await getSession(db);
    if (!session) return { ok: false, error: { code: 'signed_out' } };
    const cursor = await getMeta(db, 'cursor', '0');
    const result = await api.pull(session, cursor, pageSize);
    if (!result.ok) return result;
    await applyPage(db, result.data);
    applied += result.data.changes.length;
    if (!result.data.has_more) return { ok: true, applied };
  }
}
