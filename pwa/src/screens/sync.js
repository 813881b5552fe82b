// The sync screen: what is saved on the tablet and not yet sent (grouped by visit, every
// item named as the inspector knows it, nothing left out), what the server refused (with
// its reason, a way to fix it and a way to discard it), open conflicts with every value,
// who gave it, from which tablet and when (and, for the owning agency, a way to choose),
// the last sync as "för 5 min sedan", a warning while unsent work sits in storage the
// browser may delete, and "Synka nu".

import { useEffect, useState } from 'preact/hooks';

import { countItems, dismissRejection, getMeta, itemKey, syncOverview } from '../db.js';
import { resolveConflict } from '../edits.js';
import { workAtRisk } from '../storage.js';
import {
  formatAgo, formatStamp, html, LABELS, plural, severityName, useAgencyName, useApp,
  useLive, VISIT_STATUS,
} from '../ui.js';

const STATE = LABELS.sync_states;
const ENTITY = LABELS.entities;

/** Why the server refused a change, in Swedish, by its code. */
const REFUSALS = {
  visit_closed: 'Besöket är avslutat. Be samordnaren öppna det igen, eller kasta ändringen.',
  visit_cancelled: 'Besöket är inställt och tar inte emot ändringar.',
  invalid_transition: 'Besöket kan inte få den statusen nu.',
  forbidden: 'Du har inte behörighet att göra den ändringen.',
  already_resolved: 'Konflikten var redan löst av någon annan.',
  invalid_fields: 'Något av värdena godtogs inte av servern. Rätta det och försök igen.',
  invalid_field: 'Något av värdena godtogs inte av servern. Rätta det och försök igen.',
  invalid: 'Servern godtog inte ändringen.',
  not_found: 'Det ändringen gäller finns inte längre på servern.',
};

const STATUS_TEXT = {
  ok: 'Allt är kontrollerat mot servern.',
  running: 'Skickar och hämtar…',
  offline: 'Plattan har ingen kontakt med servern just nu. Allt du gör sparas på plattan och skickas när den får nät igen.',
  error: 'Servern svarade inte som väntat. Allt är sparat på plattan och skickas vid nästa försök.',
};

const showValue = (value) => {
  if (value === null || value === undefined || value === '') return '(tomt)';
  if (typeof value === 'boolean') return value ? 'Ja' : 'Nej';
  if (LABELS.yesno[value]) return LABELS.yesno[value];
  if (Array.isArray(value)) return value.length ? value.map(showValue).join(', ') : '(tomt)';
  if (typeof value === 'object') return 'Plats';
  return String(value).replace('.', ',');
};

/** Names for the items of the tablet's visits: question text, finding title, … */
function namer({ visits, templates, findings, photoLinks, signatures }) {
  const questionText = (versionId, questionId) => {
    const template = templates.find((t) => t.id === Number(versionId));
    const question = template?.body.sections.flatMap((s) => s.questions)
      .find((q) => q.id === questionId);
    return question ? question.text : 'En fråga i checklistan';
  };
  const findingTitle = (id) => {
    const finding = findings.find((f) => f.id === id);
    if (!finding) return 'En avvikelse';
    const text = finding.description.trim() || 'utan beskrivning ännu';
    return `${severityName(finding.severity)}: ${text.length > 80 ? `${text.slice(0, 77)}…` : text}`;
  };
  return {
    visitName: (visitId) => visits.find((v) => v.id === visitId)?.business.name || 'Ett besök',
    item(change) {
      const { entity, entity_id: id, fields = {} } = change;
      if (entity === 'answer') {
        return `${ENTITY.answer}: ${questionText(change.template_version, id)}`;
      }
      if (entity === 'finding') return `${ENTITY.finding} – ${findingTitle(id)}`;
      if (entity === 'photo_link') {
        const link = photoLinks.find((l) => l.id === id);
        if (link?.finding_id) return `${ENTITY.photo} till ${findingTitle(link.finding_id).toLowerCase()}`;
        if (link?.question_id) return `${ENTITY.photo} till frågan ”${questionText(versionOf(templates, link.question_id), link.question_id)}”`;
        return ENTITY.photo;
      }
      if (entity === 'signature') {
        const signature = signatures.find((s) => s.id === id);
        return `${ENTITY.signature}${signature ? ` av ${signature.signer_name}` : ''}`;
      }
      if (entity === 'visit_status') {
        return `${ENTITY.visit_status}: ${VISIT_STATUS[fields.status] || 'ändrad'}`;
      }
      if (entity === 'conflict_resolution') return 'Ditt val i en konflikt';
      if (entity === 'site_person') return 'En person på plats';
      if (entity === 'person_observation') return 'Iakttagelser om en person på plats';
      return 'En ändring';
    },
    conflict(conflict) {
      if (conflict.entity === 'answer') {
        const [, versionId, questionId] = conflict.entity_id.split(':');
        const field = conflict.field === 'note' ? ' (anteckningen)' : '';
        return `${questionText(versionId, questionId)}${field}`;
      }
      if (conflict.entity === 'site_person') return 'En person på plats';
      if (conflict.entity === 'person_observation') return 'Iakttagelser om en person på plats';
      return findingTitle(conflict.entity_id);
    },
  };
}

