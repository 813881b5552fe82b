// The checklist editor's operations on a template body, as pure functions: each takes a body
// (never changed) and returns a new one. The format they produce is the one
// otto/checklists/template_format.py validates; what a condition means is logic.js's.

import { CONDITION_OPS, ORDERING_OPS } from '../logic.js';

const ID_LIMIT = 80; // otto/limits.py QUESTION_ID, also a section's id
// Keys a question has only with some types (template_format.py's schema per type).
const TYPE_KEYS = {
  number: ['unit', 'min', 'max'],
  integer: ['min', 'max'],
  choice: ['options', 'multiple'],
  photo: ['min_photos'],
};
const ALL_TYPE_KEYS = [...new Set(Object.values(TYPE_KEYS).flat())];
// Types whose answers a condition can only test for presence (template_format.py).
const ANSWERED_ONLY = new Set(['photo', 'signature', 'location']);
const ORDERED = new Set(['number', 'integer', 'date']);

/** "Kylens temperatur (°C)" → "kylens-temperatur-c": an id made of the format's slug letters. */
export function slugify(text) {
  const slug = text.toLowerCase()
    .replace(/[åä]/g, 'a').replace(/ö/g, 'o')
    .normalize('NFD').replace(/[\u0300-\u036f]/g, '')
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, ID_LIMIT - 4)
    .replace(/-+$/, '');
  return slug || 'fraga';
}

/** `base`, or `base-2`, `base-3`… whichever is not in `taken`. */
export function uniqueId(base, taken) {
  const used = new Set(taken);
  if (!used.has(base)) return base;
  let n = 2;
  while (used.has(`${base}-${n}`)) n += 1;
  return `${base}-${n}`;
}

/** Every question in template order, with its section index and position. */
export function questionList(body) {
  return body.sections.flatMap((section, s) =>
    section.questions.map((question, q) => ({ question, s, q })));
}

export const questionIds = (body) => questionList(body).map(({ question }) => question.id);

/** [section index, question index] of a question id, or null. */
export function locate(body, id) {
  const found = questionList(body).find(({ question }) => question.id === id);
  return found ? [found.s, found.q] : null;
}

function withSections(body, sections) {
  return { ...body, sections };
}

function withQuestions(body, s, questions) {
  return withSections(body, body.sections.map((section, i) => (i === s ? { ...section, questions } : section)));
}

/** A new question of `type` with an id derived from its text, unique in `body`. */
export function newQuestion(body, type = 'yesno', text = 'Ny fråga') {
  return withType({ id: uniqueId(slugify(text), questionIds(body)), type, text }, type);
}

/** The question with another type: keys of the old type go, a choice gets two options. */
export function withType(question, type) {
  const next = { ...question, type };
  for (const key of ALL_TYPE_KEYS) if (!(TYPE_KEYS[type] || []).includes(key)) delete next[key];
  if (type === 'choice' && !next.options) {
    next.options = [{ value: 'alternativ-1', label: 'Alternativ 1' }, { value: 'alternativ-2', label: 'Alternativ 2' }];
  }
  // The rule's values meant answers of the old type: it starts over on the question itself.
  if (next.deviation && type !== question.type) next.deviation = { ...next.deviation, when: defaultLeaf(next) };
  return next;
}

/** Insert a new question after position `after` (-1: first) of section `s`. */
export function addQuestion(body, s, after, type = 'yesno') {
  const question = newQuestion(body, type);
  const questions = [...body.sections[s].questions];
  questions.splice(after + 1, 0, question);
  return { body: withQuestions(body, s, questions), id: question.id };
}

/** Append a section with one new question. */
export function addSection(body) {
  const number = body.sections.length + 1;
  const id = uniqueId(`avsnitt-${number}`, body.sections.map((section) => section.id));
  const question = newQuestion(body);
  const section = { id, title: `Avsnitt ${number}`, questions: [question] };
  return { body: withSections(body, [...body.sections, section]), id, questionId: question.id };
}

export function updateSection(body, s, patch) {
  return withSections(body, body.sections.map((section, i) => (i === s ? { ...section, ...patch } : section)));
}

/** Change a question's keys; a key patched to undefined (or '', but the text) is removed. */
export function updateQuestion(body, id, patch) {
  const [s, q] = locate(body, id);
  const next = { ...body.sections[s].questions[q], ...patch };
  for (const [key, value] of Object.entries(patch)) {
    if (value === undefined || (value === '' && key !== 'text')) delete next[key];
  }
  const questions = [...body.sections[s].questions];
  questions[q] = next;
  return withQuestions(body, s, questions);
}

