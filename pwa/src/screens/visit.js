// A visit: business details and history, participants, the inspector's own checklist(s),
// the findings (own agency's and others' joint ones) and the representative's signatures.

import { checkAnswers } from '../checklist.js';
import { visitBundle } from '../db.js';
import { addPhoto, createFinding, setVisitStatus } from '../edits.js';
import { processImage } from '../photos.js';
import {
  BackLink, formatDay, formatStamp, formatTime, html, LABELS, navigate, PhotoThumb,
  severityName, useAgencyName, useApp, useLive, VISIT_STATUS,
} from '../ui.js';

/** The answers of one template version as {question_id: value}. */
export function answerMap(answers, versionId) {
  return Object.fromEntries(answers.filter((a) => a.template_version_id === versionId)
    .map((a) => [a.question_id, a.value]));
}

function ChecklistLink({ visitId, template, answers }) {
  const result = checkAnswers(template.body, answerMap(answers, template.id));
  const answered = answers.filter((a) => a.template_version_id === template.id && a.value != null).length;
  return html`<li class="card">
    <a class="card-link" href=${`#/besok/${visitId}/checklista/${template.id}`}>
      <h3>${template.title}</h3>
      <p>${answered} besvarade · ${result.missingRequired.length
        ? `${result.missingRequired.length} obligatoriska kvar`
        : 'alla obligatoriska besvarade'}</p>
    </a>
  </li>`;
}

// What an inspector may do next with a visit (the server's rule; coordinators close).
const NEXT_STATUS = {
  planned: [['in_progress', 'Starta besöket']],
  in_progress: [['completed', 'Markera besöket som genomfört']],
  completed: [['in_progress', 'Återuppta besöket']],
};

function StatusButtons({ db, visit }) {
  const next = NEXT_STATUS[visit.status] || [];
  if (!next.length) return null;
  // Completing goes through the summary of what is still missing first.
  const go = (status) => (status === 'completed'
    ? navigate(`/besok/${visit.id}/genomfor`) : setVisitStatus(db, visit.id, status));
  return html`<p class="actions">${next.map(([status, label]) => html`<button type="button"
    key=${status} onClick=${() => go(status)}>${label}</button>`)}</p>`;
}

function FindingItem({ visitId, finding, own, state = null }) {
  const agencyName = useAgencyName();
  const body = html`
    <h3>${severityName(finding.severity)}${finding.draft ? ' (utkast)' : ''}</h3>
    ${state ? html`<p class="state-word">${LABELS.sync_states[state]}</p>` : null}
    <p>${finding.description || 'Ingen beskrivning ännu'}</p>
    <p class="meta">
      <span>${agencyName(finding.agency)}</span>
      ${finding.legal_ref ? html`<span>${finding.legal_ref}</span>` : null}
      <span>${LABELS.visibilities[finding.visibility] || finding.visibility}</span>
    </p>`;
  return html`<li class="card finding-card">
    ${own ? html`<a class="card-link" href=${`#/besok/${visitId}/avvikelse/${finding.id}`}>${body}</a>` : body}
  </li>`;
}

export function VisitScreen({ visitId }) {
  const { db, session } = useApp();
  const agencyName = useAgencyName();
  const bundle = useLive(() => visitBundle(db, visitId), [db, visitId]);
  if (bundle === undefined) return html`<p>Läser in…</p>`;
  if (bundle === null) return html`<${BackLink} to="" /><h1>Besöket finns inte på enheten</h1>`;
  const { visit, templates, answers, findings, signatures, earlierFindings } = bundle;
  const me = session.user;
  const myVersions = new Set(visit.participants.filter((p) => p.user_id === me.id)
    .map((p) => p.template_version_id));
  const ownTemplates = templates.filter((t) => myVersions.has(t.id));
  const own = findings.filter((f) => f.agency === me.agency);
  const others = findings.filter((f) => f.agency !== me.agency);
  const { business } = visit;

  // Photo first: the finding starts from the picture and is described afterwards.
  async function findingFromPhoto(event) {
    const [file] = event.currentTarget.files;
    event.currentTarget.value = '';
    if (!file) return;
    const photo = await processImage(file);
    const id = await createFinding(db, { visitId, agency: me.agency, fields: {} });
    await addPhoto(db, { visitId, agency: me.agency, findingId: id }, photo);
    navigate(`/besok/${visitId}/avvikelse/${id}`);
  }

  async function newFinding() {
    const id = await createFinding(db, { visitId, agency: me.agency, fields: {} });
    navigate(`/besok/${visitId}/avvikelse/${id}`);
  }

  return html`<article class="visit">
    <${BackLink} to="" label="Mina besök" />
    <h1>${business.name}</h1>
    <dl class="facts">
      <dt>Tid</dt><dd>${formatDay(visit.planned_start)}, ${formatTime(visit.planned_start)}–${formatTime(visit.planned_end)}</dd>
      <dt>Adress</dt><dd>${business.address}, ${business.postal_code} ${business.city}</dd>
      <dt>Organisationsnummer</dt><dd>${business.org_number}</dd>
      <dt>Verksamhet</dt><dd>${business.category_label || business.category}</dd>
      ${visit.case_number ? html`<dt>Diarienummer</dt><dd>${visit.case_number}</dd>` : null}
      <dt>Status</dt><dd>${VISIT_STATUS[visit.status] || visit.status}${visit.announced ? ', anmält' : ', oanmält'}</dd>
    </dl>
    <${StatusButtons} db=${db} visit=${visit} />
    ${visit.briefing ? html`<p class="briefing">${visit.briefing}</p>` : null}

    <h2>Deltagare</h2>
    <ul class="plain">${visit.participants.map((p) => html`<li key=${`${p.user_id}-${p.template_version_id}`}>
      ${p.name} – ${agencyName(p.agency)}</li>`)}</ul>

    <h2>Min checklista</h2>
    ${ownTemplates.length
      ? html`<ul class="cards">${ownTemplates.map((t) => html`<${ChecklistLink} key=${t.id}
          visitId=${visitId} template=${t} answers=${answers} />`)}</ul>`
      : html`<p>Ingen checklista är tilldelad dig för det här besöket.</p>`}

    <h2>Avvikelser</h2>
    <div class="actions">
      <button type="button" class="primary" onClick=${newFinding}>Ny avvikelse</button>
      <input class="visually-hidden" type="file" id="finding-from-photo" accept="image/*"
        capture="environment" onChange=${findingFromPhoto} />
      <label class="button" for="finding-from-photo">Ny avvikelse från foto</label>
    </div>
    ${own.length ? html`<ul class="cards">${own.map((f) => html`<${FindingItem} key=${f.id}
      visitId=${visitId} finding=${f} own=${true} state=${bundle.refused.has(`finding:${f.id}`)
        ? 'rejected' : f.draft || bundle.unsent.has(`finding:${f.id}`) ? 'saved' : 'sent'} />`)}</ul>` : html`<p>Inga egna avvikelser ännu.</p>`}

    <h2>Andra myndigheters avvikelser</h2>
    ${others.length ? html`<ul class="cards">${others.map((f) => html`<${FindingItem} key=${f.id}
      visitId=${visitId} finding=${f} own=${false} />`)}</ul>` : html`<p>Inga synkade avvikelser från andra.</p>`}

    <h2>Personer på plats</h2>
    <a class="button" href=${`#/besok/${visitId}/personer`}>Personer på plats</a>

    <h2>Signatur</h2>
    ${signatures.length ? html`<ul class="cards">${signatures.map((s) => html`<li key=${s.id} class="card signature-card">
      <${PhotoThumb} sha256=${s.image_sha256} alt=${`Signatur av ${s.signer_name}`} />
      <p>${s.signer_name}${s.signer_role ? `, ${s.signer_role}` : ''} · ${formatStamp(s.signed_at)}</p>
    </li>`)}</ul>` : html`<p>Ingen signatur ännu.</p>`}
    <a class="button" href=${`#/besok/${visitId}/signatur`}>Ta signatur</a>

    <h2>Tidigare avvikelser hos verksamheten</h2>
    ${earlierFindings.length ? html`<ul class="cards">${earlierFindings.map((f) => html`<li key=${f.id} class="card">
      <h3>${severityName(f.severity)} · ${f.visit ? formatDay(f.visit.planned_start) : ''}</h3>
      <p>${f.description}</p><p class="meta"><span>${agencyName(f.agency)}</span></p>
    </li>`)}</ul>` : html`<p>Inga tidigare avvikelser på enheten.</p>`}
  </article>`;
}
