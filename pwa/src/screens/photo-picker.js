// Adding photos: take one with the camera or pick from the gallery; each is downscaled,
// hashed and stored at once (with its link and outbox entry) and shown as a thumbnail.

import { useId, useState } from 'preact/hooks';

import { addPhoto, removePhoto } from '../edits.js';
import { processImage } from '../photos.js';
import { html, PhotoThumb, useApp } from '../ui.js';

/** Thumbnails of `links` with remove buttons, and the two ways to add a photo. */
export function PhotoPicker({ target, links, label, disabledReason = null }) {
  const { db, syncer } = useApp();
  const [status, setStatus] = useState(null);
  const [removed, setRemoved] = useState(null);
  const id = useId();
  const ids = { camera: `camera${id}`, gallery: `gallery${id}` };

  async function onFiles(event) {
    const files = [...event.currentTarget.files];
    event.currentTarget.value = '';
    for (const [index, file] of files.entries()) {
      setStatus({ busy: true, text: `Sparar foto ${index + 1} av ${files.length}…` });
      try {
        await addPhoto(db, target, await processImage(file));
      } catch (error) {
        setStatus({ busy: false, text: error.message || 'Fotot kunde inte sparas.' });
        return;
      }
    }
    setStatus({ busy: false, text: files.length === 1 ? 'Fotot är sparat.' : `${files.length} foton är sparade.` });
    syncer.syncSoon();
  }

  return html`<div class="photos">
    ${links.length ? html`<ul class="thumbs">${links.map((link, i) => html`<li key=${link.id}>
      <${PhotoThumb} sha256=${link.photo_sha256} alt=${`${label}, foto ${i + 1}`} />
      <button type="button" class="small" aria-label=${`Ta bort foto ${i + 1}`}
        onClick=${async () => {
          await removePhoto(db, link.id, target);
          setRemoved(link);
        }}>Ta bort</button>
    </li>`)}</ul>` : null}
    ${disabledReason ? html`<p class="subtle">${disabledReason}</p>` : html`<div class="photo-buttons">
      <input class="visually-hidden" type="file" id=${ids.camera} accept="image/*" capture="environment" onChange=${onFiles} />
      <label class="button" for=${ids.camera}>Ta foto</label>
      <input class="visually-hidden" type="file" id=${ids.gallery} accept="image/jpeg,image/png,image/webp" multiple onChange=${onFiles} />
      <label class="button" for=${ids.gallery}>Välj från galleri</label>
    </div>`}
    ${removed ? html`<p class="notice" role="status">Fotot är borttaget.
      <button type="button" onClick=${async () => {
        // Undo: the same photo (still on the tablet or the server) linked again.
        await addPhoto(db, target, { sha256: removed.photo_sha256 }, removed.caption);
        setRemoved(null);
        syncer.syncSoon();
      }}>Ångra</button></p>` : null}
    ${status ? html`<p class="subtle" role="status">${status.text}</p>` : null}
  </div>`;
}
