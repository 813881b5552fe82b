// A finding (avvikelse): severity, description, legal reference, follow-up deadline,
// visibility and photos. Own agency's findings are edited in place (every change saved at
// once); others' are shown read-only.

import { useState } from 'preact/hooks';

import { visitBundle } from '../db.js';
import { deleteFinding, updateFinding } from '../edits.js';
import {
  BackLink, DateField, html, LABELS, navigate, SEVERITIES, severityName, TextField,
  useAgencyName, useApp, useLive,
} from '../ui.js';
import { PhotoPicker } from './photo-picker.js';

function Radios({ legend, name, options, value, onChange }) {
  return html`<fieldset class="field">
    <legend>${legend}</legend>
    <div class="options">
      ${options.map(([code, label]) => html`<label key=${code} class="option">
        <input type="radio" name=${name} value=${code} checked=${value === code}
          onChange=${() => onChange(code)} />
        <span>${label}</span>
      </label>`)}
    </div>
  </fieldset>`;
}

function DeleteButton({ onConfirm }) {
  const [asking, setAsking] = useState(false);
  if (!asking) {
    return html`<button type="button" class="danger" onClick=${() => setAsking(true)}>Ta bort avvikelsen</button>`;
  }
  return html`<div class="confirm" role="group" aria-label="Bekräfta borttagning">
    <p>Vill du ta bort avvikelsen?</p>
    <button type="button" class="danger" onClick=${onConfirm}>Ja, ta bort</button>
    <button type="button" onClick=${() => setAsking(false)}>Avbryt</button>
  </div>`;
}

export function FindingScreen({ visitId, findingId }) {
  const { db, session } = useApp();
  const agencyName = useAgencyName();
  const bundle = useLive(() => visitBundle(db, visitId), [db, visitId]);
  if (bundle === undefined) return html`<p>Läser in…</p>`;
  const finding = bundle?.findings.find((f) => f.id === findingId);
  const back = html`<${BackLink} to=${`besok/${visitId}`} label=${bundle?.visit.business.name || 'Besöket'} />`;
  if (!finding) return html`${back}<h1>Avvikelsen finns inte</h1><p>Den kan ha tagits bort.</p>`;
  if (finding.agency !== session.user.agency) {
    return html`${back}<h1>Avvikelse – ${agencyName(finding.agency)}</h1>
      <p><strong>${severityName(finding.severity)}</strong></p><p>${finding.description}</p>
      ${finding.legal_ref ? html`<p>Lagrum: ${finding.legal_ref}</p>` : null}`;
  }
  const save = (changes) => updateFinding(db, findingId, changes);
  const links = bundle.photoLinks.filter((l) => l.finding_id === findingId);
  const template = bundle.templates.find((t) => t.body.sections
    .some((s) => s.questions.some((q) => q.id === finding.question_id)));
  const question = template?.body.sections.flatMap((s) => s.questions)
    .find((q) => q.id === finding.question_id);
  // Back to where the inspector was: the question the finding came from, else the visit.
  const done = question
    ? `#/besok/${visitId}/checklista/${template.id}/${encodeURIComponent(question.id)}`
    : `#/besok/${visitId}`;

  return html`<article class="finding">
    ${back}
    <h1>Avvikelse</h1>
    ${question ? html`<p class="subtle">Gäller frågan: ${question.text}</p>` : null}
    ${finding.draft ? html`<p class="notice">Utkast: avvikelsen och dess foton sparas på plattan och skickas när den har en beskrivning.</p>` : null}
    <label for="finding-description">Beskrivning</label>
    <${TextField} id="finding-description" multiline value=${finding.description}
      draft=${{ kind: 'finding', id: findingId, field: 'description' }} onSave=${(description) => save({ description })} />
    <${Radios} legend="Allvarlighetsgrad" name="severity" options=${SEVERITIES}
      value=${finding.severity} onChange=${(severity) => save({ severity })} />
    <label for="finding-legal-ref">Lagrum</label>
    <${TextField} id="finding-legal-ref" value=${finding.legal_ref || ''}
      draft=${{ kind: 'finding', id: findingId, field: 'legal_ref' }} onSave=${(legalRef) => save({ legal_ref: legalRef })} />
    <label for="finding-due">Uppföljning senast</label>
    <${DateField} id="finding-due" value=${finding.follow_up_due}
      onSave=${(due) => save({ follow_up_due: due })} />
    <${Radios} legend="Synlighet" name="visibility" value=${finding.visibility}
      options=${Object.entries(LABELS.visibility_hints)}
      onChange=${(visibility) => save({ visibility })} />
    <label class="option checkbox">
      <input type="checkbox" checked=${Boolean(finding.internal)}
        onChange=${(event) => save({ internal: event.currentTarget.checked })} />
      <span>${LABELS.internal_hint}</span>
    </label>
    <h2>Foton</h2>
    <${PhotoPicker} label="Avvikelse" links=${links}
      target=${{ visitId, agency: finding.agency, findingId }} />
    <div class="actions">
      <a class="button" href=${done}>Klar</a>
      <${DeleteButton} onConfirm=${async () => {
        await deleteFinding(db, findingId);
        navigate(`/besok/${visitId}`);
      }} />
    </div>
  </article>`;
}
