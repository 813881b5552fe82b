// Filling a checklist: sections, every question type, show_if applied live, required
// questions marked, notes, and deviation rules that suggest a pre-filled finding.
// Every answer is saved to IndexedDB (with its outbox entry) as it is given.

import { memo } from 'preact/compat';
import { useEffect, useMemo, useState } from 'preact/hooks';

import { checkAnswers, questionsOf } from '../checklist.js';
import { isMissing } from '../logic.js';
import { answerKey, visitBundle } from '../db.js';
import { answerQuestion, answerWithImage, createFinding, setAnswerNote } from '../edits.js';
import {
  BackLink, DateField, html, LABELS, navigate, severityName, TextField, useApp, useLive, YESNO,
} from '../ui.js';
import { PhotoPicker } from './photo-picker.js';
import { SignaturePadField } from './signature.js';
import { answerMap } from './visit.js';


function Options({ name, options, selected, multiple, onChange }) {
  // A choice shows at once and stays while its write commits: a re-render in between (the
  // sync badge changing, say) must not undo the tap with the value IndexedDB still holds.
  const [pending, setPending] = useState(undefined);
  const stored = JSON.stringify(selected ?? null);
  useEffect(() => setPending(undefined), [stored]);
  const current = pending === undefined ? selected : pending;
  const chosen = Array.isArray(current) ? current : current == null ? [] : [current];
  const choose = (value) => {
    setPending(value);
    return onChange(value);
  };
  return html`<div class=${`options ${options.length <= 3 ? 'inline' : ''}`}>
    ${options.map(([value, label]) => html`<label key=${value} class="option">
      <input type=${multiple ? 'checkbox' : 'radio'} name=${name} value=${value}
        checked=${chosen.includes(value)}
        onChange=${(event) => {
          if (!multiple) return choose(value);
          const next = event.currentTarget.checked
            ? [...chosen, value] : chosen.filter((v) => v !== value);
          const order = options.map(([v]) => v);
          return choose(next.sort((a, b) => order.indexOf(a) - order.indexOf(b)));
        }} />
      <span>${label}</span>
    </label>`)}
  </div>`;
}

function parseNumber(text, question) {
  const trimmed = text.trim().replace(',', '.').replace(/\s/g, '');
  if (!trimmed) return { value: null };
  const value = Number(trimmed);
  if (!Number.isFinite(value)) return { error: 'Ange ett tal.' };
  if (question.type === 'integer' && !Number.isInteger(value)) return { error: 'Ange ett heltal.' };
  if (question.min != null && value < question.min) return { error: `Minst ${question.min}.` };
  if (question.max != null && value > question.max) return { error: `Högst ${question.max}.` };
  return { value };
}

function NumberInput({ question, value, labelId, save }) {
  const [error, setError] = useState(null);
  return html`<div class="number">
    <${TextField} value=${value == null ? '' : String(value).replace('.', ',')}
      inputmode=${question.type === 'integer' ? 'numeric' : 'decimal'} aria-labelledby=${labelId}
      aria-invalid=${error ? 'true' : 'false'}
      onSave=${(text) => {
        const parsed = parseNumber(text, question);
        setError(parsed.error || null);
        if (!parsed.error) save(parsed.value);
      }} />
    ${question.unit ? html`<span class="unit">${question.unit}</span>` : null}
    ${error ? html`<p class="error" role="alert">${error}</p>` : null}
  </div>`;
}

function LocationInput({ value, save }) {
  const [error, setError] = useState(null);
  const locate = () => navigator.geolocation.getCurrentPosition(
    ({ coords }) => save({ lat: coords.latitude, lon: coords.longitude, accuracy: coords.accuracy }),
    () => setError('Positionen kunde inte hämtas.'),
    { enableHighAccuracy: true, timeout: 20000 },
  );
  return html`<div>
    ${value ? html`<p>${value.lat.toFixed(5)}, ${value.lon.toFixed(5)} (±${Math.round(value.accuracy || 0)} m)</p>` : null}
    <button type="button" onClick=${locate}>Hämta position</button>
    ${error ? html`<p class="error" role="alert">${error}</p>` : null}
  </div>`;
}