function versionOf(templates, questionId) {
  return templates.find((t) => t.body.sections.some((s) => s.questions.some((q) => q.id === questionId)))?.id;
}

function Candidate({ candidate, index, visit, session, chosen }) {
  const agencyName = useAgencyName();
  const person = visit?.participants.find((p) => p.user_id === candidate.user_id);
  const who = person ? `${person.name}, ${agencyName(person.agency)}` : 'en annan användare';
  const device = candidate.device_id && candidate.device_id === session.deviceId
    ? 'den här plattan' : 'en annan enhet';
  return html`<li class=${chosen === index ? 'chosen' : ''}>
    <strong class="candidate-value">${showValue(candidate.value)}</strong>
    <span> – ${who}, ${device}, ${formatStamp(candidate.client_time || candidate.at)}</span>
  </li>`;
}

function ConflictCard({ conflict, names, visit, session }) {
  const agencyName = useAgencyName();
  const { db, syncer } = useApp();
  const mine = visit?.participants.some((p) => p.user_id === session.user.id) &&
    conflict.agency === session.user.agency;
  const chosen = conflict.status === 'chosen' ? conflict.chosen : null;
  return html`<li class="card conflict-card">
    <h3>${names.conflict(conflict)}</h3>
    <p class="subtle">${names.visitName(conflict.visit_id)}: två olika värden har sparats, och
      det senast mottagna gäller tills någon väljer.</p>
    <ul class="plain">${conflict.candidates.map((candidate, i) => html`<${Candidate} key=${i}
      candidate=${candidate} index=${i} visit=${visit} session=${session} chosen=${chosen} />`)}</ul>
    ${chosen !== null
      ? html`<p role="status">Du valde ”${showValue(conflict.candidates[chosen].value)}”. Valet är
          sparat på plattan och skickas vid nästa synkning.</p>`
      : mine
        ? html`<div class="actions">${conflict.candidates.map((candidate, i) => html`<button
            type="button" key=${i} onClick=${async () => {
              await resolveConflict(db, conflict, i);
              syncer.syncSoon();
            }}>Behåll ”${showValue(candidate.value)}”</button>`)}</div>`
        : html`<p class="subtle">Samordnaren eller en inspektör från ${agencyName(conflict.agency)}
            avgör vilket värde som gäller.</p>`}
  </li>`;
}

function placeOf(change, templates) {
  const visit = `#/besok/${change.visit_id}`;
  if (change.entity === 'answer' && change.template_version) {
    return `${visit}/checklista/${change.template_version}/${encodeURIComponent(change.entity_id)}`;
  }
  if (change.entity === 'finding') return `${visit}/avvikelse/${change.entity_id}`;
  if (change.entity === 'photo_link' && change.fields?.finding_id) {
    return `${visit}/avvikelse/${change.fields.finding_id}`;
  }
  if (change.entity === 'photo_link' && change.fields?.question_id) {
    const version = versionOf(templates, change.fields.question_id);
    return `${visit}/checklista/${version}/${encodeURIComponent(change.fields.question_id)}`;
  }
  return visit;
}

