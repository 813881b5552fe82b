// storage.js: when the tablet's storage counts as protected (persistence granted, or an iPad
// app opened from the Home Screen), what is recorded for the shell, and when unsynced work
// is at risk.
import 'fake-indexeddb/auto';

import assert from 'node:assert/strict';
import { test } from 'node:test';

import { getMeta } from '../src/db.js';
import { checkStorage, isAppleMobile, storageProtection, workAtRisk } from '../src/storage.js';
import { freshDb } from './fixtures.js';

const IPAD = 'Mozilla/5.0 (iPad; CPU OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1';
const IPADOS_AS_MAC = 'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Safari/605.1.15';
const WEBKITGTK = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/60.5 Safari/605.1.15';
const ANDROID = 'Mozilla/5.0 (Linux; Android 14; SM-X710) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36';

const window = (standalone = false) => ({ matchMedia: () => ({ matches: standalone }) });
const storageApi = (granted) => ({
  persisted: async () => false,
  persist: async () => granted,
  estimate: async () => ({ usage: 10, quota: 1000 }),
});

test('iPads and iPhones are recognised, also an iPad that presents itself as a Mac', () => {
  assert.ok(isAppleMobile({ userAgent: IPAD }));
  assert.ok(isAppleMobile({ userAgent: IPADOS_AS_MAC, platform: 'MacIntel', maxTouchPoints: 5 }));
  assert.ok(!isAppleMobile({ userAgent: IPADOS_AS_MAC, platform: 'MacIntel', maxTouchPoints: 0 }));
  assert.ok(!isAppleMobile({ userAgent: WEBKITGTK, platform: 'Linux x86_64' }));
  assert.ok(!isAppleMobile({ userAgent: ANDROID, platform: 'Linux armv81', maxTouchPoints: 10 }));
});

test('on an iPad only the Home Screen app is protected, whatever persist() says', () => {
  assert.deepEqual(storageProtection({ appleMobile: true, standalone: false, persisted: true }),
    { protected: false, device: 'apple' });
  assert.deepEqual(storageProtection({ appleMobile: true, standalone: true, persisted: null }),
    { protected: true, device: 'apple' });
});

test('elsewhere storage is protected only when the browser granted persistence', () => {
  assert.equal(storageProtection({ appleMobile: false, standalone: false, persisted: true }).protected, true);
  assert.equal(storageProtection({ appleMobile: false, standalone: true, persisted: false }).protected, false);
  assert.equal(storageProtection({ appleMobile: false, standalone: false, persisted: null }).protected, false);
});

test('a browser without a storage API (WebKitGTK) is recorded as unprotected', async () => {
  const db = await freshDb('storage-none');
  await checkStorage(db, { userAgent: WEBKITGTK, platform: 'Linux x86_64' }, window());
  assert.deepEqual(await getMeta(db, 'storage'), {
    persisted: null, usage: undefined, quota: undefined, protected: false, device: 'other',
  });
});

test('granted persistence is recorded as protected, with usage and quota', async () => {
  const db = await freshDb('storage-granted');
  await checkStorage(db, { userAgent: ANDROID, storage: storageApi(true) }, window());
  assert.deepEqual(await getMeta(db, 'storage'), {
    persisted: true, usage: 10, quota: 1000, protected: true, device: 'other',
  });
});

test('Safari in a tab is unprotected, the Home Screen app protected', async () => {
  const db = await freshDb('storage-ipad');
  const ipad = { userAgent: IPADOS_AS_MAC, platform: 'MacIntel', maxTouchPoints: 5, storage: storageApi(true) };
  await checkStorage(db, ipad, window(false));
  assert.equal((await getMeta(db, 'storage')).protected, false);
  await checkStorage(db, { ...ipad, standalone: true }, window(false));
  assert.equal((await getMeta(db, 'storage')).protected, true);
});

test('unsynced work is at risk only in unprotected storage', () => {
  assert.equal(workAtRisk(2, { protected: false }), true);
  assert.equal(workAtRisk(0, { protected: false }), false);
  assert.equal(workAtRisk(2, { protected: true }), false);
  assert.equal(workAtRisk(2, {}), false);
  assert.equal(workAtRisk(2, undefined), false);
});