/** Rename a question and every condition that refers to it. */
export function renameQuestion(body, id, newId) {
  const rename = (question) => {
    const next = { ...question, id: question.id === id ? newId : question.id };
    if (next.show_if) next.show_if = renameRefs(next.show_if, id, newId);
    if (next.deviation) next.deviation = { ...next.deviation, when: renameRefs(next.deviation.when, id, newId) };
    return next;
  };
  return withSections(body, body.sections.map((section) => ({ ...section, questions: section.questions.map(rename) })));
}

/** Move a question one step (`delta` -1 up, +1 down), across section borders at the ends. */
export function moveQuestion(body, id, delta) {
  const [s, q] = locate(body, id);
  const questions = body.sections[s].questions;
  const target = q + delta;
  if (target >= 0 && target < questions.length) {
    const next = [...questions];
    [next[q], next[target]] = [next[target], next[q]];
    return withQuestions(body, s, next);
  }
  const t = s + delta;
  if (t < 0 || t >= body.sections.length) return body;
  return moveQuestionTo(body, id, t, delta < 0 ? body.sections[t].questions.length : 0);
}

/** Move a question to position `index` of section `t` (drag and drop). */
export function moveQuestionTo(body, id, t, index) {
  const [s, q] = locate(body, id);
  const question = body.sections[s].questions[q];
  const removed = withQuestions(body, s, body.sections[s].questions.filter((_, i) => i !== q));
  const at = s === t && index > q ? index - 1 : index;
  const questions = [...removed.sections[t].questions];
  questions.splice(Math.max(0, Math.min(at, questions.length)), 0, question);
  return withQuestions(removed, t, questions);
}

/** Move a section one step up or down. */
export function moveSection(body, s, delta) {
  const t = s + delta;
  if (t < 0 || t >= body.sections.length) return body;
  const sections = [...body.sections];
  [sections[s], sections[t]] = [sections[t], sections[s]];
  return withSections(body, sections);
}

/** A copy of a question right after it, with a new unique id (its own rule follows the copy). */
export function duplicateQuestion(body, id) {
  const [s, q] = locate(body, id);
  const original = body.sections[s].questions[q];
  const copyId = uniqueId(`${id.slice(0, ID_LIMIT - 10)}-kopia`, questionIds(body));
  const copy = structuredClone({ ...original, id: copyId, text: `${original.text} (kopia)` });
  if (copy.deviation) copy.deviation.when = renameRefs(copy.deviation.when, id, copyId);
  const questions = [...body.sections[s].questions];
  questions.splice(q + 1, 0, copy);
  return { body: withQuestions(body, s, questions), id: copyId };
}

/** Remove a question; `removed` is what restoreQuestion needs to put it back. */
export function removeQuestion(body, id) {
  const [s, q] = locate(body, id);
  const question = body.sections[s].questions[q];
  const next = withQuestions(body, s, body.sections[s].questions.filter((_, i) => i !== q));
  return { body: next, removed: { kind: 'question', question, sectionId: body.sections[s].id, s, q } };
}

/** Remove a section with its questions; restore with restoreRemoved. */
export function removeSection(body, s) {
  const section = body.sections[s];
  return {
    body: withSections(body, body.sections.filter((_, i) => i !== s)),
    removed: { kind: 'section', section, s },
  };
}

/** Put a removed question or section back where it was (or as near as the body allows). */
export function restoreRemoved(body, removed) {
  if (removed.kind === 'section') {
    const sections = [...body.sections];
    sections.splice(Math.min(removed.s, sections.length), 0, removed.section);
    return withSections(body, sections);
  }
  let s = body.sections.findIndex((section) => section.id === removed.sectionId);
  if (s < 0) s = Math.min(removed.s, body.sections.length - 1);
  const questions = [...body.sections[s].questions];
  questions.splice(Math.min(removed.q, questions.length), 0, removed.question);
  return withQuestions(body, s, questions);
}

/** Conditions on question `id` that test for option value `from` test for `to` instead. */
export function renameOptionValue(body, id, from, to) {
  const swap = (condition) => {
    if (!condition || typeof condition !== 'object') return condition;
    if ('q' in condition) {
      if (condition.q !== id || !('value' in condition)) return condition;
      const value = Array.isArray(condition.value)
        ? condition.value.map((v) => (v === from ? to : v)) : condition.value === from ? to : condition.value;
      return { ...condition, value };
    }
    for (const key of ['all', 'any']) if (key in condition) return { [key]: condition[key].map(swap) };
    if ('not' in condition) return { not: swap(condition.not) };
    return condition;
  };
  const update = (question) => {
    const next = { ...question };
    if (next.show_if) next.show_if = swap(next.show_if);
    if (next.deviation) next.deviation = { ...next.deviation, when: swap(next.deviation.when) };
    return next;
  };
  return withSections(body, body.sections.map((section) => ({ ...section, questions: section.questions.map(update) })));
}

/** Options from labels: each value derived from its label, unique. */
export function optionsFromLabels(labels) {
  const taken = [];
  return labels.map((label) => {
    const value = uniqueId(slugify(label), taken);
    taken.push(value);
    return { value, label };
  });
}

