// The live preview: the checklist as the tablet shows it, drawn by the field app's own
// question component (question.js), with visibility and suggested deviations from the shared
// evaluator (checklist.js checkAnswers). In "Prova" mode answers are kept in memory.

import { useState } from 'preact/hooks';

import { checkAnswers } from '../checklist.js';
import { html, severityName } from '../fields.js';
import { QuestionView } from '../question.js';

/** Photo, signature and location need the device: in the preview a tick stands in for them. */
const markInput = ({ question, value, save }) => html`<label class="option mark">
  <input type="checkbox" checked=${Boolean(value)} onChange=${(e) => save(e.currentTarget.checked
    ? (question.type === 'location' ? { lat: 0, lon: 0, accuracy: 0 } : ['provsvar']) : null)} />
  <span>Markera som besvarad</span>
</label>`;
const PREVIEW_INPUTS = { photo: markInput, signature: markInput, location: markInput };

function check(body, answers) {
  try {
    return { result: checkAnswers(body, answers) };
  } catch (error) {
    return { error };
  }
}

export function Preview({ body }) {
  const [trying, setTrying] = useState(false);
  const [answers, setAnswers] = useState({});
  const { result, error } = check(body, trying ? answers : {});
  const shown = trying ? answers : {};
  // Answering a question in the preview starts trying.
  const save = (id) => (value) => {
    setTrying(true);
    setAnswers((all) => ({ ...all, [id]: value }));
  };
  return html`<section class="preview" aria-labelledby="preview-title">
    <div class="preview-head">
      <h2 id="preview-title">Förhandsvisning</h2>
      <label class="inline-check"><input type="checkbox" checked=${trying}
        onChange=${(e) => setTrying(e.currentTarget.checked)} /> Prova: fyll i svar</label>
      ${trying ? html`<button type="button" class="small secondary" onClick=${() => setAnswers({})}>Töm svaren</button>` : null}
    </div>
    <p class="hint">${trying
      ? 'Svaren sparas inte. Frågor visas och döljs som på plattan.'
      : 'Så här ser checklistan ut på plattan innan något är besvarat. Kryssa i Prova för att svara.'}</p>
    ${error ? html`<p class="field-error">Förhandsvisningen kan inte visas förrän villkoren är rättade.</p>` : null}
    ${result && trying ? html`<div class="preview-result" aria-live="polite">
      <p>${result.missingRequired.length ? `${result.missingRequired.length} obligatoriska frågor kvar` : 'Alla obligatoriska frågor är besvarade'}</p>
      ${result.deviations.length ? html`<h3>Avvikelser som föreslås</h3><ul class="fired">
        ${result.deviations.map((d) => html`<li key=${d.question_id}><strong>${severityName(d.severity)}</strong>: ${d.text}${d.legal_ref ? ` (${d.legal_ref})` : ''}</li>`)}
      </ul>` : html`<p>Inga avvikelser föreslås.</p>`}
    </div>` : null}
    ${result ? html`<div class="tablet">
      <h3 class="tablet-title">${body.title}</h3>
      ${body.sections.map((section) => {
        const questions = section.questions.filter((q) => result.visible.has(q.id));
        const hidden = section.questions.length - questions.length;
        return html`<section key=${section.id} class="section">
          <h4>${section.title}</h4>
          ${questions.map((q) => html`<${QuestionView} key=${q.id} question=${q} idPrefix="preview-"
            value=${shown[q.id]} save=${save(q.id)} inputs=${PREVIEW_INPUTS}>
            ${trying && result.deviations.some((d) => d.question_id === q.id) ? html`<div class="deviation">
              <p><strong>Avvikelse föreslås</strong> (${severityName(q.deviation.severity)}): ${q.deviation.text}</p></div>` : null}
          <//>`)}
          ${hidden ? html`<p class="hint">${hidden === 1 ? '1 fråga visas' : `${hidden} frågor visas`} bara när ${hidden === 1 ? 'dess' : 'deras'} villkor är uppfyllt.</p>` : null}
        </section>`;
      })}
    </div>` : null}
  </section>`;
}
