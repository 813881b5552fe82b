// Local edits: every change the inspector makes is written to IndexedDB together with its
// outbox entry in ONE transaction, at once (nothing waits for a save button or the network).
// Owns how a local record remembers, per field, this device's last mutation (`_m`, the
// prev_id of the next edit) and the server version it is based on (`version`). Reads and
// writes IndexedDB only through db.js.

import {
  addItem, answerKey, deleteItem, getItem, keepPhoto, linksOfFinding, putItem, updateItem,
  writeTogether,
} from './db.js';
import { enqueue, nextSeq, outboxEntry, writeOutboxEntry } from './sync/outbox.js';

/**
 * The visibility a new item of `agency` gets unless the inspector chooses: that agency's
 * default, which the server sends with the visit's participants (agencies are data there).
 * Unknown: agency-only, the safe side.
 */
export async function defaultVisibility(db, visitId, agency) {
  const visit = await getItem(db, 'visit', visitId);
  const participant = visit?.participants?.find((p) => p.agency === agency);
  return participant?.default_visibility || 'agency';
}

const FINDING_FIELDS = [
  'severity', 'description', 'legal_ref', 'question_id', 'visibility', 'follow_up_due',
];

/** Run `work` in one rw transaction with the outbox; the time to commit is measured. */
async function inTransaction(db, kinds, work) {
  const start = performance.now();
  const result = await writeTogether(db, kinds, work);
  performance.measure('otto:edit', { start, end: performance.now() });
  return result;
}

/** Keep a just captured image: its bytes stay on the tablet until the server has them. */
const keepCaptured = (db, image) =>
  keepPhoto(db, { ...image, state: 'pending', captured_at: new Date().toISOString() });

async function writeAnswer(db, target, changes) {
  const key = answerKey(target.visitId, target.templateVersionId, target.questionId);
  // The hot path of the app: read both at once, then write all three at once.
  const [stored, seq] = await Promise.all([getItem(db, 'answer', key), nextSeq(db)]);
  const row = stored || {
    key,
    visit_id: target.visitId,
    agency: target.agency,
    template_version_id: target.templateVersionId,
    question_id: target.questionId,
    value: null,
    note: '',
    version: 0,
    _m: {},
  };
  const field = 'note' in changes ? 'note' : 'value';
  const entry = outboxEntry(seq, {
    entity: 'answer',
    entity_id: target.questionId,
    visit_id: target.visitId,
    template_version: target.templateVersionId,
    // `value` is required by the server; an unchanged value is never a conflict.
    fields: { value: row.value, ...changes },
    base_version: row.version,
    prev_id: row._m?.[field],
  });
  const updated = { ...row, ...changes, _m: { ...row._m, [field]: entry.id } };
  await Promise.all([writeOutboxEntry(db, entry), putItem(db, 'answer', updated)]);
  return updated;
}

/** Answer a question (target: {visitId, templateVersionId, agency, questionId}). */
export function answerQuestion(db, target, value) {
  return inTransaction(db, ['answer'], () => writeAnswer(db, target, { value }));
}

/** Answer with an image (a signature question): the image is kept like a photo. */
export function answerWithImage(db, target, image) {
  return inTransaction(db, ['answer', 'photo'], async () => {
    await keepCaptured(db, image);
    return writeAnswer(db, target, { value: image.sha256 });
  });
}

/** Set the note of a question. */
export function setAnswerNote(db, target, note) {
  return inTransaction(db, ['answer'], () => writeAnswer(db, target, { note }));
}

/**
 * Start a finding. It stays a local draft (no mutation) until it has a description, which
 * the server requires; from then on every change is a mutation. Returns the new id.
 */
export async function createFinding(db, { visitId, agency, fields }) {
  const id = crypto.randomUUID();
  const finding = {
    id,
    visit_id: visitId,
    agency,
    severity: 'minor',
    description: '',
    legal_ref: '',
    question_id: null,
    visibility: null, // the agency's default, read in the transaction below
    follow_up_due: null,
    status: 'open',
    ...fields,
    version: 0,
    draft: true,
    deleted: false,
    created_at: new Date().toISOString(),
    _m: {},
  };
  await inTransaction(db, ['finding', 'photo_link', 'visit'], async () => {
    finding.visibility ??= await defaultVisibility(db, visitId, agency);
    await addItem(db, 'finding', finding);
    await publishDraft(db, finding);
  });
  return id;
}