// Conditions ---------------------------------------------------------------------------------

/** Rename the question a condition's leaves refer to. */
export function renameRefs(condition, from, to) {
  if (!condition || typeof condition !== 'object') return condition;
  if ('q' in condition) return condition.q === from ? { ...condition, q: to } : condition;
  for (const key of ['all', 'any']) {
    if (key in condition) return { [key]: condition[key].map((part) => renameRefs(part, from, to)) };
  }
  if ('not' in condition) return { not: renameRefs(condition.not, from, to) };
  return condition;
}

/**
 * The operators a leaf on a question of `type` may use (template_format.py's value checks),
 * plus 'unanswered', which the editor writes as {not: {q, op: 'answered'}}.
 */
export function opsFor(type) {
  if (ANSWERED_ONLY.has(type)) return ['answered', 'unanswered'];
  return [...CONDITION_OPS.filter((op) => {
    if (ORDERING_OPS.includes(op)) return ORDERED.has(type);
    if (op === 'in') return type === 'yesno' || type === 'choice';
    return true;
  }), 'unanswered'];
}

/** The value a leaf on `question` starts with for `op`. */
export function defaultValue(question, op) {
  if (op === 'answered' || op === 'unanswered') return undefined;
  const first = question.type === 'yesno' ? 'no'
    : question.type === 'choice' ? question.options?.[0]?.value ?? ''
      : question.type === 'number' || question.type === 'integer' ? 0
        : '';
  return op === 'in' ? [first] : first;
}

/** A first leaf on `question`: "is No" for yes/no, "is answered" where nothing else fits. */
export function defaultLeaf(question) {
  const op = ANSWERED_ONLY.has(question.type) || question.type === 'text' || question.type === 'date'
    ? 'answered' : question.type === 'number' || question.type === 'integer' ? 'gt' : 'eq';
  const value = defaultValue(question, op);
  return value === undefined ? { q: question.id, op } : { q: question.id, op, value };
}

/** A leaf with op changed, its value kept when it still fits. */
export function withOp(leaf, op, question) {
  const next = { q: leaf.q, op };
  if (op === 'answered' || op === 'unanswered') return next;
  if (op === 'in') next.value = Array.isArray(leaf.value) ? leaf.value : [leaf.value ?? defaultValue(question, 'eq')];
  else next.value = Array.isArray(leaf.value) ? leaf.value[0] : leaf.value ?? defaultValue(question, op);
  if (next.value === undefined) next.value = defaultValue(question, op);
  return next;
}

/**
 * A condition as the editor shows it: a group {mode: 'all'|'any', not, items} whose items are
 * leaves {q, op, value} (op may be 'unanswered') or groups. Undefined → an empty 'all' group.
 */
export function toGroup(condition) {
  if (!condition) return { mode: 'all', not: false, items: [] };
  if ('q' in condition || isUnanswered(condition)) return { mode: 'all', not: false, items: [toItem(condition)] };
  if ('not' in condition) {
    const inner = condition.not;
    if ('q' in inner) return { mode: 'all', not: true, items: [toItem(inner)] };
    return { ...toGroup(inner), not: !toGroup(inner).not };
  }
  const mode = 'all' in condition ? 'all' : 'any';
  return { mode, not: false, items: condition[mode].map(toItem) };
}

const isUnanswered = (c) => 'not' in c && c.not && 'q' in c.not && c.not.op === 'answered';

function toItem(condition) {
  if ('q' in condition) return { ...condition };
  if (isUnanswered(condition)) return { q: condition.not.q, op: 'unanswered' };
  return toGroup(condition);
}

/**
 * The condition JSON of an editor group. At the top an empty group is undefined (no
 * condition) and a group of one plain leaf is just that leaf.
 */
export function fromGroup(group, top = true) {
  const items = group.items.map((item) => ('items' in item ? fromGroup(item, false) : fromLeaf(item)));
  if (top && !group.not && items.length === 0) return undefined;
  if (top && !group.not && items.length === 1 && group.mode === 'all') return items[0];
  const combined = { [group.mode]: items };
  return group.not ? { not: combined } : combined;
}

function fromLeaf(leaf) {
  if (leaf.op === 'unanswered') return { not: { q: leaf.q, op: 'answered' } };
  return 'value' in leaf && leaf.value !== undefined ? { q: leaf.q, op: leaf.op, value: leaf.value } : { q: leaf.q, op: leaf.op };
}

/** A group with the item at `path` (indices down the tree) replaced by `item` (null: removed). */
export function setItem(group, path, item) {
  const [index, ...rest] = path;
  const items = [...group.items];
  if (rest.length) items[index] = setItem(items[index], rest, item);
  else if (item === null) items.splice(index, 1);
  else items[index] = item;
  return { ...group, items };
}
