// Checking answers against a checklist template: the JavaScript twin of
// otto/checklists/checker.py for what the field app shows live (visibility cascade,
// required questions, suggested findings). Conditions mean what logic.js says.

import { evaluate, isMissing } from './logic.js';

/** The questions of a template body in template order, each with its section. */
export function questionsOf(body) {
  return body.sections.flatMap((section) =>
    section.questions.map((question) => ({ ...question, section: section.id })));
}

/** Items a satisfying answer needs: 0 = not required, 1 = any answer, n = n photos. */
export function neededItems(question) {
  const minPhotos = question.type === 'photo' ? question.min_photos || 0 : 0;
  return question.required || minPhotos ? Math.max(minPhotos, 1) : 0;
}

function satisfies(question, value) {
  if (isMissing(value)) return false;
  return question.type !== 'photo' || (Array.isArray(value) && value.length >= neededItems(question));
}

/**
 * What the answers mean for the template: which questions are visible (a hidden question's
 * answer counts as missing for every later condition), which visible required questions are
 * unanswered, and which deviation rules suggest a finding (in template order).
 */
export function checkAnswers(body, answers) {
  const visible = new Set();
  const missingRequired = [];
  const deviations = [];
  const visibleAnswers = {};
  for (const question of questionsOf(body)) {
    const value = answers[question.id];
    if (question.show_if && !evaluate(question.show_if, visibleAnswers)) continue;
    visible.add(question.id);
    visibleAnswers[question.id] = value;
    if (neededItems(question) && !satisfies(question, value)) missingRequired.push(question.id);
    const rule = question.deviation;
    if (rule && evaluate(rule.when, visibleAnswers)) {
      deviations.push({
        question_id: question.id,
        severity: rule.severity,
        legal_ref: rule.legal_ref || question.legal_ref || '',
        text: rule.text,
      });
    }
  }
  return { visible, missingRequired, deviations };
}
