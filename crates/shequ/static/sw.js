// shequ's service worker. Pages a worker opened stay readable without network (the latest copy of each),
// and our static files load from the phone. Nothing is sent from here: forms made offline are queued by
// /static/offline.js. API answers and downloads are never kept. Logging out clears the copies.
const CACHE = 'shequ-pages-v1';
const SHELL = ['/static/app.css', '/static/htmx.min.js', '/static/pick.js', '/static/app.js',
  '/static/offline.js', '/static/favicon.svg'];

self.addEventListener('install', (e) => {
  e.waitUntil(caches.open(CACHE).then((c) => c.addAll(SHELL)).then(() => self.skipWaiting()));
});
self.addEventListener('activate', (e) => { e.waitUntil(self.clients.claim()); });

function kept(url, request) {
  if (url.origin !== self.location.origin || request.method !== 'GET') return false;
  if (url.pathname.startsWith('/static/')) return true;
  if (request.mode !== 'navigate') return false;
  return !url.pathname.startsWith('/api/') && !/\.(xlsx|docx|md|csv|png|jpg)$/.test(url.pathname)
    && !url.pathname.startsWith('/login') && !url.pathname.startsWith('/public/');
}

self.addEventListener('fetch', (e) => {
  const url = new URL(e.request.url);
  if (!kept(url, e.request)) return;
  e.respondWith(fetch(e.request).then((res) => {
    if (res.ok && !res.redirected) {
      const copy = res.clone();
      caches.open(CACHE).then((c) => c.put(e.request, copy));
    }
    return res;
  }).catch(() => caches.match(e.request, { ignoreSearch: false }).then((hit) => hit
    || new Response('<!doctype html><meta charset="utf-8"><meta name="viewport" content="width=device-width">'
      + '<link rel="stylesheet" href="/static/app.css"><main class="narrow"><h1>没有网络</h1>'
      + '<p>这个页面还没有在手机上保存过。联网后再打开。</p><p><a href="/">首页</a></p></main>',
      { status: 503, headers: { 'Content-Type': 'text/html; charset=utf-8' } }))));
});

self.addEventListener('message', (e) => {
  if (e.data === 'logout') e.waitUntil(caches.delete(CACHE));
});
