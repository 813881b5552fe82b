// Entry point: open the database, create the API client and the syncer, render the app,
// register the service worker, ask for persistent storage (storage.js), start syncing.

import './app.css';

import { options, render } from 'preact';

import { createApi } from './api.js';
import { App } from './app.js';
import { openDb } from './db.js';
import { replayDrafts } from './drafts.js';
import { checkStorage } from './storage.js';
import { createSyncer } from './sync/engine.js';
import { html } from './ui.js';

function registerServiceWorker() {
  if (!('serviceWorker' in navigator)) return;
  let reloading = false;
  const hadController = Boolean(navigator.serviceWorker.controller);
  navigator.serviceWorker.addEventListener('controllerchange', () => {
    // A new version took over after the user asked for it; the first install (which
    // claims this page) needs no reload.
    if (reloading || !hadController) return;
    reloading = true;
    location.reload();
  });
  navigator.serviceWorker.register('./sw.js', { scope: './' }).then((registration) => {
    const announce = () => {
      if (registration.waiting && navigator.serviceWorker.controller) {
        window.dispatchEvent(new CustomEvent('otto:update-ready', { detail: registration }));
      }
    };
    announce();
    registration.addEventListener('updatefound', () => {
      registration.installing?.addEventListener('statechange', announce);
    });
  }, (error) => console.warn('service worker registration failed', error));
}

// Render at the next frame rather than in a microtask: Dexie signals live queries while an
// edit's transaction is still running, and a re-render there would delay its commit.
options.debounceRendering = (callback) => requestAnimationFrame(callback);

const db = openDb();
const api = createApi();
const syncer = createSyncer({ db, api });
// Text a dying page left unsaved goes into IndexedDB before anything is shown.
replayDrafts(db).catch((error) => console.warn('drafts not replayed', error)).then(() => {
  render(html`<${App} db=${db} api=${api} syncer=${syncer} />`, document.getElementById('app'));
  registerServiceWorker();
  checkStorage(db);
  syncer.start();
});
