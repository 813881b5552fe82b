// "Mina besök": today's and upcoming visits assigned to the inspector, read from IndexedDB;
// and, on request and online only, the closed visits that have left this tablet (the one
// list here that is fetched, not read from IndexedDB: the tablet keeps nothing of them).

import { useState } from 'preact/hooks';

import { upcomingVisits, wipe } from '../db.js';
import {
  formatDay, formatTime, html, plural, useAgencyName, useApp, useLive, VISIT_STATUS,
} from '../ui.js';

function VisitCard({ visit }) {
  const agencyName = useAgencyName();
  const colourOf = (code) => visit.participants.find((p) => p.agency === code)?.agency_colour
    || 'transparent';
  const agencies = [...new Set(visit.participants.map((p) => p.agency))];
  const { business } = visit;
  return html`<li class="card visit-card">
    <a href=${`#/besok/${visit.id}`} class="card-link">
      <h3 elementtiming="visit-card">${business.name}</h3>
      <p class="when">${formatDay(visit.planned_start)}, ${formatTime(visit.planned_start)}–${formatTime(visit.planned_end)}</p>
      <p>${business.address}, ${business.postal_code} ${business.city}</p>
      <p class="agencies">${agencies.map((code, index) => html`${index ? ' · ' : ''}<span
        class="agency-dot" aria-hidden="true" style=${{ background: colourOf(code) }}></span>${agencyName(code)}`)}</p>
      <p class="meta">
        <span>${VISIT_STATUS[visit.status] || visit.status}</span>
        <span>${visit.pending ? plural(visit.pending, 'osynkad ändring') : 'Allt skickat'}</span>
      </p>
    </a>
  </li>`;
}

// Signing out removes everything from this tablet, so it waits until nothing is unsynced
// (inspectors' work is evidence and must reach the server first), then asks, says what is
// wiped, and warns that signing in again needs a network.
function SignOut({ shell }) {
  const { db } = useApp();
  const [asking, setAsking] = useState(false);
  const unsynced = shell.unsynced;
  if (unsynced) {
    return html`<p class="subtle">Synka innan du loggar ut: ${plural(unsynced, 'osynkad ändring')} finns
      bara på den här plattan.</p>`;
  }
  if (!asking) {
    return html`<button type="button" onClick=${() => setAsking(true)}>Logga ut</button>`;
  }
  const offline = shell.sync?.state === 'offline' || !navigator.onLine;
  return html`<div class="notice warning confirm" role="alertdialog" aria-labelledby="sign-out-title">
    <h2 id="sign-out-title">Logga ut från plattan?</h2>
    <p>Allt som finns på plattan raderas härifrån: besök, checklistor, svar, avvikelser, foton
      och underskrifter. Det som är synkat finns kvar på servern.</p>
    ${offline ? html`<p data-testid="offline-sign-out"><strong>Plattan är offline.</strong> För att
      logga in igen behövs nätverk, så du kan inte arbeta i appen förrän plattan har nät.</p>` : null}
    <div class="actions">
      <button type="button" class="danger" onClick=${() => wipe(db, 'signed_out')}>Ja, logga ut och radera</button>
      <button type="button" onClick=${() => setAsking(false)}>Avbryt</button>
    </div>
  </div>`;
}

// Closed visits leave the tablet WORKING_SET_DAYS after closing; their dossier stays on the
// server. Listed from the server when asked, never stored.
function ArchivedVisits() {
  const { api, session } = useApp();
  const [state, setState] = useState(null);
  async function load() {
    setState({ loading: true });
    const result = await api.archivedVisits(session);
    setState(result.ok ? { visits: result.data } : { error: true });
  }
  if (!state) {
    return html`<p><button type="button" onClick=${load}>Visa avslutade besök</button></p>`;
  }
  if (state.loading) return html`<p>Hämtar avslutade besök…</p>`;
  if (state.error) {
    return html`<p class="subtle" role="status">Avslutade besök kan bara visas när plattan har nät.
      <button type="button" onClick=${load}>Försök igen</button></p>`;
  }
  return html`<section data-testid="archived-visits">
    <h2>Avslutade besök</h2>
    <p class="subtle">Finns bara på servern, inte på plattan.</p>
    ${state.visits.length ? html`<ul class="cards">${state.visits.map((visit) => html`<li class="card" key=${visit.id}>
      <h3>${visit.business.name}</h3>
      <p class="when">${formatDay(visit.planned_start)}</p>
      <p class="meta"><span>${VISIT_STATUS[visit.status] || visit.status}</span></p>
    </li>`)}</ul>` : html`<p>Inga avslutade besök.</p>`}
  </section>`;
}

export function VisitsScreen({ shell }) {
  const { db, session } = useApp();
  const visits = useLive(() => upcomingVisits(db), [db]);
  const today = new Date().toDateString();
  const todays = (visits || []).filter((v) => new Date(v.planned_start).toDateString() === today);
  const later = (visits || []).filter((v) => new Date(v.planned_start).toDateString() !== today);
  const neverSynced = !shell.sync?.lastSuccess;
  return html`<section>
    <h1>Mina besök</h1>
    <p class="subtle">Inloggad som ${session.user.name}, ${session.user.agency_name || session.user.agency}</p>
    <${SignOut} shell=${shell} />
    ${visits === undefined ? html`<p>Läser in…</p>` : null}
    ${visits && !visits.length ? html`<p>${neverSynced
      ? 'Inga besök hämtade ännu. De hämtas när enheten har nätverk.'
      : 'Inga planerade besök.'}</p>` : null}
    ${todays.length ? html`<h2>I dag</h2><ul class="cards">${todays.map((v) => html`<${VisitCard} key=${v.id} visit=${v} />`)}</ul>` : null}
    ${later.length ? html`<h2>Kommande</h2><ul class="cards">${later.map((v) => html`<${VisitCard} key=${v.id} visit=${v} />`)}</ul>` : null}
    <${ArchivedVisits} />
  </section>`;
}
