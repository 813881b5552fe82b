// The checklist condition evaluator: the JavaScript twin of otto/checklists/logic.py.
// Its docstring is the contract; both pass otto/checklists/condition_vectors.json.
// Owns: what a condition means (show_if, deviation.when). Nothing else.

const COMPARE = {
  gt: (a, b) => a > b,
  gte: (a, b) => a >= b,
  lt: (a, b) => a < b,
  lte: (a, b) => a <= b,
};
const EQUALITY_OPS = new Set(['eq', 'ne', 'in']);
const OPS = new Set([...Object.keys(COMPARE), ...EQUALITY_OPS, 'answered']);
/** The operators a condition leaf may use (the editor's pickers offer these). */
export const CONDITION_OPS = [...OPS];
/** The operators that order answers: numbers and dates only. */
export const ORDERING_OPS = Object.keys(COMPARE);
const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;

/** True when an answer value counts as unanswered: undefined, null, "" or []. */
export function isMissing(value) {
  return value === undefined || value === null || value === '' ||
    (Array.isArray(value) && value.length === 0);
}

/** Numbers are finite JS numbers; booleans (a separate type in JS) never are. */
export function isNumber(value) {
  return typeof value === 'number' && Number.isFinite(value);
}

/** True for a strict "YYYY-MM-DD" string naming a real calendar day (year 1 or later). */
export function isIsoDate(value) {
  if (typeof value !== 'string' || !ISO_DATE.test(value)) return false;
  const [year, month, day] = value.split('-').map(Number);
  if (year < 1 || month < 1 || month > 12 || day < 1) return false;
  const leap = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
  const days = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1];
  return day <= days;
}

/** The one equality rule of conditions: scalars only, no coercion. */
export function valuesEqual(a, b) {
  if (typeof a === 'boolean' || typeof b === 'boolean') {
    return typeof a === 'boolean' && typeof b === 'boolean' && a === b;
  }
  if (isNumber(a) && isNumber(b)) return a === b;
  return typeof a === 'string' && typeof b === 'string' && a === b;
}

function contains(items, value) {
  return items.some((item) => valuesEqual(item, value));
}

function compare(op, answer, value) {
  if (isNumber(answer) && isNumber(value)) return COMPARE[op](answer, value);
  // Valid ISO dates order correctly as strings.
  if (isIsoDate(answer) && isIsoDate(value)) return COMPARE[op](answer, value);
  return false;
}

function answerOf(answers, questionId) {
  return Object.prototype.hasOwnProperty.call(answers, questionId) ? answers[questionId] : undefined;
}

function evaluateLeaf(leaf, answers) {
  const op = leaf.op;
  if (typeof op !== 'string' || !OPS.has(op)) throw new Error(`unknown condition op: ${op}`);
  if (typeof leaf.q !== 'string') throw new Error('condition q must be a question id');
  const answer = answerOf(answers, leaf.q);
  if (isMissing(answer)) return false;
  if (op === 'answered') return true;
  if (!('value' in leaf)) throw new Error(`condition op ${op} needs a value`);
  const value = leaf.value;
  if (op in COMPARE) return compare(op, answer, value);
  const selected = Array.isArray(answer) ? answer : [answer];
  if (op === 'eq') return contains(selected, value);
  if (op === 'ne') return !contains(selected, value);
  if (!Array.isArray(value)) throw new Error("condition op 'in' needs a list value");
  return selected.some((item) => contains(value, item));
}

/** Evaluate a condition against answers keyed by question id (rules: logic.py docstring). */
export function evaluate(condition, answers) {
  if (condition === null || typeof condition !== 'object' || Array.isArray(condition)) {
    throw new Error('a condition must be an object');
  }
  if ('q' in condition) return evaluateLeaf(condition, answers);
  if ('all' in condition) return condition.all.every((part) => evaluate(part, answers));
  if ('any' in condition) return condition.any.some((part) => evaluate(part, answers));
  if ('not' in condition) return !evaluate(condition.not, answers);
  throw new Error(`unknown condition shape with keys ${Object.keys(condition).sort()}`);
}
