// Text being typed, kept safe until IndexedDB has it: every keystroke is written at once
// (synchronously) to localStorage, and removed when its IndexedDB save has committed. A
// page that dies before that (reload, tab killed) leaves the text here, and the next start
// saves it into IndexedDB before anything is shown. Owns the draft keys and their replay.

import { answerQuestion, setAnswerNote, updateFinding } from './edits.js';

const PREFIX = 'otto-draft:';

const keyOf = (where) => PREFIX + JSON.stringify(where);

/** Keep `text` typed at `where` ({kind: 'answer'|'note', target} or {kind: 'finding', id, field}). */
export function holdDraft(where, text) {
  try {
    localStorage.setItem(keyOf(where), JSON.stringify({ where, text }));
  } catch {
    // Storage full or blocked: the IndexedDB save shortly after still happens.
  }
}

/** Forget the draft at `where` once `text` (what was saved) is still what it holds. */
export function releaseDraft(where, text) {
  const key = keyOf(where);
  const held = localStorage.getItem(key);
  if (held && JSON.parse(held).text === text) localStorage.removeItem(key);
}

/** Save one held text the way its field would have. */
export function saveDraft(db, where, text) {
  if (where.kind === 'answer') return answerQuestion(db, where.target, text);
  if (where.kind === 'note') return setAnswerNote(db, where.target, text);
  if (where.kind === 'finding') return updateFinding(db, where.id, { [where.field]: text });
  return Promise.resolve();
}

/** At start: save every text a dead page left behind into IndexedDB, then forget it. */
export async function replayDrafts(db) {
  const keys = Object.keys(localStorage).filter((key) => key.startsWith(PREFIX));
  for (const key of keys) {
    try {
      const { where, text } = JSON.parse(localStorage.getItem(key));
      await saveDraft(db, where, text);
    } catch (error) {
      console.warn('draft could not be saved', error);
      continue;
    }
    localStorage.removeItem(key);
  }
}

/** Forget every held text (the tablet is wiped). */
export function clearDrafts() {
  if (typeof localStorage === 'undefined') return;
  Object.keys(localStorage).filter((key) => key.startsWith(PREFIX))
    .forEach((key) => localStorage.removeItem(key));
}