function AnswerInput({ question, value, target, links, labelId }) {
  const { db, syncer } = useApp();
  const save = (next) => answerQuestion(db, target, next);
  const name = `q-${question.id}`;
  switch (question.type) {
    case 'yesno':
      return html`<${Options} name=${name} options=${YESNO} selected=${value} onChange=${save} />`;
    case 'choice':
      return html`<${Options} name=${name} multiple=${question.multiple}
        options=${question.options.map((o) => [o.value, o.label])} selected=${value} onChange=${save} />`;
    case 'number':
    case 'integer':
      return html`<${NumberInput} question=${question} value=${value} labelId=${labelId} save=${save} />`;
    case 'text':
      return html`<${TextField} multiline value=${value || ''} aria-labelledby=${labelId}
        draft=${{ kind: 'answer', target }} onSave=${(text) => save(text)} />`;
    case 'date':
      return html`<${DateField} value=${value} aria-labelledby=${labelId} onSave=${save} />`;
    case 'photo':
      return html`<${PhotoPicker} target=${target} label=${question.text}
        links=${links.filter((l) => l.question_id === question.id)} />`;
    case 'signature':
      return value
        ? html`<p>Signerat.</p>`
        : html`<${SignaturePadField} label=${question.text} onSave=${async (image) => {
          await answerWithImage(db, target, image);
          syncer.syncSoon();
        }} />`;
    case 'location':
      return html`<${LocationInput} value=${value} save=${save} />`;
    default:
      return html`<p class="subtle">Frågetypen stöds inte i den här versionen av appen.</p>`;
  }
}

