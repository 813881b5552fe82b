// Builds the field app into dist/: hashed app-*.js and app-*.css (esbuild), index.html,
// the manifest, icons (PNG drawn here, no image tools needed), and sw.js with the
// precache list and a version derived from the content of everything it precaches.
// The checklist editor is a separate bundle in dist/editor/ (editor-*.js, editor-*.css and
// manifest.json naming them, read by the server's editor page): never precached, never
// part of the field app's first load.

import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { deflateSync, gzipSync } from 'node:zlib';

import * as esbuild from 'esbuild';

const BASE = process.env.OTTO_APP_BASE || '/app/';
const SRC = new URL('./src/', import.meta.url).pathname;
const DIST = new URL('./dist/', import.meta.url).pathname;
const EDITOR_DIST = join(DIST, 'editor');

function crc32(bytes) {
  let crc = ~0;
  for (const byte of bytes) {
    crc ^= byte;
    for (let k = 0; k < 8; k += 1) crc = (crc >>> 1) ^ (0xedb88320 & -(crc & 1));
  }
  return ~crc >>> 0;
}

function pngChunk(type, data) {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([length, body, crc]);
}

/** The app icon as a PNG: a blue rounded square with a white ring (as icon.svg). */
function iconPng(size) {
  const rows = [];
  const c = size / 2;
  const radius = size * 0.19;
  for (let y = 0; y < size; y += 1) {
    const row = Buffer.alloc(1 + size * 4);
    for (let x = 0; x < size; x += 1) {
      const dx = Math.max(radius - x, 0, x - (size - 1 - radius));
      const dy = Math.max(radius - y, 0, y - (size - 1 - radius));
      const inside = dx * dx + dy * dy <= radius * radius;
      const ring = Math.abs(Math.hypot(x - c, y - c) - size * 0.293) <= size * 0.055;
      const [r, g, b] = ring ? [255, 255, 255] : [0x1d, 0x4f, 0x91];
      row.set([r, g, b, inside ? 255 : 0], 1 + x * 4);
    }
    rows.push(row);
  }
  const header = Buffer.alloc(13);
  header.writeUInt32BE(size, 0);
  header.writeUInt32BE(size, 4);
  header.set([8, 6, 0, 0, 0], 8);
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    pngChunk('IHDR', header),
    pngChunk('IDAT', deflateSync(Buffer.concat(rows))),
    pngChunk('IEND', Buffer.alloc(0)),
  ]);
}

const withBase = (text, extra = {}) =>
  Object.entries({ BASE, ...extra }).reduce((out, [k, v]) => out.replaceAll(`%${k}%`, v), text);

async function build() {
  rmSync(DIST, { recursive: true, force: true });
  mkdirSync(DIST, { recursive: true });
  const result = await esbuild.build({
    entryPoints: { app: join(SRC, 'main.js') },
    bundle: true,
    minify: true,
    format: 'esm',
    target: ['es2020', 'safari14'],
    entryNames: '[name]-[hash]',
    outdir: DIST,
    metafile: true,
    legalComments: 'none',
    logLevel: 'warning',
  });
  const outputs = Object.keys(result.metafile.outputs).map((path) => basename(path));
  const js = outputs.find((name) => name.endsWith('.js'));
  const css = outputs.find((name) => name.endsWith('.css'));
  const files = {
    'index.html': withBase(readFileSync(join(SRC, 'index.html'), 'utf8'), { JS: js, CSS: css }),
    'manifest.webmanifest': withBase(readFileSync(join(SRC, 'manifest.webmanifest'), 'utf8')),
    'icon.svg': readFileSync(join(SRC, 'icon.svg')),
    'icon-192.png': iconPng(192),
    'icon-512.png': iconPng(512),
  };
  for (const [name, content] of Object.entries(files)) writeFileSync(join(DIST, name), content);
  const precache = ['index.html', js, css, 'manifest.webmanifest', 'icon.svg', 'icon-192.png', 'icon-512.png'];
  const version = createHash('sha256');
  for (const name of precache) version.update(name).update(readFileSync(join(DIST, name)));
  await esbuild.build({
    entryPoints: [join(SRC, 'sw.js')],
    bundle: true,
    minify: true,
    target: ['es2020'],
    outfile: join(DIST, 'sw.js'),
    define: {
      __PRECACHE__: JSON.stringify(precache),
      __VERSION__: JSON.stringify(version.digest('hex').slice(0, 16)),
    },
    logLevel: 'warning',
  });
  console.log(`built ${DIST}: ${precache.join(', ')}, sw.js`);
  const editor = await buildEditor();
  const size = (path) => `${(statSync(path).size / 1024).toFixed(1)} kB`
    + ` (${(gzipSync(readFileSync(path)).length / 1024).toFixed(1)} kB gzip)`;
  console.log(`field app: ${js} ${size(join(DIST, js))}, ${css} ${size(join(DIST, css))}`);
  console.log(`editor:    ${editor.js} ${size(join(EDITOR_DIST, editor.js))}, ${editor.css} ${size(join(EDITOR_DIST, editor.css))}`);
}

/** The checklist editor bundle and its manifest.json ({js, css}). */
async function buildEditor() {
  mkdirSync(EDITOR_DIST, { recursive: true });
  const result = await esbuild.build({
    entryPoints: { editor: join(SRC, 'editor', 'main.js') },
    bundle: true,
    minify: true,
    format: 'esm',
    target: ['es2020', 'safari14'],
    entryNames: '[name]-[hash]',
    outdir: EDITOR_DIST,
    metafile: true,
    legalComments: 'none',
    logLevel: 'warning',
  });
  const outputs = Object.keys(result.metafile.outputs).map((path) => basename(path));
  const manifest = {
    js: outputs.find((name) => name.endsWith('.js')),
    css: outputs.find((name) => name.endsWith('.css')),
  };
  writeFileSync(join(EDITOR_DIST, 'manifest.json'), `${JSON.stringify(manifest)}\n`);
  return manifest;
}

build().catch((error) => {
  console.error(error);
  process.exit(1);
});
