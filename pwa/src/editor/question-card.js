// One question in the editor: a header (number, text, type, move/copy/delete, drag handle)
// and, when opened, its form: text, type, help, legal reference, required, the keys of its
// type, show_if and the deviation rule built with the condition picker, and its id under
// "Avancerat". Element ids use the card's stable `k` (a question's id may change as it is typed).

import { html, LABELS, SEVERITIES } from '../fields.js';
import { ConditionPicker } from './condition.js';
import { defaultLeaf, fromGroup, optionsFromLabels, slugify, toGroup, uniqueId, withType } from './state.js';

const TYPES = Object.entries(LABELS.question_types);
const capital = (word) => word.charAt(0).toUpperCase() + word.slice(1);

/** A number typed in Swedish ("1,5"), or the text itself when it is none (the server says why). */
function numberOrText(text) {
  const trimmed = text.trim().replace(',', '.');
  if (!trimmed) return undefined;
  const number = Number(trimmed);
  return Number.isFinite(number) ? number : text;
}

function Field({ k, field, label, errorFields, errorsId, children, hint }) {
  return html`<div class="ed-field">
    <label for=${`${k}-${field}`}>${label}</label>
    ${hint ? html`<p class="hint" id=${`${k}-${field}-hint`}>${hint}</p>` : null}
    ${children({
      id: `${k}-${field}`,
      'aria-invalid': errorFields.has(field) ? 'true' : 'false',
      'aria-describedby': [errorFields.has(field) ? errorsId : null, hint ? `${k}-${field}-hint` : null].filter(Boolean).join(' ') || undefined,
    })}
  </div>`;
}

function OptionsEditor({ k, question, change, invalid, errorsId }) {
  const options = question.options || [];
  const labels = options.map((o) => o.label);
  // The first option's field (or, with none, the add button) is where an error about the
  // options takes the author.
  const optionId = (i) => (i === 0 ? `${k}-options` : `${k}-option-${i}`);
  // Values follow the labels while they were derived from them; imported values stay.
  const setLabels = (next) => change({
    options: next.map((label, i) => {
      const old = options[i];
      const derived = !old || old.value === slugify(old.label) || /^alternativ-\d+$/.test(old.value);
      if (!derived) return { value: old.value, label };
      const taken = options.filter((_, j) => j !== i).map((o) => o.value);
      return { value: uniqueId(slugify(label || `alternativ-${i + 1}`), taken), label };
    }),
  });
  return html`<fieldset class="ed-options">
    <legend>Svarsalternativ</legend>
    ${options.length ? null : html`<p class="hint">Frågan har inga svarsalternativ.</p>`}
    <ol>
      ${options.map((option, i) => html`<li key=${i}>
        <label for=${optionId(i)} class="visually-hidden">Alternativ ${i + 1}</label>
        <input id=${optionId(i)} value=${option.label}
          aria-invalid=${invalid ? 'true' : 'false'} aria-describedby=${invalid ? errorsId : undefined}
          onInput=${(e) => setLabels(labels.map((l, j) => (j === i ? e.currentTarget.value : l)))} />
        <button type="button" class="small secondary" aria-label=${`Ta bort alternativet ${option.label}`}
          onClick=${() => change({ options: options.filter((_, j) => j !== i) })}>Ta bort</button>
      </li>`)}
    </ol>
    <button type="button" class="small" id=${options.length ? undefined : optionId(0)}
      aria-describedby=${!options.length && invalid ? errorsId : undefined} onClick=${() => change({
      options: [...options, ...optionsFromLabels([...labels, `Alternativ ${options.length + 1}`]).slice(options.length)
        .map((o) => ({ ...o, value: uniqueId(o.value, options.map((x) => x.value)) }))],
    })}>Lägg till alternativ</button>
    <label class="inline-check"><input type="checkbox" checked=${Boolean(question.multiple)}
      onChange=${(e) => change({ multiple: e.currentTarget.checked || undefined })} /> Flera val får göras</label>
  </fieldset>`;
}