function Deviation({ suggestion, finding, visitId, agency }) {
  const { db } = useApp();
  if (finding) {
    return html`<div class="deviation recorded">
      <p>Avvikelse registrerad: ${finding.description}</p>
      <a class="button" href=${`#/besok/${visitId}/avvikelse/${finding.id}`}>Visa avvikelsen</a>
    </div>`;
  }
  async function create() {
    const id = await createFinding(db, {
      visitId,
      agency,
      fields: {
        severity: suggestion.severity,
        legal_ref: suggestion.legal_ref,
        description: suggestion.text,
        question_id: suggestion.question_id,
      },
    });
    navigate(`/besok/${visitId}/avvikelse/${id}`);
  }
  return html`<div class="deviation">
    <p><strong>Avvikelse föreslås</strong> (${severityName(suggestion.severity)}): ${suggestion.text}</p>
    <button type="button" class="primary" onClick=${create}>Skapa avvikelse</button>
  </div>`;
}

/** The note of a question, its field rendered only once opened (300 questions stay light). */
function Note({ question, note, target, save }) {
  const [open, setOpen] = useState(Boolean(note));
  return html`<details class="note" open=${open} onToggle=${(e) => setOpen(e.currentTarget.open)}>
    <summary>Anteckning${note ? ' (ifylld)' : ''}</summary>
    ${open ? html`<${TextField} multiline value=${note || ''} aria-label=${`Anteckning: ${question.text}`}
      draft=${{ kind: 'note', target }} onSave=${save} />` : null}
  </details>`;
}

/** What a question shows, as a string: it re-renders only when this changes. */
function questionState({ question, answer, suggestion, finding, links, conflict, state }) {
  return JSON.stringify([
    question.id, answer?.value, answer?.note, suggestion?.text, finding?.id, finding?.description,
    links.filter((l) => l.question_id === question.id).map((l) => l.id), conflict, state,
  ]);
}

const Question = memo(function Question({ question, answer, suggestion, finding, links, conflict, state, target, visitId }) {
  const { db } = useApp();
  const labelId = `label-${question.id}`;
  const required = question.required || (question.type === 'photo' && question.min_photos);
  return html`<fieldset class="question" id=${`q-${question.id}`} data-question=${question.id}>
    <legend id=${labelId}>
      ${question.text}${question.unit && question.type !== 'number' ? ` (${question.unit})` : ''}
      ${required ? html`<span class="required"> (obligatorisk)</span>` : null}
      ${state ? html`<span class=${`state-word state-${state}`}> · ${LABELS.sync_states[state]}</span>` : null}
    </legend>
    ${question.help ? html`<p class="help">${question.help}</p>` : null}
    ${question.legal_ref ? html`<p class="legal">${question.legal_ref}</p>` : null}
    <${AnswerInput} question=${question} value=${answer?.value} target=${target} links=${links} labelId=${labelId} />
    ${conflict ? html`<p class="conflict">Konflikt: två olika värden har sparats.
      <a class="button" href="#/synk">Visa konflikten</a></p>` : null}
    ${suggestion ? html`<${Deviation} suggestion=${suggestion} finding=${finding} visitId=${visitId} agency=${target.agency} />` : null}
    <${Note} question=${question} note=${answer?.note} target=${target} save=${(note) => setAnswerNote(db, target, note)} />
  </fieldset>`;
}, (before, after) => questionState(before) === questionState(after));

/** Scroll to a question (the sticky header is kept clear by scroll-margin-top). */
function showQuestion(questionId) {
  const element = document.getElementById(`q-${questionId}`);
  if (!element) return false;
  element.scrollIntoView({ block: 'start' });
  element.querySelector('input, textarea, button')?.focus({ preventScroll: true });
  return true;
}

/** The question index: every visible question with its state, to jump straight to it. */
function JumpList({ questions, answers, suggestions }) {
  const [open, setOpen] = useState(false);
  return html`<details class="jump" onToggle=${(e) => setOpen(e.currentTarget.open)}>
    <summary>Frågeöversikt</summary>
    ${open ? html`<ol class="jump-list">${questions.map((q, i) => {
      const state = suggestions[q.id] ? 'deviation' : isMissing(answers[q.id]) ? 'unanswered' : 'answered';
      const word = { deviation: 'avvikelse', unanswered: 'obesvarad', answered: 'besvarad' }[state];
      return html`<li key=${q.id}><a class=${`button ${state}`} href=${`#q-${q.id}`}
        title=${q.text} aria-label=${`Fråga ${i + 1}, ${word}: ${q.text}`}
        onClick=${(event) => { event.preventDefault(); showQuestion(q.id); }}>${i + 1}${state === 'deviation' ? ' !' : state === 'answered' ? ' ✓' : ''}</a></li>`;
    })}</ol>
    <p class="subtle">✓ besvarad · ! avvikelse föreslås · utan tecken: obesvarad</p>` : null}
  </details>`;
}

export function ChecklistScreen({ visitId, versionId, focus }) {
  const { db, session } = useApp();
  const bundle = useLive(() => visitBundle(db, visitId), [db, visitId]);
  const loaded = bundle?.templates.find((t) => t.id === versionId);
  // A published version never changes: keep one copy, so questions keep their identity.
  const template = useMemo(() => loaded, [loaded?.id]);
  const [shown, setShown] = useState(null);
  useEffect(() => {
    if (template && focus && shown !== focus && showQuestion(focus)) setShown(focus);
  });
  if (bundle === undefined) return html`<p>Läser in…</p>`;
  if (!template) return html`<${BackLink} to=${`besok/${visitId}`} /><h1>Checklistan finns inte på enheten</h1>`;
  const answers = bundle.answers.filter((a) => a.template_version_id === versionId);
  const byQuestion = Object.fromEntries(answers.map((a) => [a.question_id, a]));
  const result = checkAnswers(template.body, answerMap(answers, versionId));
  const suggestions = Object.fromEntries(result.deviations.map((d) => [d.question_id, d]));
  const ownFindings = bundle.findings.filter((f) => f.agency === session.user.agency);
  const openConflicts = new Set(bundle.conflicts.filter((c) => c.status === 'open').map((c) => c.entity_id));
  const target = (questionId) => ({
    visitId, templateVersionId: versionId, agency: template.agency, questionId,
  });
  const links = bundle.photoLinks.filter((l) => l.question_id);
  // Where a question's answer stands: refused, in conflict, on the tablet only, or sent.
  const itemState = (key, answer) => {
    if (bundle.refused.has(key)) return 'rejected';
    if (openConflicts.has(key.slice('answer:'.length))) return 'conflict';
    if (bundle.unsent.has(key)) return 'saved';
    return answer && (answer.value != null || answer.note) ? 'sent' : null;
  };

  return html`<article class="checklist">
    <${BackLink} to=${`besok/${visitId}`} label=${bundle.visit.business.name} />
    <h1>${template.title}</h1>
    <${JumpList} questions=${questionsOf(template.body).filter((q) => result.visible.has(q.id))}
      answers=${answerMap(answers, versionId)} suggestions=${suggestions} />
    <p class="progress" role="status">${result.missingRequired.length
      ? `${result.missingRequired.length} obligatoriska frågor kvar`
      : 'Alla obligatoriska frågor är besvarade'}</p>
    ${template.body.sections.map((section) => {
      const questions = section.questions.filter((q) => result.visible.has(q.id));
      if (!questions.length) return null;
      return html`<section key=${section.id} class="section">
        <h2>${section.title}</h2>
        ${questions.map((q) => html`<${Question} key=${q.id} question=${q} answer=${byQuestion[q.id]}
          suggestion=${suggestions[q.id]} finding=${ownFindings.find((f) => f.question_id === q.id)}
          links=${links} conflict=${openConflicts.has(answerKey(visitId, versionId, q.id))}
          state=${itemState(`answer:${answerKey(visitId, versionId, q.id)}`, byQuestion[q.id])}
          target=${target(q.id)} visitId=${visitId} />`)}
      </section>`;
    })}
  </article>`;
}
