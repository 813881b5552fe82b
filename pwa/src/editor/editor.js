// The checklist editor: a draft version's sections and questions beside a live preview.
// Every change is kept in localStorage until saved and checked by the server's validator
// (its Swedish messages shown at the question); saving and publishing go through the server.

import { useEffect, useRef, useState } from 'preact/hooks';

import { html } from '../fields.js';
import { placeError } from './errors.js';
import { Preview } from './preview.js';
import { QuestionCard } from './question-card.js';
import {
  addQuestion, addSection, duplicateQuestion, locate, moveQuestion, moveQuestionTo, moveSection,
  questionList, removeQuestion, removeSection, renameOptionValue, renameQuestion, restoreRemoved, slugify, uniqueId,
  updateQuestion, updateSection,
} from './state.js';

const CHECK_DELAY = 400; // ms after the last change before the server checks the draft
const SLUG = /^[a-z0-9-]+$/;
// The template's optional texts (template_format.py TemplateSchema), shown on the version page.
const TEMPLATE_TEXTS = [['description', 'Beskrivning'], ['purpose', 'Syfte'], ['legal_basis', 'Rättslig grund']];
// A question still named after the placeholder text ("Ny fråga", as the server's starter
// draft has it) is as new as one made on this page: its id follows its text.
const PLACEHOLDER_ID = /^ny-fraga(-\d+)?$/;

/** A JSON request that never throws: {status, data}; status 0 when the network failed. */
async function request(method, url, csrf, payload) {
  try {
    const response = await fetch(url, {
      method,
      headers: { 'Content-Type': 'application/json', Accept: 'application/json', 'X-CSRFToken': csrf },
      body: JSON.stringify(payload),
      credentials: 'same-origin',
    });
    let data = null;
    try {
      data = await response.json();
    } catch {
      data = null;
    }
    return { status: response.status, data };
  } catch {
    return { status: 0, data: null };
  }
}

function storageKey(versionId) {
  return `otto-editor:${versionId}`;
}

/** Unsaved work of this version kept from an earlier page, if it was made on this same base. */
function restored(data) {
  try {
    const kept = JSON.parse(localStorage.getItem(storageKey(data.version_id)));
    if (kept && kept.base === JSON.stringify(data.body) && JSON.stringify(kept.body) !== kept.base) return kept.body;
  } catch {
    // Unreadable: start from the server's copy.
  }
  return null;
}

