// The service worker: precaches the versioned app shell (the list is written in at build
// time), deletes older shells, serves the shell cache-first and every navigation with the
// cached index.html. It never touches non-GET requests or /api/, and a new version waits
// until the page asks it to take over.

/* global __PRECACHE__, __VERSION__ */
const CACHE = `otto-shell-${__VERSION__}`;
const scope = new URL(self.registration.scope);
const PRECACHE = __PRECACHE__.map((path) => new URL(path, scope).href);
const INDEX = new URL('index.html', scope).href;

self.addEventListener('install', (event) => {
  event.waitUntil(caches.open(CACHE).then((cache) => cache.addAll(PRECACHE)));
});

self.addEventListener('activate', (event) => {
  event.waitUntil((async () => {
    const names = await caches.keys();
    await Promise.all(names.filter((name) => name.startsWith('otto-shell-') && name !== CACHE)
      .map((name) => caches.delete(name)));
    await self.clients.claim();
  })());
});

self.addEventListener('message', (event) => {
  if (event.data?.type === 'SKIP_WAITING') self.skipWaiting();
});

self.addEventListener('fetch', (event) => {
  const { request } = event;
  if (request.method !== 'GET') return;
  const url = new URL(request.url);
  if (url.origin !== scope.origin || url.pathname.startsWith('/api/')) return;
  if (!url.pathname.startsWith(scope.pathname)) return;
  if (request.mode === 'navigate') {
    event.respondWith(fromShell(INDEX, request));
    return;
  }
  url.search = '';
  if (PRECACHE.includes(url.href)) event.respondWith(fromShell(url.href, request));
});

async function fromShell(href, request) {
  const cache = await caches.open(CACHE);
  return (await cache.match(href)) || fetch(request);
}
