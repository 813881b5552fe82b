// Form pieces that need no IndexedDB: the shared vocabulary, text and date fields that save
// as you type. The field app (through ui.js) and the checklist editor both use them.

import { html } from 'htm/preact';
import { useEffect, useRef, useState } from 'preact/hooks';

import LABELS from '../../otto/labels.json';

export { html };
// The shared vocabulary (otto/labels.json), bundled at build time: no copies of its words here.
export { LABELS };
export const SEVERITIES = Object.entries(LABELS.severities);
export const severityName = (code) => LABELS.severities[code] || code;
export const YESNO = Object.entries(LABELS.yesno);

/** A Swedish date "ÅÅÅÅ-MM-DD" typed by hand → ISO date, '' when empty, null when invalid. */
export function parseSwedishDate(text) {
  const trimmed = text.trim();
  if (!trimmed) return '';
  const match = /^(\d{4})-?(\d{2})-?(\d{2})$/.exec(trimmed);
  if (!match) return null;
  const iso = `${match[1]}-${match[2]}-${match[3]}`;
  const date = new Date(`${iso}T12:00:00Z`);
  return Number.isNaN(date.getTime()) || date.toISOString().slice(0, 10) !== iso ? null : iso;
}

/**
 * A date field in Swedish format (ÅÅÅÅ-MM-DD) whatever the browser's locale: a text
 * input, checked on change; `onSave` gets the ISO date or null.
 */
export function DateField({ value, onSave, ...props }) {
  const [error, setError] = useState(null);
  // What is typed lives here until it is saved: a re-render while typing (a sync attempt
  // updating the header) must not put the saved value back over it.
  const [text, setText] = useState(value || '');
  const editing = useRef(false);
  useEffect(() => {
    if (!editing.current) setText(value || '');
  }, [value]);
  return html`<span class="date-field">
    <input type="text" inputmode="numeric" placeholder="ÅÅÅÅ-MM-DD" autocomplete="off"
      value=${text} aria-invalid=${error ? 'true' : 'false'} ...${props}
      onInput=${(event) => setText(event.currentTarget.value)}
      onFocus=${() => { editing.current = true; }}
      onBlur=${() => { editing.current = false; }}
      onChange=${(event) => {
        const parsed = parseSwedishDate(event.currentTarget.value);
        if (parsed === null) {
          setError('Skriv datumet som ÅÅÅÅ-MM-DD, till exempel 2030-01-31.');
          return;
        }
        setError(null);
        onSave(parsed || null);
      }} />
    ${error ? html`<span class="error" role="alert">${error}</span>` : null}
  </span>`;
}

/**
 * A text input or textarea that shows what is typed at once and saves it shortly after
 * (and on blur, and when the page is hidden); the saved value flows back only while the
 * field is not being edited, so typing is never overwritten by a slower save. `keep`
 * ({hold(text), release(text)}) keeps what is typed safe until its save has finished.
 */
export function TextField({ value, onSave, keep = null, multiline = false, delay = 250, ...props }) {
  const [text, setText] = useState(value ?? '');
  const state = useRef({ timer: null, editing: false, pending: null });
  const saveRef = useRef(onSave);
  saveRef.current = onSave;
  const keepRef = useRef(keep);
  keepRef.current = keep;

  const flush = () => {
    const s = state.current;
    clearTimeout(s.timer);
    if (s.pending !== null) {
      const pending = s.pending;
      s.pending = null;
      const kept = keepRef.current;
      Promise.resolve(saveRef.current(pending)).then(() => kept && kept.release(pending));
    }
  };
  useEffect(() => {
    if (!state.current.editing && state.current.pending === null) setText(value ?? '');
  }, [value]);
  useEffect(() => {
    const onHidden = () => {
      if (document.visibilityState === 'hidden') flush();
    };
    window.addEventListener('pagehide', flush);
    document.addEventListener('visibilitychange', onHidden);
    return () => {
      window.removeEventListener('pagehide', flush);
      document.removeEventListener('visibilitychange', onHidden);
      flush();
    };
  }, []);
  const onInput = (event) => {
    const s = state.current;
    setText(event.currentTarget.value);
    s.pending = event.currentTarget.value;
    if (keepRef.current) keepRef.current.hold(s.pending);
    clearTimeout(s.timer);
    s.timer = setTimeout(flush, delay);
  };
  const common = {
    ...props,
    value: text,
    onInput,
    onFocus: () => { state.current.editing = true; },
    onBlur: () => { state.current.editing = false; flush(); },
  };
  return multiline ? html`<textarea rows="3" ...${common} />` : html`<input type="text" ...${common} />`;
}