function QuestionForm({ k, question, earlier, errorFields, errorsId, change, changeId }) {
  const field = (name, label, control, hint) => html`<${Field} k=${k} field=${name} label=${label} hint=${hint}
    errorFields=${errorFields} errorsId=${errorsId}>${control}<//>`;
  const deviation = question.deviation;
  return html`<div class="ed-form">
    ${field('text', 'Frågetext', (p) => html`<textarea rows="2" ...${p} value=${question.text}
      onInput=${(e) => change({ text: e.currentTarget.value })} />`)}
    <div class="ed-row">
      ${field('type', 'Frågetyp', (p) => html`<select ...${p} value=${question.type}
        onChange=${(e) => change(withType(question, e.currentTarget.value), true)}>
        ${TYPES.map(([type, word]) => html`<option key=${type} value=${type}>${capital(word)}</option>`)}
      </select>`)}
      <label class="inline-check"><input type="checkbox" id=${`${k}-required`} checked=${Boolean(question.required)}
        onChange=${(e) => change({ required: e.currentTarget.checked || undefined })} /> Obligatorisk</label>
    </div>
    ${field('help', 'Hjälptext', (p) => html`<textarea rows="2" ...${p} value=${question.help || ''}
      onInput=${(e) => change({ help: e.currentTarget.value })} />`)}
    ${field('legal_ref', 'Lagrum', (p) => html`<input ...${p} value=${question.legal_ref || ''}
      onInput=${(e) => change({ legal_ref: e.currentTarget.value })} />`, 'Till exempel 3 kap. 2 § miljöbalken.')}
    ${question.type === 'choice' ? html`<${OptionsEditor} k=${k} question=${question} change=${change}
      invalid=${errorFields.has('options')} errorsId=${errorsId} />` : null}
    ${question.type === 'number' || question.type === 'integer' ? html`<div class="ed-row">
      ${question.type === 'number' ? field('unit', 'Enhet', (p) => html`<input ...${p} value=${question.unit || ''}
        onInput=${(e) => change({ unit: e.currentTarget.value })} />`) : null}
      ${field('min', 'Minsta värde', (p) => html`<input ...${p} inputmode="decimal" value=${question.min ?? ''}
        onChange=${(e) => change({ min: numberOrText(e.currentTarget.value) })} />`)}
      ${field('max', 'Största värde', (p) => html`<input ...${p} inputmode="decimal" value=${question.max ?? ''}
        onChange=${(e) => change({ max: numberOrText(e.currentTarget.value) })} />`)}
    </div>` : null}
    ${question.type === 'photo' ? field('min_photos', 'Minsta antal foton', (p) => html`<input ...${p}
      inputmode="numeric" value=${question.min_photos ?? ''}
      onChange=${(e) => change({ min_photos: numberOrText(e.currentTarget.value) })} />`) : null}

    <fieldset class="ed-condition" aria-invalid=${errorFields.has('show_if') ? 'true' : undefined}>
      <legend>Visas bara när</legend>
      <p class="hint">Utan villkor visas frågan alltid. Bara tidigare frågor kan väljas.</p>
      <${ConditionPicker} group=${toGroup(question.show_if)} offered=${earlier} idBase=${`${k}-show_if`}
        onChange=${(group) => change({ show_if: fromGroup(group) })} />
    </fieldset>

    <fieldset class="ed-deviation">
      <legend>Avvikelse</legend>
      <label class="inline-check"><input type="checkbox" id=${`${k}-deviation`} checked=${Boolean(deviation)}
        onChange=${(e) => change({
          deviation: e.currentTarget.checked ? { when: defaultLeaf(question), severity: 'minor', text: '' } : undefined,
        })} /> Föreslå en avvikelse när villkoret är uppfyllt</label>
      ${deviation ? html`
        <${ConditionPicker} group=${toGroup(deviation.when)} offered=${[...earlier, question]} idBase=${`${k}-when`}
          onChange=${(group) => change({ deviation: { ...deviation, when: fromGroup(group) } })} />
        <div class="ed-row">
          ${field('severity', 'Allvarlighet', (p) => html`<select ...${p} value=${deviation.severity}
            onChange=${(e) => change({ deviation: { ...deviation, severity: e.currentTarget.value } })}>
            ${SEVERITIES.map(([code, word]) => html`<option key=${code} value=${code}>${word}</option>`)}
          </select>`)}
          ${field('deviation_legal_ref', 'Lagrum för avvikelsen', (p) => html`<input ...${p} value=${deviation.legal_ref || ''}
            onInput=${(e) => {
              const { legal_ref: _, ...rest } = deviation;
              change({ deviation: e.currentTarget.value ? { ...rest, legal_ref: e.currentTarget.value } : rest });
            }} />`)}
        </div>
        ${field('deviation_text', 'Avvikelsens text', (p) => html`<textarea rows="2" ...${p} value=${deviation.text}
          onInput=${(e) => change({ deviation: { ...deviation, text: e.currentTarget.value } })} />`)}
      ` : null}
    </fieldset>

    <details class="ed-advanced">
      <summary>Avancerat</summary>
      ${field('id', 'Frågans id', (p) => html`<input ...${p} value=${question.id} spellcheck="false"
        onChange=${(e) => changeId(e.currentTarget.value.trim())} />`,
        'Används i villkor och exporter. Små bokstäver, siffror och bindestreck.')}
    </details>
  </div>`;
}

