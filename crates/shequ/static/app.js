// Page behaviours without inline script (the Content-Security-Policy allows only our own files):
// [data-print] prints the page; [data-fill-title]/[data-fill-questions] buttons prefill the new-survey form;
// survey forms hide (and forget the answer of) a question shown only for an earlier answer (skip logic).
document.addEventListener('click', function (e) {
  if (e.target.closest('[data-print]')) { e.preventDefault(); window.print(); return; }
  var fill = e.target.closest('[data-fill-questions]');
  if (fill) {
    var t = document.getElementById('survey-title'), q = document.getElementById('survey-questions');
    if (t) t.value = fill.dataset.fillTitle || '';
    if (q) q.value = fill.dataset.fillQuestions || '';
  }
});
function shequSkipLogic(form) {
  form.querySelectorAll('fieldset[data-show-if]').forEach(function (f) {
    var chosen = form.querySelector('input[name="q' + f.dataset.showIf + '"]:checked');
    var show = !!chosen && chosen.value === f.dataset.showOption;
    f.hidden = !show;
    if (!show) f.querySelectorAll('input,textarea').forEach(function (i) {
      if (i.type === 'radio' || i.type === 'checkbox') i.checked = false; else i.value = '';
    });
  });
}
document.addEventListener('change', function (e) {
  var form = e.target.closest && e.target.closest('form');
  if (form && form.querySelector('fieldset[data-show-if]')) shequSkipLogic(form);
});
document.addEventListener('DOMContentLoaded', function () {
  document.querySelectorAll('form').forEach(function (f) {
    if (f.querySelector('fieldset[data-show-if]')) shequSkipLogic(f);
  });
});

// [data-locate="#lat,#lng,#label"]: the phone's location into two hidden fields (a hazard at discovery).
document.addEventListener('click', function (e) {
  var b = e.target.closest('[data-locate]');
  if (!b) return;
  var ids = b.getAttribute('data-locate').split(',');
  var lat = document.querySelector(ids[0]), lng = document.querySelector(ids[1]), label = document.querySelector(ids[2]);
  if (!navigator.geolocation) { if (label) label.textContent = '此设备无法定位'; return; }
  if (label) label.textContent = '正在定位…';
  navigator.geolocation.getCurrentPosition(function (pos) {
    lat.value = pos.coords.latitude.toFixed(6);
    lng.value = pos.coords.longitude.toFixed(6);
    if (label) label.textContent = lat.value + ', ' + lng.value;
  }, function () { if (label) label.textContent = '未能定位(请允许使用位置)'; }, { enableHighAccuracy: true, timeout: 15000 });
});
