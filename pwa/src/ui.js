// Shared UI pieces: the app context, live queries over IndexedDB, the hash route, Swedish
// labels and formats, and small components (text fields that save as you type, thumbnails).

import { liveQuery } from 'dexie';
import { createContext } from 'preact';
import { useContext, useEffect, useState } from 'preact/hooks';

import { getPhoto } from './db.js';
import { holdDraft, releaseDraft } from './drafts.js';
import { html, LABELS, TextField as PlainTextField } from './fields.js';

// The pieces that need no IndexedDB live in fields.js (the checklist editor bundles them too).
export { DateField, html, LABELS, parseSwedishDate, SEVERITIES, severityName, YESNO } from './fields.js';
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

/**
 * `agencyName(code)` for the agencies the tablet knows (db.agencyDirectory): agencies are data
 * on the server, so their names come with the visits, never from the app's code.
 */
export function useAgencyName() {
  const agencies = useApp()?.agencies || {};
  return (code) => agencies[code]?.name || code;
}
export const VISIT_STATUS = LABELS.visit_statuses;

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

/** A TextField (fields.js) whose typing is held in localStorage until saved (drafts.js). */
export function TextField({ draft = null, ...props }) {
  const keep = draft && {
    hold: (text) => holdDraft(draft, text),
    release: (text) => releaseDraft(draft, text),
  };
  return html`<${PlainTextField} keep=${keep} ...${props} />`;
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
