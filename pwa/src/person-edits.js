// Local edits of persons on site and of this agency's observations on them: written to
// IndexedDB together with their outbox entries in ONE transaction, like every edit
// (edits.js). A person is agency-only unless made joint; the identity number is checked
// here (identity.js) before it is saved, and the server checks it again. Recording a number
// already recorded on the visit edits that person: the tablet never holds a duplicate.
// Reads and writes IndexedDB only through db.js.

import { addItem, getItem, putItem, visitPersons, writeTogether } from './db.js';
import { parseIdentityNumber, parseOrgNumber } from './identity.js';
import { enqueue } from './sync/outbox.js';

export const PERSON_FIELDS = [
  'name', 'id_number', 'missing_reason', 'birth_date', 'role', 'employer_name',
  'employer_org_number', 'id_document', 'visibility',
];
const OBSERVATION_FIELDS = ['in_ledger', 'right_to_work', 'note'];

const todayIso = () => new Date().toISOString().slice(0, 10);

/**
 * Check a person's form: {ok: true, fields} with the number normalised, or {ok: false,
 * errors: {field: code}} (codes of labels.json "identity_errors", or 'name').
 */
export function checkPerson(form, today = todayIso()) {
  const errors = {};
  const fields = { ...form };
  if (!(form.name || '').trim()) errors.name = 'name';
  if (form.missing) {
    fields.id_number = null;
    if (!(form.missing_reason || '').trim()) errors.missing_reason = 'missing_reason';
    if (!form.birth_date || form.birth_date > today) errors.birth_date = 'birth_date';
  } else {
    const parsed = parseIdentityNumber(form.id_number, today);
    if (parsed.ok) fields.id_number = parsed.number;
    else errors.id_number = parsed.error;
    fields.missing_reason = '';
    fields.birth_date = parsed.ok ? parsed.birth_date : null;
  }
  if ((form.employer_org_number || '').trim()) {
    const org = parseOrgNumber(form.employer_org_number);
    if (org.ok) fields.employer_org_number = org.number;
    else errors.employer_org_number = 'org_number';
  }
  delete fields.missing;
  return Object.keys(errors).length ? { ok: false, errors } : { ok: true, fields };
}

/**
 * Save a checked person (new, or `personId`'s changes) for this tablet's agency; returns the
 * person's id. One mutation per changed field, each chained to this device's previous one.
 */
export async function savePerson(db, { visitId, agency, personId = null, fields }) {
  return writeTogether(db, ['site_person', 'person_observation'], async () => {
    let id = personId;
    if (!id && fields.id_number) {
      const same = (await visitPersons(db, visitId))
        .find((p) => !p.limited && p.id_number === fields.id_number);
      id = same?.id || null;
    }
    const stored = id ? await getItem(db, 'site_person', id) : null;
    if (!stored) {
      const person = {
        id: crypto.randomUUID(), visit_id: visitId, agency, limited: false,
        visibility: 'agency', ...fields, version: 0, created_at: new Date().toISOString(), _m: {},
      };
      const sent = Object.fromEntries(PERSON_FIELDS.filter((f) => f in person)
        .map((f) => [f, person[f] ?? (f === 'id_number' || f === 'birth_date' ? null : '')]));
      const entry = await enqueue(db, {
        entity: 'site_person', entity_id: person.id, visit_id: visitId, fields: sent,
      });
      person._m = Object.fromEntries(Object.keys(sent).map((f) => [f, entry.id]));
      await addItem(db, 'site_person', person);
      return person.id;
    }
    const marks = { ...stored._m };
    const changed = PERSON_FIELDS.filter((f) => f in fields && fields[f] !== stored[f]);
    for (const name of changed) {
      const entry = await enqueue(db, {
        entity: 'site_person',
        entity_id: stored.id,
        visit_id: visitId,
        fields: { [name]: fields[name] },
        base_version: stored.version,
        prev_id: marks[name],
      });
      marks[name] = entry.id;
    }
    await putItem(db, 'site_person', { ...stored, ...fields, _m: marks });
    return stored.id;
  });
}

/** Set fields of this agency's observation on a person (made on first use). */
export async function observePerson(db, { visitId, personId, agency, changes }) {
  return writeTogether(db, ['site_person', 'person_observation'], async () => {
    const mine = (await visitPersons(db, visitId)).find((p) => p.id === personId)
      ?.observations.find((o) => o.agency === agency);
    const row = mine || {
      id: crypto.randomUUID(), person_id: personId, visit_id: visitId, agency,
      in_ledger: null, right_to_work: null, note: '', visibility: 'agency', version: 0, _m: {},
    };
    const marks = { ...row._m };
    for (const name of OBSERVATION_FIELDS.filter((f) => f in changes && changes[f] !== row[f])) {
      const entry = await enqueue(db, {
        entity: 'person_observation',
        entity_id: row.id,
        visit_id: visitId,
        fields: { person_id: personId, [name]: changes[name] },
        base_version: row.version,
        prev_id: marks[name],
      });
      marks[name] = entry.id;
    }
    await putItem(db, 'person_observation', { ...row, ...changes, _m: marks });
  });
}
