// The condition picker: a group ("Alla villkor gäller" / "Något av villkoren gäller", with
// "Inte") of rows question → operator → value and nested groups. Never a typed expression.
// How the items combine is asked only once there are two of them.
// Only the questions `offered` (earlier ones) can be picked; words come from labels.json.

import { html, LABELS, YESNO } from '../fields.js';
import { defaultLeaf, opsFor, setItem, withOp } from './state.js';

const opWord = (op, type) => (type === 'date' && LABELS.condition_ops_date[op]) || LABELS.condition_ops[op];

function ValueInput({ leaf, question, id, label, onChange }) {
  if (leaf.op === 'answered' || leaf.op === 'unanswered' || !question) return null;
  if (leaf.op === 'in') {
    const choices = question.type === 'yesno' ? YESNO : (question.options || []).map((o) => [o.value, o.label]);
    const chosen = Array.isArray(leaf.value) ? leaf.value : [];
    return html`<fieldset class="cond-values"><legend class="visually-hidden">${label}</legend>
      ${choices.map(([value, word]) => html`<label key=${value} class="inline-check">
        <input type="checkbox" checked=${chosen.includes(value)} onChange=${(event) => onChange(
          event.currentTarget.checked ? [...chosen, value] : chosen.filter((v) => v !== value),
        )} /> ${word}</label>`)}
    </fieldset>`;
  }
  if (question.type === 'yesno' || question.type === 'choice') {
    const choices = question.type === 'yesno' ? YESNO : (question.options || []).map((o) => [o.value, o.label]);
    return html`<select id=${id} aria-label=${label} value=${leaf.value} onChange=${(e) => onChange(e.currentTarget.value)}>
      ${choices.map(([value, word]) => html`<option key=${value} value=${value}>${word}</option>`)}
    </select>`;
  }
  if (question.type === 'number' || question.type === 'integer') {
    return html`<input id=${id} aria-label=${label} inputmode="decimal" value=${String(leaf.value ?? '').replace('.', ',')}
      onChange=${(e) => {
        const number = Number(e.currentTarget.value.trim().replace(',', '.'));
        onChange(Number.isFinite(number) && e.currentTarget.value.trim() ? number : e.currentTarget.value);
      }} />`;
  }
  return html`<input id=${id} aria-label=${label} value=${leaf.value ?? ''}
    placeholder=${question.type === 'date' ? 'ÅÅÅÅ-MM-DD' : ''}
    onChange=${(e) => onChange(e.currentTarget.value)} />`;
}

function Leaf({ leaf, offered, path, idBase, onChange, onRemove }) {
  const question = offered.find((q) => q.id === leaf.q);
  const id = `${idBase}-${path.join('-')}`;
  const ops = question ? opsFor(question.type) : ['answered'];
  return html`<li class="cond-leaf">
    <label for=${`${id}-q`} class="visually-hidden">Fråga</label>
    <select id=${`${id}-q`} value=${question ? leaf.q : ''} aria-invalid=${question ? 'false' : 'true'}
      onChange=${(e) => onChange(defaultLeaf(offered.find((q) => q.id === e.currentTarget.value)))}>
      ${question ? null : html`<option value="">Välj fråga</option>`}
      ${offered.map((q) => html`<option key=${q.id} value=${q.id}>${q.text}</option>`)}
    </select>
    <label for=${`${id}-op`} class="visually-hidden">Villkor</label>
    <select id=${`${id}-op`} value=${leaf.op} onChange=${(e) => onChange(withOp(leaf, e.currentTarget.value, question))}>
      ${ops.map((op) => html`<option key=${op} value=${op}>${opWord(op, question?.type)}</option>`)}
    </select>
    <${ValueInput} leaf=${leaf} question=${question} id=${`${id}-v`} label="Värde"
      onChange=${(value) => onChange({ ...leaf, value })} />
    <button type="button" class="small secondary" onClick=${onRemove}
      aria-label=${`Ta bort villkoret${question ? ` om ”${question.text}”` : ''}`}>Ta bort</button>
  </li>`;
}

function Group({ group, offered, path, idBase, onChange, onRemove }) {
  const id = `${idBase}-g${path.join('-')}`;
  const change = (itemPath, item) => onChange(setItem(group, itemPath, item));
  return html`<div class=${`cond-group ${path.length ? 'nested' : ''}`} role="group"
    aria-label=${path.length ? 'Villkorsgrupp' : 'Villkor'}>
    <div class="cond-head">
      ${group.items.length > 1 ? html`<label for=${`${id}-mode`} class="visually-hidden">Hur villkoren kombineras</label>
      <select id=${`${id}-mode`} value=${group.mode} onChange=${(e) => onChange({ ...group, mode: e.currentTarget.value })}>
        ${Object.entries(LABELS.condition_groups).map(([mode, word]) => html`<option key=${mode} value=${mode}>${word}</option>`)}
      </select>` : null}
      ${group.items.length ? html`<label class="inline-check"><input type="checkbox" checked=${group.not}
        onChange=${(e) => onChange({ ...group, not: e.currentTarget.checked })} /> Inte</label>` : null}
      ${onRemove ? html`<button type="button" class="small secondary" onClick=${onRemove}>Ta bort gruppen</button>` : null}
    </div>
    <ul class="cond-items">
      ${group.items.map((item, i) => ('items' in item
        ? html`<li key=${i}><${Group} group=${item} offered=${offered} path=${[...path, i]} idBase=${idBase}
            onChange=${(next) => change([i], next)} onRemove=${() => change([i], null)} /></li>`
        : html`<${Leaf} key=${i} leaf=${item} offered=${offered} path=${[...path, i]} idBase=${idBase}
            onChange=${(next) => change([i], next)} onRemove=${() => change([i], null)} />`))}
    </ul>
    <div class="cond-add">
      <button type="button" class="small" disabled=${!offered.length}
        onClick=${() => onChange({ ...group, items: [...group.items, defaultLeaf(offered[offered.length - 1])] })}>
        Lägg till villkor</button>
      <button type="button" class="small secondary" disabled=${!offered.length}
        onClick=${() => onChange({ ...group, items: [...group.items, { mode: 'all', not: false, items: [defaultLeaf(offered[offered.length - 1])] }] })}>
        Lägg till grupp</button>
    </div>
  </div>`;
}

/** The picker for one condition group (see state.js toGroup/fromGroup for the mapping). */
export function ConditionPicker({ group, offered, idBase, onChange }) {
  if (!offered.length) return html`<p class="hint">Det finns inga tidigare frågor att välja.</p>`;
  return html`<${Group} group=${group} offered=${offered} path=${[]} idBase=${idBase} onChange=${onChange} />`;
}
