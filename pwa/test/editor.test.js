// The checklist editor's operations on a template body (pwa/src/editor/state.js): what the
// buttons, keys and pickers do, checked on plain bodies. The evaluator (logic.js) is the
// judge of what a built condition means.

import assert from 'node:assert/strict';
import { test } from 'node:test';

import { checkAnswers } from '../src/checklist.js';
import { evaluate } from '../src/logic.js';
import {
  addQuestion, addSection, defaultLeaf, duplicateQuestion, fromGroup, moveQuestion, moveQuestionTo,
  newQuestion, opsFor, optionsFromLabels, questionIds, removeQuestion, removeSection, renameOptionValue, renameQuestion,
  restoreRemoved, setItem, slugify, toGroup, uniqueId, updateQuestion, withOp, withType,
} from '../src/editor/state.js';

function body() {
  return {
    key: 'prov', agency: 'miljo', title: 'Prov',
    sections: [
      { id: 'a', title: 'A', questions: [
        { id: 'q1', type: 'yesno', text: 'Ett' },
        { id: 'q2', type: 'number', text: 'Två', unit: '°C' },
      ] },
      { id: 'b', title: 'B', questions: [
        { id: 'q3', type: 'photo', text: 'Tre', min_photos: 1 },
        { id: 'q4', type: 'yesno', text: 'Fyra', deviation: { when: { q: 'q4', op: 'eq', value: 'no' }, severity: 'minor', text: 'Nej' } },
      ] },
    ],
  };
}

test('ids are slugs of the text, made unique', () => {
  assert.equal(slugify('Kylens temperatur (°C)'), 'kylens-temperatur-c');
  assert.equal(slugify('Åtgärder för ämnen på öar'), 'atgarder-for-amnen-pa-oar');
  assert.equal(slugify('Café – Crème'), 'cafe-creme');
  assert.equal(slugify('???'), 'fraga');
  assert.equal(uniqueId('ny-fraga', ['ny-fraga', 'ny-fraga-2']), 'ny-fraga-3');
  assert.equal(newQuestion(body(), 'yesno', 'Ett').id, 'ett');
  const withNew = addQuestion(addQuestion(body(), 0, 1).body, 0, 1);
  assert.deepEqual(questionIds(withNew.body).slice(0, 4), ['q1', 'q2', 'ny-fraga-2', 'ny-fraga']);
});

test('moving by one step stays in the section, then crosses into the next', () => {
  let next = moveQuestion(body(), 'q1', 1);
  assert.deepEqual(questionIds(next), ['q2', 'q1', 'q3', 'q4']);
  next = moveQuestion(next, 'q1', 1);
  assert.deepEqual(next.sections[0].questions.map((q) => q.id), ['q2']);
  assert.deepEqual(next.sections[1].questions.map((q) => q.id), ['q1', 'q3', 'q4']);
  const original = body();
  assert.equal(moveQuestion(original, 'q1', -1), original, 'the first question cannot move up');
  assert.equal(moveQuestion(original, 'q4', 1), original, 'the last question cannot move down');
  assert.deepEqual(questionIds(original), ['q1', 'q2', 'q3', 'q4'], 'the body is never changed');
});

test('a dragged question lands before the one it is dropped on', () => {
  assert.deepEqual(questionIds(moveQuestionTo(body(), 'q4', 0, 0)), ['q4', 'q1', 'q2', 'q3']);
  assert.deepEqual(questionIds(moveQuestionTo(body(), 'q1', 1, 1)), ['q2', 'q3', 'q1', 'q4']);
  assert.deepEqual(questionIds(moveQuestionTo(body(), 'q1', 0, 2)), ['q2', 'q1', 'q3', 'q4']);
});

test('a copy gets a new id and its own rule refers to the copy', () => {
  const { body: next, id } = duplicateQuestion(body(), 'q4');
  assert.equal(id, 'q4-kopia');
  const copy = next.sections[1].questions[2];
  assert.equal(copy.text, 'Fyra (kopia)');
  assert.deepEqual(copy.deviation.when, { q: 'q4-kopia', op: 'eq', value: 'no' });
  assert.equal(next.sections[1].questions[1].deviation.when.q, 'q4');
  assert.equal(duplicateQuestion(next, 'q4').id, 'q4-kopia-2');
});