/** The header and (when open) the form of one question. */
export function QuestionCard({
  k, question, number, open, first, last, earlier, errors, dragging,
  onToggle, onChange, onChangeId, onMove, onDuplicate, onRemove, onKeyDown, drag,
}) {
  const errorsId = `${k}-errors`;
  const errorFields = new Set(errors.map((e) => e.field));
  const typeWord = LABELS.question_types[question.type] || question.type;
  return html`<li class=${`ed-question ${errors.length ? 'has-errors' : ''} ${dragging ? 'dragging' : ''}`}
    data-question-card=${question.id} onKeyDown=${onKeyDown} ...${drag.target}>
    <div class="ed-q-head">
      <span class="drag-handle" draggable="true" title="Dra för att flytta" aria-hidden="true" ...${drag.handle}>⠿</span>
      <button type="button" class="ed-q-toggle" id=${`${k}-toggle`} aria-expanded=${open ? 'true' : 'false'}
        aria-describedby=${errors.length ? errorsId : undefined} onClick=${onToggle}>
        <span class="ed-q-number">${number}</span>
        <span class="ed-q-text">${question.text || '(frågetext saknas)'}</span>
        <span class="ed-q-type">${capital(typeWord)}${question.required ? ', obligatorisk' : ''}${question.show_if ? ', villkorad' : ''}${question.deviation ? ', avvikelseregel' : ''}</span>
      </button>
      <div class="ed-q-actions" role="group" aria-label=${`Åtgärder för ${question.text}`}>
        <button type="button" class="small secondary" id=${`${k}-up`} disabled=${first} onClick=${() => onMove(-1, `${k}-up`)}>Flytta upp</button>
        <button type="button" class="small secondary" id=${`${k}-down`} disabled=${last} onClick=${() => onMove(1, `${k}-down`)}>Flytta ner</button>
        <button type="button" class="small secondary" onClick=${onDuplicate}>Kopiera</button>
        <button type="button" class="small danger" onClick=${onRemove}>Ta bort</button>
      </div>
    </div>
    ${errors.length ? html`<ul class="ed-errors" id=${errorsId}>
      ${errors.map((e, i) => html`<li key=${i}>${e.message}</li>`)}
    </ul>` : null}
    ${open ? html`<${QuestionForm} k=${k} question=${question} earlier=${earlier} errorFields=${errorFields}
      errorsId=${errorsId} change=${onChange} changeId=${onChangeId} />` : null}
  </li>`;
}