async function publishDraft(db, finding) {
  if (!finding.draft || !finding.description.trim()) return finding;
  const fields = Object.fromEntries(FINDING_FIELDS.map((name) => [name, finding[name]]));
  // `internal` (a note kept out of the report) is sent once the inspector ticks it.
  if (finding.internal) fields.internal = true;
  const entry = await enqueue(db, {
    entity: 'finding', entity_id: finding.id, visit_id: finding.visit_id, fields,
  });
  const published = {
    ...finding,
    draft: false,
    _m: Object.fromEntries(FINDING_FIELDS.map((name) => [name, entry.id])),
  };
  await putItem(db, 'finding', published);
  // Photos taken before the description now follow the finding to the server.
  const links = await linksOfFinding(db, finding.id);
  for (const link of links.filter((l) => l.draft && !l.deleted)) {
    await enqueueLink(db, link);
    await updateItem(db, 'photo_link', link.id, { draft: false });
  }
  return published;
}

/**
 * Change fields of one of our findings: one mutation per changed field, each chained to
 * this device's previous mutation of that field.
 */
export function updateFinding(db, id, changes) {
  return inTransaction(db, ['finding', 'photo_link'], async () => {
    const finding = await getItem(db, 'finding', id);
    if (!finding || finding.deleted) return;
    const changed = Object.keys(changes).filter((name) => finding[name] !== changes[name]);
    let updated = { ...finding, ...changes };
    if (finding.draft) {
      await putItem(db, 'finding', updated);
      await publishDraft(db, updated);
      return;
    }
    const marks = { ...finding._m };
    for (const name of changed) {
      const entry = await enqueue(db, {
        entity: 'finding',
        entity_id: id,
        visit_id: finding.visit_id,
        fields: { [name]: changes[name] },
        base_version: finding.version,
        prev_id: marks[name],
      });
      marks[name] = entry.id;
    }
    updated = { ...updated, _m: marks };
    await putItem(db, 'finding', updated);
  });
}

/** Delete one of our findings (a draft simply disappears) and the photo links on it. */
export function deleteFinding(db, id) {
  return inTransaction(db, ['finding', 'photo_link'], async () => {
    const finding = await getItem(db, 'finding', id);
    if (!finding || finding.deleted) return;
    const links = await linksOfFinding(db, id);
    for (const link of links) await removeLink(db, link);
    if (finding.draft) {
      await deleteItem(db, 'finding', id);
      return;
    }
    const latest = Object.values(finding._m || {}).filter(Boolean);
    const entry = await enqueue(db, {
      entity: 'finding',
      entity_id: id,
      visit_id: finding.visit_id,
      fields: { deleted: true },
      base_version: finding.version,
      prev_id: latest.length ? latest[latest.length - 1] : null,
    });
    await putItem(db, 'finding', { ...finding, deleted: true, _m: { ...finding._m, deleted: entry.id } });
  });
}

/**
 * Keep a captured photo (bytes kept until the server confirms them) and link it to a
 * finding or a photo question; for a question, the answer lists the photo too.
 * `photo`: {sha256, data, type, thumb, width, height}; `target`: {visitId, agency, findingId}
 * or {visitId, agency, templateVersionId, questionId}.
 */