test('a removed question or section comes back where it was', () => {
  const { body: without, removed } = removeQuestion(body(), 'q2');
  assert.deepEqual(questionIds(without), ['q1', 'q3', 'q4']);
  assert.deepEqual(restoreRemoved(without, removed), body());
  const { body: noSection, removed: section } = removeSection(body(), 0);
  assert.deepEqual(questionIds(noSection), ['q3', 'q4']);
  assert.deepEqual(restoreRemoved(noSection, section), body());
});

test('renaming a question renames every condition that refers to it', () => {
  let next = updateQuestion(body(), 'q3', { show_if: { any: [{ q: 'q1', op: 'eq', value: 'no' }, { not: { q: 'q2', op: 'answered' } }] } });
  next = renameQuestion(next, 'q1', 'finns-rutiner');
  assert.deepEqual(next.sections[1].questions[0].show_if.any[0], { q: 'finns-rutiner', op: 'eq', value: 'no' });
  assert.equal(next.sections[0].questions[0].id, 'finns-rutiner');
});

test('a patched key that is empty is removed; a new type drops the old keys', () => {
  const next = updateQuestion(body(), 'q2', { unit: '', help: 'Mät' });
  assert.deepEqual(next.sections[0].questions[1], { id: 'q2', type: 'number', text: 'Två', help: 'Mät' });
  const choice = withType(body().sections[0].questions[1], 'choice');
  assert.equal(choice.unit, undefined);
  assert.deepEqual(choice.options.map((o) => o.value), ['alternativ-1', 'alternativ-2']);
  const photo = withType(body().sections[1].questions[1], 'photo');
  assert.deepEqual(photo.deviation.when, { q: 'q4', op: 'answered' }, 'the rule starts over with the type');
  const same = withType(body().sections[1].questions[1], 'yesno');
  assert.deepEqual(same.deviation.when, { q: 'q4', op: 'eq', value: 'no' });
  const choiceRule = withType(body().sections[1].questions[1], 'choice').deviation.when;
  assert.deepEqual(choiceRule, { q: 'q4', op: 'eq', value: 'alternativ-1' });
});

test('conditions follow an option value that changes with its label', () => {
  let b = updateQuestion(body(), 'q1', { type: 'choice', options: [{ value: 'a', label: 'A' }] });
  b = updateQuestion(b, 'q4', { show_if: { any: [{ q: 'q1', op: 'eq', value: 'a' }, { q: 'q1', op: 'in', value: ['a', 'b'] }, { q: 'q2', op: 'eq', value: 'a' }] } });
  const renamed = renameOptionValue(b, 'q1', 'a', 'kott');
  assert.deepEqual(renamed.sections[1].questions[1].show_if.any, [
    { q: 'q1', op: 'eq', value: 'kott' }, { q: 'q1', op: 'in', value: ['kott', 'b'] }, { q: 'q2', op: 'eq', value: 'a' },
  ]);
});

test('option values are derived from their labels', () => {
  assert.deepEqual(optionsFromLabels(['Kött', 'Fisk', 'Kött']).map((o) => o.value), ['kott', 'fisk', 'kott-2']);
});

test('operators fit the question type (template_format.py)', () => {
  assert.deepEqual(opsFor('photo'), ['answered', 'unanswered']);
  assert.ok(opsFor('number').includes('gt'));
  assert.ok(!opsFor('yesno').includes('gt'));
  assert.ok(opsFor('choice').includes('in'));
  assert.ok(!opsFor('text').includes('in'));
  assert.deepEqual(defaultLeaf({ id: 'x', type: 'yesno' }), { q: 'x', op: 'eq', value: 'no' });
  assert.deepEqual(withOp({ q: 'x', op: 'eq', value: 'no' }, 'in', { type: 'yesno' }), { q: 'x', op: 'in', value: ['no'] });
  assert.deepEqual(withOp({ q: 'x', op: 'in', value: ['na'] }, 'ne', { type: 'yesno' }), { q: 'x', op: 'ne', value: 'na' });
  assert.deepEqual(withOp({ q: 'x', op: 'eq', value: 'no' }, 'unanswered', { type: 'yesno' }), { q: 'x', op: 'unanswered' });
});

