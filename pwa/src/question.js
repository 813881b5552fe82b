// One checklist question as the inspector sees it: its label, required mark, help, legal
// reference and the input of its type. It knows nothing of where answers are kept: the field
// app passes a `save` that writes to IndexedDB, the checklist editor's preview one that keeps
// answers in memory. Types whose input needs the device (photo, signature) and the text
// field (held as a draft in the field app) come in through `inputs`.

import { useEffect, useState } from 'preact/hooks';

import { DateField, html, TextField, YESNO } from './fields.js';

function Options({ name, options, selected, multiple, onChange }) {
  // A choice shows at once and stays while its write commits: a re-render in between (the
  // sync badge changing, say) must not undo the tap with the value IndexedDB still holds.
  const [pending, setPending] = useState(undefined);
  const stored = JSON.stringify(selected ?? null);
  useEffect(() => setPending(undefined), [stored]);
  const current = pending === undefined ? selected : pending;
  const chosen = Array.isArray(current) ? current : current == null ? [] : [current];
  const choose = (value) => {
    setPending(value);
    return onChange(value);
  };
  return html`<div class=${`options ${options.length <= 3 ? 'inline' : ''}`}>
    ${options.map(([value, label]) => html`<label key=${value} class="option">
      <input type=${multiple ? 'checkbox' : 'radio'} name=${name} value=${value}
        checked=${chosen.includes(value)}
        onChange=${(event) => {
          if (!multiple) return choose(value);
          const next = event.currentTarget.checked
            ? [...chosen, value] : chosen.filter((v) => v !== value);
          const order = options.map(([v]) => v);
          return choose(next.sort((a, b) => order.indexOf(a) - order.indexOf(b)));
        }} />
      <span>${label}</span>
    </label>`)}
  </div>`;
}

function parseNumber(text, question) {
  const trimmed = text.trim().replace(',', '.').replace(/\s/g, '');
  if (!trimmed) return { value: null };
  const value = Number(trimmed);
  if (!Number.isFinite(value)) return { error: 'Ange ett tal.' };
  if (question.type === 'integer' && !Number.isInteger(value)) return { error: 'Ange ett heltal.' };
  if (question.min != null && value < question.min) return { error: `Minst ${question.min}.` };
  if (question.max != null && value > question.max) return { error: `Högst ${question.max}.` };
  return { value };
}

function NumberInput({ question, value, labelId, save }) {
  const [error, setError] = useState(null);
  return html`<div class="number">
    <${TextField} value=${value == null ? '' : String(value).replace('.', ',')}
      inputmode=${question.type === 'integer' ? 'numeric' : 'decimal'} aria-labelledby=${labelId}
      aria-invalid=${error ? 'true' : 'false'}
      onSave=${(text) => {
        const parsed = parseNumber(text, question);
        setError(parsed.error || null);
        if (!parsed.error) save(parsed.value);
      }} />
    ${question.unit ? html`<span class="unit">${question.unit}</span>` : null}
    ${error ? html`<p class="error" role="alert">${error}</p>` : null}
  </div>`;
}

function LocationInput({ value, save }) {
  const [error, setError] = useState(null);
  const locate = () => navigator.geolocation.getCurrentPosition(
    ({ coords }) => save({ lat: coords.latitude, lon: coords.longitude, accuracy: coords.accuracy }),
    () => setError('Positionen kunde inte hämtas.'),
    { enableHighAccuracy: true, timeout: 20000 },
  );
  return html`<div>
    ${value ? html`<p>${value.lat.toFixed(5)}, ${value.lon.toFixed(5)} (±${Math.round(value.accuracy || 0)} m)</p>` : null}
    <button type="button" onClick=${locate}>Hämta position</button>
    ${error ? html`<p class="error" role="alert">${error}</p>` : null}
  </div>`;
}

/**
 * The input of one question's type. `inputs` maps a type to a function
 * ({question, value, save, labelId}) → vnode that replaces the built-in input.
 */
export function AnswerInput({ question, value, save, labelId, inputs = {} }) {
  const own = inputs[question.type];
  if (own) return own({ question, value, save, labelId });
  const name = `q-${question.id}`;
  switch (question.type) {
    case 'yesno':
      return html`<${Options} name=${name} options=${YESNO} selected=${value} onChange=${save} />`;
    case 'choice':
      return html`<${Options} name=${name} multiple=${question.multiple}
        options=${(question.options || []).map((o) => [o.value, o.label])} selected=${value}
        onChange=${save} />`;
    case 'number':
    case 'integer':
      return html`<${NumberInput} question=${question} value=${value} labelId=${labelId} save=${save} />`;
    case 'text':
      return html`<${TextField} multiline value=${value || ''} aria-labelledby=${labelId}
        onSave=${(text) => save(text)} />`;
    case 'date':
      return html`<${DateField} value=${value} aria-labelledby=${labelId} onSave=${save} />`;
    case 'location':
      return html`<${LocationInput} value=${value} save=${save} />`;
    default:
      return html`<p class="subtle">Frågetypen stöds inte i den här versionen av appen.</p>`;
  }
}

/**
 * A question: legend (text, unit, required mark, `state` word), help, legal reference, its
 * input, then `children` (what the caller adds below: a suggested deviation, a note).
 */
export function QuestionView({ question, value, save, inputs, stateWord = null, state = null, idPrefix = '', children }) {
  const labelId = `label-${idPrefix}${question.id}`;
  const required = question.required || (question.type === 'photo' && question.min_photos);
  return html`<fieldset class="question" id=${`q-${idPrefix}${question.id}`} data-question=${question.id}>
    <legend id=${labelId}>
      ${question.text}${question.unit && question.type !== 'number' ? ` (${question.unit})` : ''}
      ${required ? html`<span class="required"> (obligatorisk)</span>` : null}
      ${state ? html`<span class=${`state-word state-${state}`}> · ${stateWord}</span>` : null}
    </legend>
    ${question.help ? html`<p class="help">${question.help}</p>` : null}
    ${question.legal_ref ? html`<p class="legal">${question.legal_ref}</p>` : null}
    <${AnswerInput} question=${question} value=${value} save=${save} labelId=${labelId} inputs=${inputs} />
    ${children}
  </fieldset>`;
}
