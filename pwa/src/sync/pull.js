// Pull: bring the server's changes after our cursor into IndexedDB. Each page is applied,
// new/updated/deleted together with the new cursor, in ONE transaction, so a page is never
// half-applied and re-applying a page whose cursor was not saved is harmless.
// A local record with unsent outbox entries keeps its local values (the push that follows
// carries them); it only learns the server's version. A visit tombstone is an eviction: the
// visit has left this tablet's working set, and it is dropped with everything of it at the
// end of a page once none of our work on it is unacknowledged; until then it waits in meta
// 'evicting' (and a visit that comes back is no longer evicted). Reads and writes IndexedDB
// only through db.js.

import {
  answerKey, answersWithServerId, deleteItem, deleteItems, evictVisit, getItem, getMeta,
  getSession, ITEM_KINDS, keepPhoto, putItem, setMeta, unsentItems, visitHasUnsentWork,
  writeTogether,
} from '../db.js';

const PAGE_SIZE = 500;

/** Apply one pull page and save its cursor, atomically. */
export async function applyPage(db, page) {
  await writeTogether(db, ITEM_KINDS, async () => {
    const pending = await unsentItems(db);
    const evicting = new Set(await getMeta(db, 'evicting', []));
    for (const change of page.changes) {
      if (change.entity === 'visit') {
        if (change.deleted) evicting.add(change.id);
        else evicting.delete(change.id);
      }
      await applyChange(db, change, pending);
    }
    for (const visitId of evicting) {
      if (await visitHasUnsentWork(db, visitId)) continue; // not before the server has it
      await evictVisit(db, visitId);
      evicting.delete(visitId);
    }
    await setMeta(db, 'evicting', [...evicting]);
    await setMeta(db, 'cursor', page.next_cursor);
  });
}

async function applyChange(db, change, pending) {
  const { entity, id, data } = change;
  const gone = change.deleted || data?.deleted === true;
  switch (entity) {
    case 'visit': // a tombstone is an eviction, done at the end of the page
      return gone ? undefined : putItem(db, 'visit', { ...data, business_id: data.business?.id });
    case 'template_version':
      return gone ? deleteItem(db, 'template_version', Number(id)) : putItem(db, 'template_version', data);
    case 'answer':
      return applyAnswer(db, change, pending);
    case 'finding':
      return applyOwnable(db, change, pending.has(`finding:${id}`));
    case 'photo_link':
      if (!gone) await keepPhoto(db, { sha256: data.photo_sha256, state: 'remote' });
      return applyOwnable(db, change, pending.has(`photo_link:${id}`));
    case 'signature':
      return gone ? deleteItem(db, 'signature', id) : putItem(db, 'signature', data);
    case 'site_person':
      return applyOwnable(db, change, pending.has(`site_person:${id}`));
    case 'person_observation':
      return applyOwnable(db, change, pending.has(`person_observation:${id}`));
    case 'conflict':
      if (gone) return deleteItem(db, 'conflict', Number(id));
      // Our choice is still on its way: keep showing it as chosen.
      if (data.status === 'open' && pending.has(`conflict_resolution:${id}`)) return undefined;
      return putItem(db, 'conflict', data);
    default:
      return undefined; // an entity this version of the app does not know yet
  }
}

async function applyAnswer(db, change, pending) {
  const { id, data } = change;
  if (change.deleted) {
    const rows = await answersWithServerId(db, Number(id));
    const dropped = rows.filter((row) => !pending.has(`answer:${row.key}`));
    return deleteItems(db, 'answer', dropped.map((row) => row.key));
  }
  const key = answerKey(data.visit_id, data.template_version_id, data.question_id);
  const local = await getItem(db, 'answer', key);
  if (local && pending.has(`answer:${key}`)) {
    return putItem(db, 'answer', { ...local, serverId: data.id, version: data.version });
  }
  return putItem(db, 'answer', { ...data, key, serverId: data.id, _m: local?._m || {} });
}

/** A finding or photo link: ours with unsent changes keeps its values and learns the version. */
async function applyOwnable(db, change, isPending) {
  const { entity, id, data } = change;
  const local = await getItem(db, entity, id);
  if (isPending && local) {
    if (data) await putItem(db, entity, { ...local, version: data.version });
    return undefined;
  }
  if (change.deleted || data.deleted) return deleteItem(db, entity, id);
  return putItem(db, entity, { ...data, _m: local?._m || {} });
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
