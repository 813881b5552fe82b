// The sync engine: one run = upload pending photo bytes, push the outbox, pull the feed,
// fetch thumbnails of others' photos. Runs at start, on `online`, when the app becomes
// visible, on a timer while visible, and soon after each capture (Safari has no Background
// Sync); failures retry with capped exponential backoff. Owns the sync state in meta.

import { getMeta, getSession, photosIn, setMeta, updateItem, wipe } from '../db.js';
import { createBackoff } from './backoff.js';
import { adoptEpoch, pushOutbox } from './outbox.js';
import { pullChanges } from './pull.js';

const TIMER_MS = 60 * 1000;
const SOON_MS = 1500;

const isRefused = (result) =>
  !result.network && [400, 413, 415, 422].includes(result.status);

async function uploadPhotos(db, api, session) {
  const pending = await photosIn(db, 'pending');
  for (const photo of pending) {
    const result = await api.uploadPhoto(session, photo.sha256, photo.data, photo.type);
    if (!result.ok && isRefused(result)) {
      // The server will never take these bytes (too large, not an image): say so, move on.
      await updateItem(db, 'photo', photo.sha256, { state: 'refused', error: result.error });
      continue;
    }
    if (!result.ok) return result;
    // Confirmed by the server: the bytes may go, the thumbnail stays.
    await updateItem(db, 'photo', photo.sha256, { state: 'uploaded', data: null });
  }
  return { ok: true };
}

async function fetchThumbs(db, api, session) {
  const remote = await photosIn(db, 'remote');
  for (const photo of remote.filter((p) => !p.thumb)) {
    const result = await api.photoThumb(session, photo.sha256);
    if (!result.ok) return result;
    await updateItem(db, 'photo', photo.sha256, { thumb: result.data, type: result.type });
  }
  return { ok: true };
}

async function runOnce(db, api) {
  const session = await getSession(db);
  if (!session) return { ok: true, skipped: true };
  const steps = [
    () => uploadPhotos(db, api, session),
    () => pushOutbox(db, api),
    async () => {
      const pulled = await pullChanges(db, api);
      if (pulled.ok || pulled.error?.code !== 'epoch_reset') return pulled;
      // Restored from a backup: push what we still hold, then pull everything again.
      await adoptEpoch(db, pulled.error.details?.epoch);
      const pushed = await pushOutbox(db, api);
      return pushed.ok ? pullChanges(db, api) : pushed;
    },
    () => fetchThumbs(db, api, session),
  ];
  for (const step of steps) {
    const result = await step();
    if (!result.ok) return result;
  }
  return { ok: true };
}

/** Create the app's syncer (one per page); call start() once. */
export function createSyncer({ db, api, win = globalThis, doc = globalThis.document }) {
  const backoff = createBackoff();
  const timers = { retry: null, soon: null, interval: null };
  let running = null;

  const isOnline = () => win.navigator?.onLine !== false;
  const isVisible = () => !doc || doc.visibilityState !== 'hidden';

  async function record(result) {
    const previous = await getMeta(db, 'sync', {});
    const now = new Date().toISOString();
    if (result.ok) {
      await setMeta(db, 'sync', { state: 'ok', lastSuccess: now, lastAttempt: now, error: null });
      return;
    }
    await setMeta(db, 'sync', {
      ...previous,
      state: result.network ? 'offline' : 'error',
      lastAttempt: now,
      error: result.error || null,
    });
  }

  async function syncNow() {
    if (running) return running;
    running = (async () => {
      clearTimeout(timers.retry);
      const session = await getSession(db);
      if (!session) return { ok: true, skipped: true };
      await setMeta(db, 'sync', { ...(await getMeta(db, 'sync', {})), state: 'running' });
      const result = await runOnce(db, api);
      if (!result.ok && result.status === 401 && result.error?.code === 'device_revoked') {
        await wipe(db, 'device_revoked');
        return result;
      }
      await record(result);
      if (result.ok) {
        backoff.reset();
      } else {
        timers.retry = setTimeout(syncNow, backoff.next());
      }
      return result;
    })().finally(() => {
      running = null;
    });
    return running;
  }

  /** Sync shortly after a capture (several quick edits share one run). */
  function syncSoon() {
    clearTimeout(timers.soon);
    timers.soon = setTimeout(syncNow, SOON_MS);
  }

  function start() {
    win.addEventListener('online', () => {
      backoff.reset();
      syncNow();
    });
    win.addEventListener('offline', () =>
      getMeta(db, 'sync', {}).then((sync) => setMeta(db, 'sync', { ...sync, state: 'offline' })));
    doc?.addEventListener('visibilitychange', () => {
      if (isVisible()) syncNow();
    });
    timers.interval = setInterval(() => {
      if (isVisible() && isOnline()) syncNow();
    }, TIMER_MS);
    return syncNow();
  }

  return { start, syncNow, syncSoon };
}
