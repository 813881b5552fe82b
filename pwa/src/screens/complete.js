// Before "Genomfört": what is still missing in the inspector's checklists (unanswered
// required questions, required photos), suggested deviations not recorded as findings,
// and the representative's signature, each linking to its place. Completing with anything
// missing needs a second, explicit confirmation.

import { useState } from 'preact/hooks';

import { checkAnswers, questionsOf } from '../checklist.js';
import { visitBundle } from '../db.js';
import { setVisitStatus } from '../edits.js';
import { BackLink, html, navigate, plural, useApp, useLive } from '../ui.js';
import { answerMap } from './visit.js';

/** What is missing before the visit can be marked as done, as linked lines. */
export function missingBeforeCompletion(bundle, user) {
  const { visit, templates, answers, findings, signatures } = bundle;
  const mine = new Set(visit.participants.filter((p) => p.user_id === user.id)
    .map((p) => p.template_version_id));
  const lines = [];
  for (const template of templates.filter((t) => mine.has(t.id))) {
    const result = checkAnswers(template.body, answerMap(answers, template.id));
    const questions = Object.fromEntries(questionsOf(template.body).map((q) => [q.id, q]));
    const place = (id) => `#/besok/${visit.id}/checklista/${template.id}/${encodeURIComponent(id)}`;
    for (const id of result.missingRequired) {
      const photo = questions[id].type === 'photo';
      lines.push({
        kind: photo ? 'photo' : 'question',
        text: `${photo ? 'Foto saknas' : 'Obligatorisk fråga obesvarad'}: ${questions[id].text}`,
        href: place(id),
      });
    }
    const recorded = new Set(findings.filter((f) => f.agency === user.agency).map((f) => f.question_id));
    for (const deviation of result.deviations.filter((d) => !recorded.has(d.question_id))) {
      lines.push({
        kind: 'deviation',
        text: `Föreslagen avvikelse inte registrerad: ${questions[deviation.question_id].text}`,
        href: place(deviation.question_id),
      });
    }
  }
  if (!signatures.length) {
    lines.push({ kind: 'signature', text: 'Verksamhetens underskrift saknas', href: `#/besok/${visit.id}/signatur` });
  }
  return lines;
}

export function CompleteScreen({ visitId }) {
  const { db, session } = useApp();
  const bundle = useLive(() => visitBundle(db, visitId), [db, visitId]);
  const [confirming, setConfirming] = useState(false);
  if (bundle === undefined) return html`<p>Läser in…</p>`;
  if (!bundle) return html`<${BackLink} to="" /><h1>Besöket finns inte på plattan</h1>`;
  const missing = missingBeforeCompletion(bundle, session.user);

  async function complete() {
    await setVisitStatus(db, visitId, 'completed');
    navigate(`/besok/${visitId}`);
  }

  return html`<article class="complete">
    <${BackLink} to=${`besok/${visitId}`} label=${bundle.visit.business.name} />
    <h1>Markera besöket som genomfört</h1>
    ${missing.length ? html`
      <p class="notice warning" role="status">Innan besöket är klart:
        ${plural(missing.length, 'sak')} att se över.</p>
      <ul class="cards summary-list">${missing.map((line) => html`<li key=${line.href + line.kind} class="card">
        <a class="card-link" href=${line.href}>${line.text}</a></li>`)}</ul>
      ${confirming
        ? html`<div class="notice warning" role="alertdialog" aria-labelledby="complete-anyway">
            <p id="complete-anyway">Vill du markera besöket som genomfört trots att
              ${plural(missing.length, 'sak')} saknas?</p>
            <div class="actions">
              <button type="button" class="danger" onClick=${complete}>Ja, markera som genomfört ändå</button>
              <button type="button" onClick=${() => setConfirming(false)}>Avbryt</button>
            </div>
          </div>`
        : html`<button type="button" onClick=${() => setConfirming(true)}>Markera som genomfört ändå</button>`}`
      : html`<p>Allt är ifyllt: obligatoriska frågor, avvikelser och underskrift.</p>
        <button type="button" class="primary" onClick=${complete}>Markera som genomfört</button>`}
  </article>`;
}