export function addPhoto(db, target, photo, caption = '') {
  return inTransaction(db, ['photo', 'photo_link', 'answer', 'finding', 'visit'], async () => {
    await keepCaptured(db, photo);
    const finding = target.findingId ? await getItem(db, 'finding', target.findingId) : null;
    const link = {
      id: crypto.randomUUID(),
      visit_id: target.visitId,
      agency: target.agency,
      photo_sha256: photo.sha256,
      finding_id: target.findingId || null,
      question_id: target.questionId || null,
      caption,
      visibility: finding?.visibility || await defaultVisibility(db, target.visitId, target.agency),
      version: 0,
      deleted: false,
      // On a draft finding (photo first) the link waits on the tablet for the description.
      draft: Boolean(finding?.draft),
    };
    if (!link.draft) await enqueueLink(db, link);
    await addItem(db, 'photo_link', link);
    if (target.questionId) {
      const key = answerKey(target.visitId, target.templateVersionId, target.questionId);
      const current = (await getItem(db, 'answer', key))?.value;
      const listed = Array.isArray(current) ? current : [];
      if (!listed.includes(photo.sha256)) {
        await writeAnswer(db, target, { value: [...listed, photo.sha256] });
      }
    }
    return link;
  });
}

function enqueueLink(db, link) {
  const fields = { photo_sha256: link.photo_sha256, caption: link.caption };
  if (link.finding_id) fields.finding_id = link.finding_id;
  if (link.question_id) fields.question_id = link.question_id;
  return enqueue(db, { entity: 'photo_link', entity_id: link.id, visit_id: link.visit_id, fields });
}

async function removeLink(db, link) {
  if (link.draft) {
    await updateItem(db, 'photo_link', link.id, { deleted: true });
    return;
  }
  await enqueue(db, {
    entity: 'photo_link',
    entity_id: link.id,
    visit_id: link.visit_id,
    fields: { deleted: true },
    base_version: link.version,
  });
  await updateItem(db, 'photo_link', link.id, { deleted: true });
}

/** Remove a photo from its finding or question (for a question, from the answer too). */
export function removePhoto(db, linkId, target = null) {
  return inTransaction(db, ['photo_link', 'answer'], async () => {
    const link = await getItem(db, 'photo_link', linkId);
    if (!link || link.deleted) return;
    await removeLink(db, link);
    if (target?.questionId) {
      const key = answerKey(target.visitId, target.templateVersionId, target.questionId);
      const current = (await getItem(db, 'answer', key))?.value;
      if (Array.isArray(current)) {
        await writeAnswer(db, target, { value: current.filter((sha) => sha !== link.photo_sha256) });
      }
    }
  });
}

/** The business representative signs: the image is kept like a photo, the signature queued. */
export function addSignature(db, { visitId, agency, signerName, signerRole, image }) {
  return inTransaction(db, ['photo', 'signature'], async () => {
    await keepCaptured(db, image);
    const signature = {
      id: crypto.randomUUID(),
      visit_id: visitId,
      agency,
      signer_name: signerName,
      signer_role: signerRole,
      image_sha256: image.sha256,
      signed_at: new Date().toISOString(),
    };
    await enqueue(db, {
      entity: 'signature',
      entity_id: signature.id,
      visit_id: visitId,
      fields: {
        signer_name: signature.signer_name,
        signer_role: signature.signer_role,
        image_sha256: signature.image_sha256,
        signed_at: signature.signed_at,
      },
    });
    await addItem(db, 'signature', signature);
    return signature;
  });
}

/**
 * Move a visit on (planned → in_progress → completed, or back to in_progress): the local
 * visit shows the new status at once; the server decides, and a refused change comes back
 * with the next pull and among the refused changes on the sync screen.
 */
export function setVisitStatus(db, visitId, status) {
  return inTransaction(db, ['visit'], async () => {
    const visit = await getItem(db, 'visit', visitId);
    if (!visit || visit.status === status) return;
    await enqueue(db, {
      entity: 'visit_status', entity_id: visitId, visit_id: visitId, fields: { status },
    });
    await putItem(db, 'visit', { ...visit, status });
  });
}

/**
 * Resolve a conflict on the tablet with one of its candidates (by index): queued like any
 * change (the server checks that this inspector may), shown as chosen until the server's
 * outcome arrives with the next pull.
 */
export function resolveConflict(db, conflict, candidate) {
  return inTransaction(db, ['conflict'], async () => {
    await enqueue(db, {
      entity: 'conflict_resolution',
      entity_id: String(conflict.id),
      visit_id: conflict.visit_id,
      fields: { candidate },
    });
    await putItem(db, 'conflict', { ...conflict, status: 'chosen', chosen: candidate });
  });
}