test('a nested condition built with the picker means what it says', () => {
  // any-of [q1 = no, all-of [q2 > 5, not q3 answered]], built step by step as the picker does.
  let group = toGroup(undefined);
  group = { ...group, mode: 'any', items: [defaultLeaf({ id: 'q1', type: 'yesno' })] };
  group = { ...group, items: [...group.items, { mode: 'all', not: false, items: [withOp(defaultLeaf({ id: 'q2', type: 'number' }), 'gt', {})] }] };
  group = setItem(group, [1, 0], { q: 'q2', op: 'gt', value: 5 });
  group = setItem(group, [1], { ...group.items[1], items: [...group.items[1].items, { q: 'q3', op: 'unanswered' }] });
  const condition = fromGroup(group);
  assert.deepEqual(condition, {
    any: [
      { q: 'q1', op: 'eq', value: 'no' },
      { all: [{ q: 'q2', op: 'gt', value: 5 }, { not: { q: 'q3', op: 'answered' } }] },
    ],
  });
  assert.deepEqual(toGroup(condition), group, 'the picker shows what it built');
  assert.equal(evaluate(condition, { q1: 'yes', q2: 6 }), true);
  assert.equal(evaluate(condition, { q1: 'yes', q2: 6, q3: ['h'] }), false);
  assert.equal(evaluate(condition, { q1: 'no' }), true);
  const check = checkAnswers(updateQuestion(body(), 'q4', { show_if: condition }), { q1: 'yes', q2: 4 });
  assert.ok(!check.visible.has('q4'));
});

test('a group at the top is simplified: none is no condition, one leaf is that leaf', () => {
  assert.equal(fromGroup(toGroup(undefined)), undefined);
  assert.deepEqual(fromGroup(toGroup({ q: 'q1', op: 'eq', value: 'no' })), { q: 'q1', op: 'eq', value: 'no' });
  assert.deepEqual(fromGroup({ mode: 'all', not: true, items: [{ q: 'q1', op: 'eq', value: 'no' }] }),
    { not: { all: [{ q: 'q1', op: 'eq', value: 'no' }] } });
  assert.deepEqual(toGroup({ not: { any: [{ q: 'q1', op: 'answered' }] } }),
    { mode: 'any', not: true, items: [{ q: 'q1', op: 'answered' }] });
  assert.deepEqual(fromGroup(setItem(toGroup({ any: [{ q: 'a', op: 'answered' }, { q: 'b', op: 'answered' }] }), [0], null)),
    { any: [{ q: 'b', op: 'answered' }] });
});

test('a new section comes with one question', () => {
  const { body: next, id, questionId } = addSection(body());
  assert.equal(id, 'avsnitt-3');
  assert.equal(next.sections[2].title, 'Avsnitt 3');
  assert.deepEqual(next.sections[2].questions.map((q) => q.id), [questionId]);
});

test('an error points at its question and the control of its key', async () => {
  const { placeError } = await import('../src/editor/errors.js');
  const b = body();
  assert.deepEqual(
    placeError({ path: 'sections[1].questions[1].deviation.text', message: 'm' }, b),
    { path: 'sections[1].questions[1].deviation.text', message: 'm', questionId: 'q4', sectionId: null, field: 'deviation_text' },
  );
  assert.equal(placeError({ path: 'sections[0].questions[0].options[1].value', message: 'm' }, b).field, 'options');
  assert.equal(placeError({ path: 'sections[0].questions[1]', question: 'q2', field: '', message: 'm' }, b).field, '');
  const section = placeError({ path: 'sections[1].title', section: 'b', question: null, field: 'title', message: 'm' }, b);
  assert.deepEqual([section.questionId, section.sectionId, section.field], [null, 'b', 'title']);
  const template = placeError({ path: 'title', section: null, question: null, field: 'title', message: 'm' }, b);
  assert.deepEqual([template.questionId, template.sectionId, template.field], [null, null, 'title']);
});
