// The sync screen: pending changes and photos, last successful sync, conflicts with every
// candidate value and who wrote it, refused changes, and "Synka nu".

import { useState } from 'preact/hooks';

import { syncOverview } from '../db.js';
import { agencyName, formatStamp, html, useApp, useLive } from '../ui.js';

const ENTITY = {
  answer: 'Svar', finding: 'Avvikelse', photo_link: 'Foto', signature: 'Signatur', visit_status: 'Besöksstatus',
};
const FIELD = {
  value: 'värde', note: 'anteckning', description: 'beskrivning', severity: 'allvarlighetsgrad',
  legal_ref: 'lagrum', visibility: 'synlighet', follow_up_due: 'uppföljning', deleted: 'borttagen',
};

const showValue = (value) => {
  if (value === null || value === undefined) return '(tomt)';
  if (value === 'yes') return 'Ja';
  if (value === 'no') return 'Nej';
  if (value === 'na') return 'Ej aktuellt';
  return typeof value === 'string' ? value : JSON.stringify(value);
};

function participantName(visits, visitId, userId) {
  const visit = visits.find((v) => v.id === visitId);
  const person = visit?.participants.find((p) => p.user_id === userId);
  return person ? `${person.name} (${agencyName(person.agency)})` : `användare ${userId}`;
}

function questionText(conflict) {
  return conflict.entity === 'answer' ? conflict.entity_id.split(':').pop() : conflict.entity_id;
}

export function SyncScreen() {
  const { db, syncer } = useApp();
  const overview = useLive(() => syncOverview(db), [db]);
  const [busy, setBusy] = useState(false);
  if (!overview) return html`<p>Läser in…</p>`;
  const { sync, pending, pendingPhotos, conflicts, rejections, visits } = overview;

  async function syncNow() {
    setBusy(true);
    await syncer.syncNow();
    setBusy(false);
  }

  return html`<section class="sync">
    <h1>Synkning</h1>
    <dl class="facts">
      <dt>Osynkade ändringar</dt><dd data-testid="pending-changes">${pending.length}</dd>
      <dt>Osynkade foton</dt><dd data-testid="pending-photos">${pendingPhotos}</dd>
      <dt>Senast synkat</dt><dd data-testid="last-sync">${formatStamp(sync.lastSuccess)}</dd>
      <dt>Läge</dt><dd>${{ ok: 'Klart', running: 'Synkar…', offline: 'Ingen kontakt med servern', error: 'Fel vid synkning' }[sync.state] || '–'}</dd>
    </dl>
    ${sync.error && sync.state !== 'ok' ? html`<p class="error">${sync.error.message || sync.error.code}</p>` : null}
    <button type="button" class="primary" onClick=${syncNow} disabled=${busy}>${busy ? 'Synkar…' : 'Synka nu'}</button>

    <h2>Konflikter</h2>
    ${conflicts.length ? html`<ul class="cards">${conflicts.map((c) => html`<li key=${c.id} class="card conflict-card">
      <h3>${ENTITY[c.entity] || c.entity}: ${questionText(c)} (${FIELD[c.field] || c.field})</h3>
      <ul class="plain">${c.candidates.map((candidate, i) => html`<li key=${i}>
        <strong>${showValue(candidate.value)}</strong> – ${participantName(visits, c.visit_id, candidate.user_id)},
        ${formatStamp(candidate.at)}</li>`)}</ul>
      <p class="subtle">Samordnaren avgör vilket värde som gäller.</p>
    </li>`)}</ul>` : html`<p>Inga öppna konflikter.</p>`}

    ${rejections.length ? html`<h2>Ändringar som servern inte tog emot</h2>
      <ul class="cards">${rejections.map((r, i) => html`<li key=${i} class="card">
        <h3>${ENTITY[r.entity] || r.entity}: ${r.entity_id}</h3>
        <p>${r.message || r.code}</p><p class="subtle">${formatStamp(r.at)}</p>
      </li>`)}</ul>` : null}

    ${pending.length ? html`<h2>Väntar på att skickas</h2>
      <ul class="plain">${pending.slice(0, 50).map((e) => html`<li key=${e.seq}>
        ${ENTITY[e.entity] || e.entity}: ${e.entity_id} · ${formatStamp(e.client_time)}</li>`)}</ul>` : null}
  </section>`;
}
