// The business representative's signature: drawn on a canvas (signature_pad), with name
// and role. Saving is the act of signing; the image is kept like a photo until uploaded.

import SignaturePad from 'signature_pad';
import { useEffect, useRef, useState } from 'preact/hooks';

import { visitBundle } from '../db.js';
import { addSignature } from '../edits.js';
import { processSignature } from '../photos.js';
import { BackLink, html, navigate, useApp, useLive } from '../ui.js';

/** A signature canvas with "Rensa" and a save button; onSave gets the PNG image. */
export function SignaturePadField({ label, onSave, canSave = true, saveLabel = 'Spara signatur' }) {
  const canvasRef = useRef(null);
  const padRef = useRef(null);
  const [empty, setEmpty] = useState(true);
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    const canvas = canvasRef.current;
    const ratio = Math.max(window.devicePixelRatio || 1, 1);
    canvas.width = canvas.offsetWidth * ratio;
    canvas.height = canvas.offsetHeight * ratio;
    canvas.getContext('2d').scale(ratio, ratio);
    const pad = new SignaturePad(canvas, { backgroundColor: 'rgb(255,255,255)', penColor: '#000' });
    pad.addEventListener('endStroke', () => setEmpty(pad.isEmpty()));
    padRef.current = pad;
    return () => pad.off();
  }, []);

  async function save() {
    setBusy(true);
    try {
      await onSave(await processSignature(canvasRef.current));
    } finally {
      setBusy(false);
    }
  }

  return html`<div class="signature-field">
    <canvas ref=${canvasRef} class="signature-canvas" role="img"
      aria-label=${`${label}: rita signaturen här`}></canvas>
    <div class="actions">
      <button type="button" onClick=${() => { padRef.current.clear(); setEmpty(true); }}>Rensa</button>
      <button type="button" class="primary" disabled=${empty || !canSave || busy} onClick=${save}>${saveLabel}</button>
    </div>
  </div>`;
}

export function SignatureScreen({ visitId }) {
  const { db, session, syncer } = useApp();
  const bundle = useLive(() => visitBundle(db, visitId), [db, visitId]);
  const [name, setName] = useState('');
  const [role, setRole] = useState('');
  if (bundle === undefined) return html`<p>Läser in…</p>`;
  if (!bundle) return html`<${BackLink} to="" /><h1>Besöket finns inte på enheten</h1>`;

  async function sign(image) {
    await addSignature(db, {
      visitId, agency: session.user.agency, signerName: name.trim(), signerRole: role.trim(), image,
    });
    syncer.syncSoon();
    navigate(`/besok/${visitId}`);
  }

  return html`<article class="signature">
    <${BackLink} to=${`besok/${visitId}`} label=${bundle.visit.business.name} />
    <h1>Signatur</h1>
    <p>Verksamhetens företrädare bekräftar att tillsynen har genomförts.</p>
    <label for="signer-name">Namn</label>
    <input id="signer-name" value=${name} onInput=${(e) => setName(e.currentTarget.value)} autocomplete="off" />
    <label for="signer-role">Roll</label>
    <input id="signer-role" value=${role} onInput=${(e) => setRole(e.currentTarget.value)} placeholder="t.ex. ägare" />
    <${SignaturePadField} label="Signatur" canSave=${Boolean(name.trim())} onSave=${sign} />
  </article>`;
}
