// Filling a checklist: sections, every question type (question.js), show_if applied live,
// required questions marked, notes, and deviation rules that suggest a pre-filled finding.
// Every answer is saved to IndexedDB (with its outbox entry) as it is given.

import { memo } from 'preact/compat';
import { useEffect, useMemo, useState } from 'preact/hooks';

import { checkAnswers, questionsOf } from '../checklist.js';
import { isMissing } from '../logic.js';
import { answerKey, visitBundle } from '../db.js';
import { answerQuestion, answerWithImage, createFinding, setAnswerNote } from '../edits.js';
import { QuestionView } from '../question.js';
import {
  BackLink, html, LABELS, navigate, severityName, TextField, useApp, useLive,
} from '../ui.js';
import { PhotoPicker } from './photo-picker.js';
import { SignaturePadField } from './signature.js';
import { answerMap } from './visit.js';


/** The field app's inputs for what needs the device: photos, a signature, a held text. */
function deviceInputs({ db, syncer, target, links }) {
  return {
    text: ({ value, save, labelId }) => html`<${TextField} multiline value=${value || ''}
      aria-labelledby=${labelId} draft=${{ kind: 'answer', target }} onSave=${(text) => save(text)} />`,
    photo: ({ question }) => html`<${PhotoPicker} target=${target} label=${question.text}
      links=${links.filter((l) => l.question_id === question.id)} />`,
    signature: ({ question, value }) => (value
      ? html`<p>Signerat.</p>`
      : html`<${SignaturePadField} label=${question.text} onSave=${async (image) => {
        await answerWithImage(db, target, image);
        syncer.syncSoon();
      }} />`),
  };
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
  const { db, syncer } = useApp();
  return html`<${QuestionView} question=${question} value=${answer?.value}
    save=${(next) => answerQuestion(db, target, next)}
    inputs=${deviceInputs({ db, syncer, target, links })}
    state=${state} stateWord=${state ? LABELS.sync_states[state] : null}>
    ${conflict ? html`<p class="conflict">Konflikt: två olika värden har sparats.
      <a class="button" href="#/synk">Visa konflikten</a></p>` : null}
    ${suggestion ? html`<${Deviation} suggestion=${suggestion} finding=${finding} visitId=${visitId} agency=${target.agency} />` : null}
    <${Note} question=${question} note=${answer?.note} target=${target} save=${(note) => setAnswerNote(db, target, note)} />
  <//>`;
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
