// The checklist editor's entry: a separate bundle (pwa/dist/editor/), loaded only by the
// editor page, never by the field app. The page gives the draft in #editor-data.

import { render } from 'preact';

import { html } from '../fields.js';
import { Editor } from './editor.js';
import './editor.css';

const data = JSON.parse(document.getElementById('editor-data').textContent);
const root = document.getElementById('editor');
root.replaceChildren(); // the page's "loading" heading and hint give way to the editor
render(html`<${Editor} data=${data} />`, root);
