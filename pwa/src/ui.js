// Shared UI pieces: the app context, live queries over IndexedDB, the hash route, Swedish
// labels and formats, and small components (text fields that save as you type, thumbnails).

import { liveQuery } from 'dexie';
import { html } from 'htm/preact';
import { createContext } from 'preact';
import { useContext, useEffect, useRef, useState } from 'preact/hooks';

import LABELS from '../../otto/labels.json';

import { getPhoto } from './db.js';
import { holdDraft, releaseDraft } from './drafts.js';

export { html };
export const AppContext = createContext(null);
export const useApp = () => useContext(AppContext);

/** The current value of a Dexie live query (undefined while loading); re-runs on change. */
export function useLive(query, deps) {
  const [value, setValue] = useState(undefined);
  useEffect(() => {
    const subscription = liveQuery(query).subscribe({
      next: setValue,
      error: (error) => console.error(error),
    });
    return () => subscription.unsubscribe();
  }, deps);
  return value;
}

/** The hash route as path segments: "#/besok/123" → ["besok", "123"]. */
export function useRoute() {
  const read = () => (location.hash.replace(/^#\/?/, '') || '').split('/').filter(Boolean)
    .map(decodeURIComponent);
  const [route, setRoute] = useState(read);
  useEffect(() => {
    const onChange = () => {
      setRoute(read());
      window.scrollTo(0, 0);
    };
    window.addEventListener('hashchange', onChange);
    return () => window.removeEventListener('hashchange', onChange);
  }, []);
  return route;
}

export const navigate = (path) => {
  location.hash = path;
};

// The shared vocabulary (otto/labels.json), bundled at build time: no copies of its words here.
export { LABELS };
/**
 * `agencyName(code)` for the agencies the tablet knows (db.agencyDirectory): agencies are data
 * on the server, so their names come with the visits, never from the app's code.
 */
export function useAgencyName() {
  const agencies = useApp()?.agencies || {};
  return (code) => agencies[code]?.name || code;
}
export const SEVERITIES = Object.entries(LABELS.severities);
export const severityName = (code) => LABELS.severities[code] || code;
export const VISIT_STATUS = LABELS.visit_statuses;
export const YESNO = Object.entries(LABELS.yesno);

/** "1 ändring", "3 ändringar": the one Swedish plural helper (forms from labels.json). */
export function plural(count, word) {
  const [one, many] = LABELS.plurals[word] || [word, word];
  return `${count} ${count === 1 ? one : many}`;
}

/** "nyss", "för 5 min sedan", "för 2 tim sedan", else the day and time. */
export function formatAgo(iso, now = Date.now()) {
  if (!iso) return 'aldrig';
  const minutes = Math.floor((now - new Date(iso).getTime()) / 60000);
  if (minutes < 1) return 'nyss';
  if (minutes < 60) return `för ${minutes} min sedan`;
  if (minutes < 24 * 60) return `för ${Math.floor(minutes / 60)} tim sedan`;
  return formatStamp(iso);
}

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

const TZ = 'Europe/Stockholm';
const dayFormat = new Intl.DateTimeFormat('sv-SE', {
  weekday: 'long', day: 'numeric', month: 'long', timeZone: TZ,
});
const timeFormat = new Intl.DateTimeFormat('sv-SE', { hour: '2-digit', minute: '2-digit', timeZone: TZ });
const stampFormat = new Intl.DateTimeFormat('sv-SE', {
  day: 'numeric', month: 'short', hour: '2-digit', minute: '2-digit', timeZone: TZ,
});

export const formatDay = (iso) => dayFormat.format(new Date(iso));
export const formatTime = (iso) => timeFormat.format(new Date(iso));
export const formatStamp = (iso) => (iso ? stampFormat.format(new Date(iso)) : '–');

/**
 * A text input or textarea that shows what is typed at once and saves it shortly after
 * (and on blur, and when the page is hidden); the saved value flows back only while the
 * field is not being edited, so typing is never overwritten by a slower save.
 */
export function TextField({ value, onSave, draft = null, multiline = false, delay = 250, ...props }) {
  const [text, setText] = useState(value ?? '');
  const state = useRef({ timer: null, editing: false, pending: null });
  const saveRef = useRef(onSave);
  saveRef.current = onSave;
  const draftRef = useRef(draft);
  draftRef.current = draft;

  const flush = () => {
    const s = state.current;
    clearTimeout(s.timer);
    if (s.pending !== null) {
      const pending = s.pending;
      s.pending = null;
      const where = draftRef.current;
      Promise.resolve(saveRef.current(pending)).then(() => where && releaseDraft(where, pending));
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
    if (draftRef.current) holdDraft(draftRef.current, s.pending);
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

/** An image from stored bytes (ArrayBuffer), via an object URL freed on unmount. */
export function StoredImage({ bytes, type = 'image/jpeg', alt, className = 'thumb' }) {
  const [url, setUrl] = useState(null);
  useEffect(() => {
    if (!bytes) return undefined;
    const objectUrl = URL.createObjectURL(new Blob([bytes], { type }));
    setUrl(objectUrl);
    return () => URL.revokeObjectURL(objectUrl);
  }, [bytes]);
  if (!url) return html`<span class="${className} thumb-missing" role="img" aria-label=${alt}>Foto</span>`;
  return html`<img class=${className} src=${url} alt=${alt} />`;
}

/** A thumbnail for a photo hash, read from IndexedDB. */
export function PhotoThumb({ sha256, alt }) {
  const { db } = useApp();
  const photo = useLive(() => getPhoto(db, sha256), [sha256]);
  return html`<${StoredImage} bytes=${photo?.thumb} type=${photo?.type} alt=${alt} />`;
}

/** A "Tillbaka" link to a route. */
export const BackLink = ({ to, label = 'Tillbaka' }) =>
  html`<a class="back" href=${`#/${to}`}>← ${label}</a>`;
