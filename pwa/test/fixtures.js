// Shared test fixtures (no tests here): a fresh signed-in database on fake-indexeddb, and
// feed entries shaped like the server's pull pages (otto/sync/pull.py).
import 'fake-indexeddb/auto';

import { openDb, setMeta } from '../src/db.js';

export const VISIT = '8d1c1c38-3c59-4b0e-9a43-7f0d3e1f0a11';
export const EARLIER_VISIT = '1b2c3d4e-0000-4000-8000-000000000001';
export const OTHER_VISIT = '1b2c3d4e-0000-4000-8000-000000000002';

let count = 0;

/** A new database with a signed-in miljo inspector (cursor E1:0 unless `cursor`). */
export async function freshDb(prefix, { cursor = null } = {}) {
  count += 1;
  const db = openDb(`${prefix}-${count}`);
  await setMeta(db, 'session', { token: 't', deviceId: 'd', epoch: 'E1', user: { agency: 'miljo' } });
  if (cursor) await setMeta(db, 'cursor', cursor);
  return db;
}

/** A question target on VISIT for the miljo agency's checklist version 3. */
export const target = (questionId, visitId = VISIT) => ({
  visitId, templateVersionId: 3, agency: 'miljo', questionId,
});

/** A visit as the feed sends it. */
export function visitData(id = VISIT, overrides = {}) {
  return {
    id,
    business: { id: 7, name: 'Kiosken' },
    planned_start: '2031-05-12T09:00:00+02:00',
    planned_end: '2031-05-12T11:00:00+02:00',
    status: 'planned',
    participants: [{ agency: 'miljo', template_version_id: 3 }],
    ...overrides,
  };
}

/** A finding as the feed sends it. */
export function findingData(id, overrides = {}) {
  return {
    id,
    visit_id: VISIT,
    agency: 'polis',
    severity: 'minor',
    description: 'Skylt saknas',
    legal_ref: '',
    question_id: null,
    visibility: 'joint',
    follow_up_due: null,
    status: 'open',
    version: 1,
    deleted: false,
    ...overrides,
  };
}

/** A feed entry: `data` for a new or changed item, `deleted` (a tombstone) otherwise. */
export const change = (seq, entity, id, data) => (data
  ? { seq, entity, id: String(id), data }
  : { seq, entity, id: String(id), deleted: true });

/** A pull page ending at `seq`. */
export const page = (seq, changes, hasMore = false) => ({
  changes, next_cursor: `E1:${seq}`, has_more: hasMore, acked_seq: 0,
});
