// Persons on site for one visit: record who works here (name, identity number or why it is
// missing, stated role and employer, ID document seen), and this agency's own observations
// on each person (in the staff ledger, right to work, a note). Works offline: everything is
// saved on the tablet at once and sent by sync. Other agencies' persons show only that a
// person was recorded, with the stated role.

import { useState } from 'preact/hooks';

import { visitPersons } from '../db.js';
import { checkPerson, observePerson, savePerson } from '../person-edits.js';
import {
  BackLink, html, LABELS, TextField, useAgencyName, useApp, useLive,
} from '../ui.js';

const EMPTY = {
  name: '', id_number: '', missing: false, missing_reason: '', birth_date: '', role: '',
  employer_name: '', employer_org_number: '', id_document: '',
};
const FIELD_TEXT = { name: 'Ange personens namn.' };
const errorText = (code) => LABELS.identity_errors[code] || FIELD_TEXT[code] || code;

function Field({ id, label, error, children }) {
  return html`<div class="field">
    <label for=${id}>${label}</label>
    ${children}
    ${error ? html`<p class="error" role="alert" id=${`${id}-error`}>${errorText(error)}</p>` : null}
  </div>`;
}

function PersonForm({ visitId, agency, onSaved }) {
  const { db } = useApp();
  const [form, setForm] = useState(EMPTY);
  const [errors, setErrors] = useState({});
  const set = (name) => (event) => {
    const { type, checked, value } = event.currentTarget;
    // Functional update: quick typing must not drop a field set by a render not yet done.
    setForm((current) => ({ ...current, [name]: type === 'checkbox' ? checked : value }));
  };
  const input = (name, label, props = {}) => html`<${Field} id=${`person-${name}`} label=${label} error=${errors[name]}>
    <input id=${`person-${name}`} value=${form[name]} onInput=${set(name)}
      aria-invalid=${errors[name] ? 'true' : 'false'} ...${props} />
  </${Field}>`;
  async function submit(event) {
    event.preventDefault();
    const checked = checkPerson(form);
    if (!checked.ok) {
      setErrors(checked.errors);
      return;
    }
    setErrors({});
    await savePerson(db, { visitId, agency, fields: checked.fields });
    setForm(EMPTY);
    onSaved();
  }
  return html`<form class="card person-form" onSubmit=${submit} novalidate aria-label="Registrera person">
    ${input('name', 'Namn', { autocomplete: 'off' })}
    <label class="check"><input type="checkbox" checked=${form.missing} onChange=${set('missing')} />
      Personnummer/samordningsnummer saknas</label>
    ${form.missing
      ? html`${input('missing_reason', 'Varför saknas numret?')}
          ${input('birth_date', 'Födelsedatum (ÅÅÅÅ-MM-DD)', { inputmode: 'numeric', placeholder: 'ÅÅÅÅ-MM-DD' })}`
      : input('id_number', 'Personnummer eller samordningsnummer', { inputmode: 'numeric', placeholder: 'ÅÅÅÅMMDD-NNNN' })}
    ${input('role', 'Uppgiven roll')}
    ${input('employer_name', 'Uppgiven arbetsgivare')}
    ${input('employer_org_number', 'Arbetsgivarens organisationsnummer', { inputmode: 'numeric', placeholder: 'NNNNNN-NNNN' })}
    <${Field} id="person-id_document" label="Id-handling som visades">
      <select id="person-id_document" value=${form.id_document} onChange=${set('id_document')}>
        <option value="">Ej angivet</option>
        ${Object.entries(LABELS.id_documents).map(([code, text]) => html`<option value=${code}>${text}</option>`)}
      </select>
    </${Field}>
    <button type="submit" class="primary">Spara person</button>
  </form>`;
}

function Choice({ id, label, words, value, onSave }) {
  return html`<div class="field"><label for=${id}>${label}</label>
    <select id=${id} value=${value || ''} onChange=${(e) => onSave(e.currentTarget.value || null)}>
      <option value="">–</option>
      ${Object.entries(words).map(([code, text]) => html`<option value=${code}>${text}</option>`)}
    </select></div>`;
}

function PersonCard({ person, visitId, agency }) {
  const { db } = useApp();
  const agencyName = useAgencyName();
  const mine = person.observations.find((o) => o.agency === agency) || {};
  const observe = (changes) => observePerson(db, { visitId, personId: person.id, agency, changes });
  const idOf = (name) => `person-${person.id}-${name}`;
  if (person.limited) {
    return html`<li class="card person-card" data-testid="person">
      <h3>Person registrerad av ${agencyName(person.agency)}</h3>
      <p>Uppgiven roll: ${person.role || '–'}</p>
      <${Observations} mine=${mine} observe=${observe} idOf=${idOf} />
    </li>`;
  }
  return html`<li class="card person-card" data-testid="person">
    <h3>${person.name}</h3>
    <p>${person.id_number || `Nummer saknas (${person.missing_reason}), född ${person.birth_date}`}</p>
    <p>${[person.role, person.employer_name, person.employer_org_number].filter(Boolean).join(' · ') || '–'}</p>
    ${person.id_document ? html`<p>Id-handling: ${LABELS.id_documents[person.id_document]}</p>` : null}
    <p class="meta"><span>${LABELS.visibilities[person.visibility] || ''}</span>
      <span>${person.unsent ? 'Sparad på plattan' : 'Skickad'}</span></p>
    <${Observations} mine=${mine} observe=${observe} idOf=${idOf} />
  </li>`;
}

function Observations({ mine, observe, idOf }) {
  return html`<fieldset class="observations"><legend>Min myndighets iakttagelser</legend>
    <${Choice} id=${idOf('ledger')} label="I personalliggaren" words=${LABELS.in_ledger}
      value=${mine.in_ledger} onSave=${(v) => observe({ in_ledger: v })} />
    <${Choice} id=${idOf('work')} label="Rätt att arbeta i Sverige" words=${LABELS.right_to_work}
      value=${mine.right_to_work} onSave=${(v) => observe({ right_to_work: v })} />
    <div class="field"><label for=${idOf('note')}>Anteckning</label>
      <${TextField} id=${idOf('note')} value=${mine.note} multiline=${true}
        onSave=${(note) => observe({ note })} /></div>
  </fieldset>`;
}

export function PersonsScreen({ visitId }) {
  const { db, session } = useApp();
  const [adding, setAdding] = useState(false);
  const persons = useLive(() => visitPersons(db, visitId), [db, visitId]);
  if (persons === undefined) return html`<p>Läser in…</p>`;
  const agency = session.user.agency;
  return html`<${BackLink} to=${`besok/${visitId}`} label="Besöket" />
    <h1>Personer på plats</h1>
    ${adding
      ? html`<${PersonForm} visitId=${visitId} agency=${agency} onSaved=${() => setAdding(false)} />`
      : html`<button type="button" class="primary" onClick=${() => setAdding(true)}>Registrera person</button>`}
    ${persons.length
      ? html`<ul class="cards">${persons.map((p) => html`<${PersonCard} key=${p.id} person=${p}
          visitId=${visitId} agency=${agency} />`)}</ul>`
      : html`<p>Inga personer registrerade ännu.</p>`}`;
}