export function Editor({ data }) {
  const [body, setBody] = useState(() => restored(data) || data.body);
  const [notice, setNotice] = useState(() => (restored(data) ? 'restored' : null));
  const [saved, setSaved] = useState(() => JSON.stringify(data.body));
  const [errors, setErrors] = useState([]);
  const [checked, setChecked] = useState(false);
  const [open, setOpen] = useState(() => new Set());
  const [status, setStatus] = useState(null); // {text, undo?}
  const [announcement, setAnnouncement] = useState('');
  const [busy, setBusy] = useState(false);
  const [dragging, setDragging] = useState(null);
  // Stable keys per question (its id changes while a new question's text is typed), and the
  // ids made in this session, which still follow their text.
  const keys = useRef({ map: new Map(), next: 0 });
  const fresh = useRef(new Set());
  const focusNext = useRef(null);
  const bodyRef = useRef(body);
  bodyRef.current = body;

  const keyOf = (id) => {
    const { map } = keys.current;
    if (!map.has(id)) map.set(id, `k${(keys.current.next += 1)}`);
    return map.get(id);
  };
  const dirty = JSON.stringify(body) !== saved;

  // Keep the work until it is saved; check it shortly after each change.
  useEffect(() => {
    const key = storageKey(data.version_id);
    try {
      if (dirty) localStorage.setItem(key, JSON.stringify({ base: saved, body }));
      else localStorage.removeItem(key);
    } catch {
      // Storage full or blocked: the work is still on the page.
    }
    let current = true;
    const timer = setTimeout(async () => {
      const { status: code, data: answer } = await request('POST', data.urls.check, data.csrf_token, { body });
      if (!current) return;
      if (code === 200 && answer) {
        setErrors(answer.errors.map((e) => placeError(e, body)));
        setChecked(true);
      }
    }, CHECK_DELAY);
    return () => {
      current = false;
      clearTimeout(timer);
    };
  }, [body, saved]);

  useEffect(() => {
    if (!focusNext.current) return;
    const element = focusNext.current.map((id) => document.getElementById(id))
      .find((found) => found && !found.disabled);
    focusNext.current = null;
    element?.focus();
  });

  /** Focus the first of `ids` that exists (and is enabled) once the page is rendered. */
  const focusLater = (ids) => {
    focusNext.current = [ids].flat().filter(Boolean);
  };

  const setOpenId = (id, value) => setOpen((was) => {
    const next = new Set(was);
    if (value) next.add(id); else next.delete(id);
    return next;
  });

  // Questions -------------------------------------------------------------------------------
  const change = (id, patch, replace = false) => {
    const current = bodyRef.current;
    const [s, q] = locate(current, id);
    const old = current.sections[s].questions[q];
    const full = replace ? { ...Object.fromEntries(Object.keys(old).map((key) => [key, undefined])), ...patch } : patch;
    let next = updateQuestion(current, id, full);
    // An option whose value followed its label: conditions that tested for it follow too.
    // (Only for a label edit: an added or removed option shifts the positions.)
    if (patch.options && old.options && !replace && patch.options.length === old.options.length) {
      patch.options.forEach((option, i) => {
        const before = old.options[i]?.value;
        if (before && before !== option.value && !patch.options.some((o) => o.value === before)) {
          next = renameOptionValue(next, id, before, option.value);
        }
      });
    }
    if ('text' in patch && (fresh.current.has(id) || PLACEHOLDER_ID.test(id))) {
      const taken = questionList(next).map(({ question }) => question.id).filter((other) => other !== id);
      const newId = uniqueId(slugify(patch.text), taken);
      if (newId !== id) next = rename(next, id, newId);
    }
    setBody(next);
  };

  const rename = (current, id, newId) => {
    const { map } = keys.current;
    map.set(newId, keyOf(id));
    map.delete(id);
    if (fresh.current.delete(id)) fresh.current.add(newId);
    setOpen((was) => new Set([...was].map((x) => (x === id ? newId : x))));
    return renameQuestion(current, id, newId);
  };

  const changeId = (id, newId) => {
    if (newId === id) return;
    if (!SLUG.test(newId) || questionList(body).some(({ question }) => question.id === newId)) {
      setStatus({ text: !SLUG.test(newId)
        ? 'Id:t får bara innehålla små bokstäver a–z, siffror och bindestreck.'
        : `Id:t ”${newId}” används redan av en annan fråga.` });
      return;
    }
    fresh.current.delete(id);
    setBody(rename(body, id, newId));
  };

  const add = (s, after) => {
    const { body: next, id } = addQuestion(body, s, after);
    fresh.current.add(id);
    setOpenId(id, true);
    focusLater(`${keyOf(id)}-text`);
    setBody(next);
  };

  const move = (id, delta, control = null) => {
    const next = moveQuestion(body, id, delta);
    if (next === body) return;
    setBody(next);
    const [s, q] = locate(next, id);
    const question = next.sections[s].questions[q];
    setAnnouncement(`”${question.text}” är flyttad till plats ${q + 1} av ${next.sections[s].questions.length} i ”${next.sections[s].title}”.`);
    focusLater([control, `${keyOf(id)}-toggle`]);
  };

  const moveSectionBy = (s, delta, button) => {
    const section = body.sections[s];
    setBody(moveSection(body, s, delta));
    setAnnouncement(`Avsnittet ”${section.title}” är flyttat till plats ${s + delta + 1} av ${body.sections.length}.`);
    focusLater([`section-${section.id}-${button}`, `section-${section.id}-title`]);
  };

  const onKeyDown = (id) => (event) => {
    if (!event.altKey || (event.key !== 'ArrowUp' && event.key !== 'ArrowDown')) return;
    event.preventDefault();
    const active = document.activeElement?.id || null;
    move(id, event.key === 'ArrowUp' ? -1 : 1, active);
  };

  const duplicate = (id) => {
    const { body: next, id: copyId } = duplicateQuestion(body, id);
    setOpenId(copyId, true);
    setBody(next);
    setStatus({ text: 'Frågan är kopierad.' });
    focusLater(`${keyOf(copyId)}-toggle`);
  };

  const remove = (id) => {
    const [s, q] = locate(body, id);
    const text = body.sections[s].questions[q].text;
    const { body: next, removed } = removeQuestion(body, id);
    setBody(next);
    setStatus({ text: `Frågan ”${text}” är borttagen.`, undo: removed });
    const neighbour = next.sections[s].questions[Math.min(q, next.sections[s].questions.length - 1)];
    focusLater(neighbour ? `${keyOf(neighbour.id)}-toggle` : 'status-undo');
  };

  const removeSectionAt = (s) => {
    const { body: next, removed } = removeSection(body, s);
    setBody(next);
    setStatus({ text: `Avsnittet ”${body.sections[s].title}” är borttaget.`, undo: removed });
    focusLater('status-undo');
  };

  const undo = () => {
    const { undo: removed } = status;
    setBody(restoreRemoved(body, removed));
    setStatus({ text: removed.kind === 'section' ? 'Avsnittet är tillbaka.' : 'Frågan är tillbaka.' });
    if (removed.kind === 'question') focusLater(`${keyOf(removed.question.id)}-toggle`);
  };

  // Drag and drop: the handle drags its question; dropping on a question puts it before that one.
  const dragProps = (id) => ({
    handle: {
      onDragStart: (event) => {
        event.dataTransfer.setData('text/plain', id);
        event.dataTransfer.effectAllowed = 'move';
        const card = event.currentTarget.closest('li');
        if (card) event.dataTransfer.setDragImage(card, 20, 20);
        setDragging(id);
      },
      onDragEnd: () => setDragging(null),
    },
    target: {
      onDragOver: (event) => {
        if (dragging && dragging !== id) event.preventDefault();
      },
      onDrop: (event) => {
        event.preventDefault();
        if (!dragging || dragging === id) return;
        const [s, q] = locate(body, id);
        const next = moveQuestionTo(body, dragging, s, q);
        setBody(next);
        const [ns, nq] = locate(next, dragging);
        setAnnouncement(`Frågan är flyttad till plats ${nq + 1} i ”${next.sections[ns].title}”.`);
        setDragging(null);
      },
    },
  });

  // Saving ----------------------------------------------------------------------------------
  const save = async () => {
    setBusy(true);
    const sent = body;
    const { status: code, data: answer } = await request('PUT', data.urls.save, data.csrf_token, { body: sent });
    setBusy(false);
    if (code === 200) {
      setSaved(JSON.stringify(sent));
      setErrors([]);
      setNotice(null);
      fresh.current.clear();
      setStatus({ text: 'Utkastet är sparat.' });
      return true;
    }
    if (code === 400 && answer?.errors) {
      setErrors(answer.errors.map((e) => placeError(e, sent)));
      setStatus({ text: 'Utkastet kan inte sparas förrän felen nedan är rättade. Dina ändringar finns kvar i webbläsaren.' });
      focusLater('error-summary-title');
    } else if (code === 409) {
      setStatus({ text: answer?.message || 'Versionen kan inte längre ändras.' });
    } else {
      setStatus({ text: code === 0
        ? 'Utkastet kunde inte sparas: ingen kontakt med servern. Ändringarna finns kvar i webbläsaren.'
        : 'Utkastet kunde inte sparas. Försök igen.' });
    }
    return false;
  };

  const review = async () => {
    if (await save()) window.location.assign(data.urls.review);
  };

  const focusError = (error) => {
    if (error.questionId) {
      setOpenId(error.questionId, true); // the form renders, then the effect focuses
      const k = keyOf(error.questionId);
      focusLater([`${k}-${error.field}`, `${k}-text`]);
    } else if (error.sectionId) {
      document.getElementById(`section-${error.sectionId}-title`)?.focus();
    } else {
      document.getElementById('template-title')?.focus();
    }
  };

  // Rendering -------------------------------------------------------------------------------
  const byQuestion = {};
  const bySection = {};
  const general = [];
  for (const error of errors) {
    if (error.questionId) (byQuestion[error.questionId] ||= []).push(error);
    else if (error.sectionId) (bySection[error.sectionId] ||= []).push(error);
    else general.push(error);
  }
  const all = questionList(body);
  const textOf = (id) => all.find(({ question }) => question.id === id)?.question.text || '';
  let number = 0;

  return html`<div class="editor-app">
    <div class="editor-head">
      <div>
        <h1>Redigera checklista</h1>
        <p class="hint">${data.agency_name} · version ${data.version} · ${dirty ? 'ändringar som inte är sparade' : 'allt är sparat'}</p>
      </div>
      <div class="actions">
        <button type="button" onClick=${save} disabled=${busy}>Spara utkast</button>
        <button type="button" onClick=${review} disabled=${busy}>Granska och publicera</button>
        <a class="button secondary" href=${data.urls.json}>JSON-vy</a>
      </div>
    </div>
    <div class="ed-status" role="status" aria-live="polite">
      ${status ? html`<p>${status.text}
        ${status.undo ? html` <button type="button" id="status-undo" class="small" onClick=${undo}>Ångra</button>` : null}</p>` : null}
    </div>
    <p class="visually-hidden" aria-live="assertive">${announcement}</p>
    <div class="ed-messages">
      ${notice === 'restored' ? html`<div class="flash"><p>Ändringar som inte hann sparas förra gången är återställda.</p>
        <button type="button" class="small secondary" onClick=${() => {
          setBody(data.body);
          setNotice(null);
        }}>Släng ändringarna</button></div>` : null}
      ${errors.length ? html`<div class="error-summary">
        <h2 id="error-summary-title" tabindex="-1">${errors.length === 1 ? '1 fel' : `${errors.length} fel`} att rätta innan checklistan kan publiceras</h2>
        <ul>${errors.map((error, i) => html`<li key=${i}><a href=${'#'}
          onClick=${(event) => { event.preventDefault(); focusError(error); }}>
          ${error.questionId ? `”${textOf(error.questionId)}”: ` : ''}${error.message}</a></li>`)}</ul>
      </div>` : checked ? html`<p class="ed-valid">Inga fel hittades.</p>` : null}

    </div>
    <div class="editor-grid" key="grid">
      <div class="editor-main">
        <div class="ed-template card">
          <label for="template-title">Checklistans namn</label>
          <input id="template-title" value=${body.title} aria-invalid=${general.some((e) => e.field === 'title') ? 'true' : 'false'}
            onInput=${(e) => setBody({ ...body, title: e.currentTarget.value })} />
          ${TEMPLATE_TEXTS.map(([key, label]) => html`<label key=${`${key}-label`} for=${`template-${key}`}>${label}</label>
            <textarea key=${key} id=${`template-${key}`} rows="2" value=${body[key] || ''}
              aria-invalid=${general.some((e) => e.field === key) ? 'true' : 'false'}
              onInput=${(e) => {
                const { [key]: _, ...rest } = body;
                setBody(e.currentTarget.value ? { ...rest, [key]: e.currentTarget.value } : rest);
              }} />`)}
        </div>
        ${body.sections.map((section, s) => html`<section key=${section.id} class="ed-section card"
          aria-labelledby=${`section-${section.id}-heading`}>
          <div class="ed-section-head">
            <h2 id=${`section-${section.id}-heading`}>Avsnitt ${s + 1}: ${section.title}</h2>
            <div class="ed-q-actions">
              <button type="button" class="small secondary" id=${`section-${section.id}-up`} disabled=${s === 0}
                onClick=${() => moveSectionBy(s, -1, 'up')}>Flytta avsnittet upp</button>
              <button type="button" class="small secondary" id=${`section-${section.id}-down`} disabled=${s === body.sections.length - 1}
                onClick=${() => moveSectionBy(s, 1, 'down')}>Flytta avsnittet ner</button>
              <button type="button" class="small danger" onClick=${() => removeSectionAt(s)}>Ta bort avsnittet</button>
            </div>
          </div>
          <label for=${`section-${section.id}-title`}>Avsnittets rubrik</label>
          <input id=${`section-${section.id}-title`} value=${section.title}
            aria-invalid=${bySection[section.id] ? 'true' : 'false'}
            aria-describedby=${bySection[section.id] ? `section-${section.id}-errors` : undefined}
            onInput=${(e) => setBody(updateSection(body, s, { title: e.currentTarget.value }))} />
          ${bySection[section.id] ? html`<ul class="ed-errors" id=${`section-${section.id}-errors`}>
            ${bySection[section.id].map((e, i) => html`<li key=${i}>${e.message}</li>`)}</ul>` : null}
          <ol class="ed-questions">
            ${section.questions.map((question, q) => {
              number += 1;
              const position = all.findIndex((item) => item.question.id === question.id);
              return html`<${QuestionCard} key=${keyOf(question.id)} k=${keyOf(question.id)} question=${question}
                number=${`${number}.`} open=${open.has(question.id)}
                first=${s === 0 && q === 0} last=${s === body.sections.length - 1 && q === section.questions.length - 1}
                earlier=${all.slice(0, position).map((item) => item.question)}
                errors=${byQuestion[question.id] || []} dragging=${dragging === question.id}
                onToggle=${() => setOpenId(question.id, !open.has(question.id))}
                onChange=${(patch, replace) => change(question.id, patch, replace)}
                onChangeId=${(newId) => changeId(question.id, newId)}
                onMove=${(delta, control) => move(question.id, delta, control)}
                onDuplicate=${() => duplicate(question.id)} onRemove=${() => remove(question.id)}
                onKeyDown=${onKeyDown(question.id)} drag=${dragProps(question.id)} />`;
            })}
          </ol>
          <button type="button" class="secondary" onClick=${() => add(s, section.questions.length - 1)}>
            Lägg till fråga i ”${section.title}”</button>
        </section>`)}
        <button type="button" onClick=${() => {
          const { body: next, questionId } = addSection(body);
          fresh.current.add(questionId);
          setBody(next);
          focusLater(`section-${next.sections[next.sections.length - 1].id}-title`);
        }}>Lägg till avsnitt</button>
        ${general.length ? html`<ul class="ed-errors">${general.map((e, i) => html`<li key=${i}>${e.message}</li>`)}</ul>` : null}
      </div>
      <${Preview} body=${body} />
    </div>
  </div>`;
}
