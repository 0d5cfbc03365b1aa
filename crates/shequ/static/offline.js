// Field work without network. A form marked data-offline="走访" (visits; patrol logs and hazards too — a
// photo is not kept offline, only the fields and the location) is kept on the phone (localStorage) when
// there is no network, and sent when the network is back — each exactly once: the phone gives every record a
// key (client_key) and the server returns the record already made for a key it has seen. A record the server
// refuses (a wrong 户号, say) stays listed with the reason until the worker deletes it. The header shows what
// is waiting. Logging out clears the pages kept for reading offline (the queue stays for the next login).
(function () {
  var KEY = 'shequ.outbox';
  function load() { try { return JSON.parse(localStorage.getItem(KEY) || '[]'); } catch (e) { return []; } }
  function save(q) { localStorage.setItem(KEY, JSON.stringify(q)); }
  function newKey() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    return Date.now().toString(36) + '-' + Math.random().toString(36).slice(2, 12);
  }
  function csrf() {
    try { return JSON.parse(document.body.getAttribute('hx-headers') || '{}')['X-CSRF-Token'] || ''; }
    catch (e) { return ''; }
  }
  function render() {
    var box = document.getElementById('outbox');
    if (!box) return;
    var q = load(), waiting = q.filter(function (x) { return !x.error; });
    box.hidden = q.length === 0;
    box.textContent = '';
    if (waiting.length) {
      var p = document.createElement('p');
      p.id = 'outbox-waiting';
      p.textContent = '离线记录 ' + waiting.length + ' 条待上传' + (navigator.onLine ? ',正在上传…' : ',联网后自动上传');
      box.appendChild(p);
    }
    q.filter(function (x) { return x.error; }).forEach(function (x) {
      var p = document.createElement('p');
      p.className = 'error';
      p.textContent = '未能上传:' + x.label + ' — ' + x.error + ' ';
      var b = document.createElement('button');
      b.type = 'button'; b.className = 'secondary'; b.textContent = '删除';
      b.addEventListener('click', function () { save(load().filter(function (y) { return y.key !== x.key; })); render(); });
      p.appendChild(b);
      box.appendChild(p);
    });
  }
  var sending = false;
  async function flush() {
    if (sending || !navigator.onLine) { render(); return; }
    sending = true;
    try {
      for (var item of load()) {
        if (item.error) continue;
        var fields = new URLSearchParams(item.fields);
        fields.set('_csrf', csrf());
        var r;
        try {
          r = await fetch(item.action, { method: 'POST', body: fields, credentials: 'same-origin',
            headers: { 'X-CSRF-Token': csrf() } });
        } catch (e) { break; }
        if (r.ok) {
          save(load().filter(function (y) { return y.key !== item.key; }));
        } else if (r.status >= 400 && r.status < 500 && r.status !== 401 && r.status !== 403) {
          var text = await r.text();
          var doc = new DOMParser().parseFromString(text, 'text/html');
          var msg = doc.querySelector('[role=alert], .error, main p');
          var q = load();
          q.forEach(function (y) { if (y.key === item.key) y.error = (msg ? msg.textContent : ('HTTP ' + r.status)).trim(); });
          save(q);
        } else { break; }
      }
    } finally { sending = false; render(); }
  }
  // In the capture phase: a form sent through htmx (a hazard with its photo) is kept before htmx sends it.
  document.addEventListener('submit', function (e) {
    var f = e.target;
    if (f.matches && f.matches('form[action="/logout"]')) {
      if (navigator.serviceWorker && navigator.serviceWorker.controller) navigator.serviceWorker.controller.postMessage('logout');
      return;
    }
    if (!f.matches || !f.matches('form[data-offline]')) return;
    var key = f.querySelector('input[name=client_key]');
    if (!key) { key = document.createElement('input'); key.type = 'hidden'; key.name = 'client_key'; f.appendChild(key); }
    if (!key.value) key.value = newKey();
    if (navigator.onLine) return;
    e.preventDefault();
    e.stopPropagation();
    var fields = Array.from(new FormData(f).entries()).filter(function (kv) { return typeof kv[1] === 'string'; });
    var label = f.dataset.offline + ' ' + fields.filter(function (kv) { return ['household', 'visited_on', 'title', 'found_on', 'started_at'].indexOf(kv[0]) >= 0; })
      .map(function (kv) { return kv[1]; }).join(' ');
    var q = load();
    q.push({ key: key.value, action: f.getAttribute('action'), fields: fields, label: label.trim(), at: new Date().toISOString() });
    save(q);
    f.reset();
    key.value = '';
    render();
  }, true);
  window.addEventListener('online', flush);
  window.addEventListener('offline', render);
  document.addEventListener('DOMContentLoaded', function () { render(); flush(); });
  if ('serviceWorker' in navigator) navigator.serviceWorker.register('/sw.js').catch(function () {});
})();
