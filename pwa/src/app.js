// The app shell: header with the always-visible unsynced count, notices (revoked device,
// storage, new version), and the hash router that picks a screen.

import { useEffect, useState } from 'preact/hooks';

import { agencyDirectory, setMeta, shellState } from './db.js';
import { ChecklistScreen } from './screens/checklist.js';
import { CompleteScreen } from './screens/complete.js';
import { FindingScreen } from './screens/finding.js';
import { PersonsScreen } from './screens/persons.js';
import { SignatureScreen } from './screens/signature.js';
import { SignInScreen } from './screens/sign-in.js';
import { SyncScreen } from './screens/sync.js';
import { VisitScreen } from './screens/visit.js';
import { VisitsScreen } from './screens/visits.js';
import { workAtRisk } from './storage.js';
import { AppContext, html, plural, useApp, useLive, useRoute } from './ui.js';

function syncLabel(shell) {
  const state = shell.sync?.state;
  const count = shell.unsynced === 0
    ? 'Allt skickat'
    : plural(shell.unsynced, 'osynkad ändring');
  if (state === 'running') return `${count} · skickar…`;
  if (state === 'offline' || !navigator.onLine) return `${count} · offline`;
  return count;
}

function SyncBadge({ shell }) {
  const { unsynced, openConflicts, rejected } = shell;
  const trouble = openConflicts || rejected;
  return html`<a href="#/synk" class=${`sync-badge ${trouble ? 'has-trouble' : unsynced ? 'has-pending' : 'synced'}`}
    data-testid="sync-status" data-unsynced=${unsynced}>
    <span role="status" aria-live="polite">${[
      syncLabel(shell),
      workAtRisk(shell.unsynced, shell.storage) ? 'lagringen är inte skyddad' : null,
      openConflicts ? plural(openConflicts, 'konflikt') : null,
      rejected ? `${rejected} avvisade` : null,
    ].filter(Boolean).join(' · ')}</span>
  </a>`;
}

function UpdateBanner() {
  const [registration, setRegistration] = useState(null);
  useEffect(() => {
    const onReady = (event) => setRegistration(event.detail);
    window.addEventListener('otto:update-ready', onReady);
    return () => window.removeEventListener('otto:update-ready', onReady);
  }, []);
  if (!registration?.waiting) return null;
  return html`<div class="notice">
    En ny version av appen finns.
    <button type="button" onClick=${() => registration.waiting.postMessage({ type: 'SKIP_WAITING' })}>
      Uppdatera
    </button>
  </div>`;
}

function StorageNotice({ shell }) {
  const { db } = useApp();
  const { storage } = shell;
  if (storage.quota && storage.usage / storage.quota > 0.9) {
    return html`<div class="notice warning" role="alert">
      Lagringsutrymmet på plattan är nästan fullt. Synka, och ta bort appar eller filer du
      inte behöver.</div>`;
  }
  if (storage.protected === false && !shell.storageSeen) {
    const apple = storage.device === 'apple';
    return html`<section class="notice warning" data-testid="storage-notice" aria-labelledby="storage-notice-title">
      <h2 id="storage-notice-title">${apple ? 'Lägg till appen på hemskärmen' : 'Installera appen på plattan'}</h2>
      <p>${`${apple
        ? 'Safari kan radera appens data om appen inte används på några dagar'
        : 'Webbläsaren har inte lovat att spara appens data och kan radera den om plattan får ont om utrymme'}
        – även avvikelser, foton och signaturer som ännu inte är synkade.`} Det som inte har
        skickats till servern går då inte att få tillbaka.</p>
      ${apple ? html`<ol>
        <li>Synka, så att allt finns på servern.</li>
        <li>Tryck på Dela-knappen i Safari (fyrkanten med en pil uppåt) och välj ”Lägg till på hemskärmen”.</li>
        <li>Öppna OTTO Fält från hemskärmen och logga in där en gång. Arbeta sedan bara i den.</li>
      </ol>` : html`<ol>
        <li>Öppna webbläsarens meny och välj ”Installera app” eller ”Lägg till på startskärmen”.</li>
        <li>Öppna OTTO Fält från startskärmen, och synka så fort du har nät.</li>
      </ol>`}
      <button type="button" onClick=${() => setMeta(db, 'storageNoticeSeen', true)}>Jag förstår</button>
    </section>`;
  }
  return null;
}

function Screen({ route, shell }) {
  const [first, id, sub, subId, focus] = route;
  if (first === 'synk') return html`<${SyncScreen} />`;
  if (first === 'besok' && id) {
    if (sub === 'checklista') return html`<${ChecklistScreen} visitId=${id} versionId=${Number(subId)} focus=${focus} />`;
    if (sub === 'avvikelse') return html`<${FindingScreen} visitId=${id} findingId=${subId} />`;
    if (sub === 'signatur') return html`<${SignatureScreen} visitId=${id} />`;
    if (sub === 'personer') return html`<${PersonsScreen} visitId=${id} />`;
    if (sub === 'genomfor') return html`<${CompleteScreen} visitId=${id} />`;
    return html`<${VisitScreen} visitId=${id} />`;
  }
  return html`<${VisitsScreen} shell=${shell} />`;
}

/** The whole app; `db`, `api` and `syncer` come from main.js. */
export function App({ db, api, syncer }) {
  const route = useRoute();
  const shell = useLive(() => shellState(db), [db]);
  const agencies = useLive(() => agencyDirectory(db), [db]);
  if (!shell) return html`<main id="main" class="loading"><p>Öppnar…</p></main>`;
  const context = { db, api, syncer, session: shell.session, agencies };
  return html`<${AppContext.Provider} value=${context}>
    <header class="top">
      <a class="brand" href="#/">OTTO Fält</a>
      ${shell.session ? html`<${SyncBadge} shell=${shell} />` : null}
    </header>
    <${UpdateBanner} />
    <main id="main">
      ${shell.session ? html`<${StorageNotice} shell=${shell} />` : null}
      ${shell.session
        ? html`<${Screen} route=${route} shell=${shell} />`
        : html`<${SignInScreen} signedOut=${shell.signedOut} />`}
    </main>
  </${AppContext.Provider}>`;
}
