// Shared UI pieces: the app context, live queries over IndexedDB, the hash route, Swedish
// labels and formats, and small components (text fields that save as you type, thumbnails).

import { liveQuery } from 'dexie';
import { html } from 'htm/preact';
import { createContext } from 'preact';
import { useContext, useEffect, useRef, useState } from 'preact/hooks';

import { getPhoto } from './db.js';

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

export const AGENCIES = {
  miljo: 'Miljö- och hälsoskydd',
  brand: 'Räddningstjänsten',
  livsmedel: 'Livsmedelskontrollen',
  polis: 'Polismyndigheten',
  skatt: 'Skatteverket',
  arbetsmiljo: 'Arbetsmiljöverket',
  migration: 'Migrationsverket',
};
export const agencyName = (code) => AGENCIES[code] || code;

export const SEVERITIES = [
  ['info', 'Information'],
  ['minor', 'Mindre avvikelse'],
  ['major', 'Större avvikelse'],
  ['critical', 'Allvarlig avvikelse'],
];
export const severityName = (code) => (SEVERITIES.find(([c]) => c === code) || [code, code])[1];

export const VISIT_STATUS = {
  planned: 'Planerat', in_progress: 'Pågår', completed: 'Genomfört', closed: 'Avslutat',
  cancelled: 'Inställt',
};

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
export function TextField({ value, onSave, multiline = false, delay = 300, ...props }) {
  const [text, setText] = useState(value ?? '');
  const state = useRef({ timer: null, editing: false, pending: null });
  const saveRef = useRef(onSave);
  saveRef.current = onSave;

  const flush = () => {
    const s = state.current;
    clearTimeout(s.timer);
    if (s.pending !== null) {
      const pending = s.pending;
      s.pending = null;
      saveRef.current(pending);
    }
  };
  useEffect(() => {
    if (!state.current.editing && state.current.pending === null) setText(value ?? '');
  }, [value]);
  useEffect(() => {
    window.addEventListener('pagehide', flush);
    return () => {
      window.removeEventListener('pagehide', flush);
      flush();
    };
  }, []);
  const onInput = (event) => {
    const s = state.current;
    setText(event.currentTarget.value);
    s.pending = event.currentTarget.value;
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