function Rejection({ rejection, names, templates }) {
  const { db } = useApp();
  const reason = REFUSALS[rejection.code] || 'Servern tog inte emot ändringen.';
  return html`<li class="card rejected-card" data-testid="rejection">
    <h3>${names.item(rejection)}</h3>
    <p class="subtle">${names.visitName(rejection.visit_id)} · ${STATE.rejected} ${formatStamp(rejection.at)}</p>
    <p>${reason}</p>
    <div class="actions">
      <a class="button" href=${placeOf(rejection, templates)}>Gå till och rätta</a>
      <button type="button" onClick=${() => dismissRejection(db, rejection.id)}>Kasta ändringen</button>
    </div>
  </li>`;
}

/** The unsent changes of one visit, one line per item (its latest change). */
function VisitGroup({ visitId, entries, names }) {
  const items = new Map();
  for (const entry of entries) items.set(itemKey(entry), entry);
  return html`<section class="card">
    <h3>${names.visitName(visitId)}</h3>
    <p class="subtle">${plural(items.size, 'osynkad ändring')}</p>
    <ul class="plain">${[...items.values()].map((entry) => html`<li key=${entry.seq}>
      ${names.item(entry)} <span class="state-word">· ${STATE.saved}</span></li>`)}</ul>
  </section>`;
}

export function SyncScreen() {
  const { db, syncer, session } = useApp();
  const overview = useLive(() => syncOverview(db), [db]);
  const storage = useLive(() => getMeta(db, 'storage', {}), [db]);
  const [busy, setBusy] = useState(false);
  const [, tick] = useState(0);
  useEffect(() => {
    const timer = setInterval(() => tick((n) => n + 1), 30000);
    return () => clearInterval(timer);
  }, []);
  if (!overview) return html`<p>Läser in…</p>`;
  const { sync, pending, conflicts, rejections, visits, templates } = overview;
  const names = namer(overview);
  const offline = sync.state === 'offline' || !navigator.onLine;
  const state = offline ? 'offline' : sync.state;
  const byVisit = new Map();
  for (const entry of pending) {
    if (!byVisit.has(entry.visit_id)) byVisit.set(entry.visit_id, []);
    byVisit.get(entry.visit_id).push(entry);
  }

  async function syncNow() {
    setBusy(true);
    await syncer.syncNow();
    setBusy(false);
  }

  return html`<section class="sync">
    <h1>Synkning</h1>
    ${STATUS_TEXT[state] ? html`<p class=${`notice ${offline || state === 'error' ? 'warning' : ''}`}
      data-testid="sync-state">${STATUS_TEXT[state]}</p>` : null}
    ${workAtRisk(countItems(pending), storage) ? html`<p class="notice warning" data-testid="storage-at-risk">
      Lagringen på plattan är inte skyddad: webbläsaren kan radera det som inte är synkat.
      Synka så fort du har nät, och lägg till appen på hemskärmen.</p>` : null}
    <dl class="facts">
      <dt>${STATE.saved}, inte skickat</dt>
      <dd><span data-testid="pending-changes">${countItems(pending)}</span></dd>
      <dt>Senast synkat</dt><dd data-testid="last-sync">${formatAgo(sync.lastSuccess)}</dd>
    </dl>
    <button type="button" class="primary" onClick=${syncNow} disabled=${busy}>${busy ? 'Synkar…' : 'Synka nu'}</button>

    <h2>Konflikter</h2>
    ${conflicts.length ? html`<ul class="cards">${conflicts.map((c) => html`<${ConflictCard} key=${c.id}
      conflict=${c} names=${names} session=${session}
      visit=${visits.find((v) => v.id === c.visit_id)} />`)}</ul>` : html`<p>Inga öppna konflikter.</p>`}

    ${rejections.length ? html`<h2>Ändringar som servern inte tog emot</h2>
      <ul class="cards">${rejections.map((r) => html`<${Rejection} key=${r.id}
        rejection=${r} names=${names} templates=${templates} />`)}</ul>` : null}

    <h2>Väntar på att skickas</h2>
    ${byVisit.size ? [...byVisit.entries()].map(([visitId, entries]) => html`<${VisitGroup}
      key=${visitId} visitId=${visitId} entries=${entries} names=${names} />`)
      : html`<p>Inget väntar. Allt är skickat.</p>`}
  </section>`;
}
