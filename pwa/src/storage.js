// Whether the tablet keeps the app's data safe, and what the inspector must do once if not.
// Protected means: the browser granted persistent storage, or, on an iPad or iPhone, the app
// runs from the Home Screen (Safari may delete a website's IndexedDB and caches after days
// without use; a Home Screen web app keeps them). Some engines (WebKitGTK) have no
// navigator.storage at all: then nothing is promised. What was found is kept in meta
// 'storage' for the app shell (the one-time notice, the sync state).

import { setMeta } from './db.js';

/** An iPad or iPhone (iPadOS presents itself as a Mac with a touch screen). */
export function isAppleMobile({ userAgent = '', platform = '', maxTouchPoints = 0 }) {
  return /iPad|iPhone|iPod/.test(userAgent) || (platform === 'MacIntel' && maxTouchPoints > 1);
}

/**
 * The protection of this tablet's storage: {protected, device: 'apple' | 'other'}.
 * `persisted` is the browser's answer to persist(), null when it has no storage API.
 */
export function storageProtection({ appleMobile, standalone, persisted }) {
  if (appleMobile) return { protected: standalone, device: 'apple' };
  return { protected: persisted === true, device: 'other' };
}

/** Unsynced work exists only on this tablet, in storage the browser may delete. */
export const workAtRisk = (unsynced, storage) => unsynced > 0 && storage?.protected === false;

/** Ask for persistent storage, find out how protected the storage is, and record it. */
export async function checkStorage(db, nav = navigator, win = window) {
  const storage = nav.storage;
  let persisted = null;
  let estimate = {};
  try {
    if (storage?.persist) persisted = (await storage.persisted()) || (await storage.persist());
    if (storage?.estimate) estimate = await storage.estimate();
  } catch (error) {
    console.warn('storage check failed', error);
  }
  const standalone = nav.standalone === true ||
    win.matchMedia?.('(display-mode: standalone)').matches === true;
  const protection = storageProtection({ appleMobile: isAppleMobile(nav), standalone, persisted });
  await setMeta(db, 'storage', {
    persisted, usage: estimate.usage, quota: estimate.quota, ...protection,
  });
}
