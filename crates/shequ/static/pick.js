// Type-ahead choices (templates/lookup.html): a click on a choice fills the form of its .picker. A single
// picker puts the label in the text input and the value in the hidden one; a .multi picker adds a chip per
// choice and keeps the values comma-separated. Typing again in a single picker forgets the last choice.
document.addEventListener('click', function (e) {
  var chip = e.target.closest('button.chip');
  if (chip) {
    var pk = chip.closest('.picker'), hidden = pk.querySelector('[data-pick-value]');
    hidden.value = hidden.value.split(',').filter(function (v) { return v && v !== chip.dataset.value; }).join(',');
    chip.remove();
    return;
  }
  var b = e.target.closest('button.pick');
  if (!b) return;
  var p = b.closest('.picker');
  if (!p) return;
  var text = p.querySelector('[data-pick-text]'), val = p.querySelector('[data-pick-value]');
  if (p.classList.contains('multi')) {
    var ids = val.value ? val.value.split(',') : [];
    if (ids.indexOf(b.dataset.value) < 0) {
      ids.push(b.dataset.value);
      var c = document.createElement('button');
      c.type = 'button'; c.className = 'chip'; c.dataset.value = b.dataset.value; c.textContent = b.dataset.label + ' ×';
      p.querySelector('.chips').appendChild(c);
    }
    val.value = ids.join(',');
    text.value = '';
  } else {
    text.value = b.dataset.label;
    if (val) val.value = b.dataset.value;
  }
  p.querySelector('.picks').innerHTML = '';
});
document.addEventListener('input', function (e) {
  var t = e.target;
  if (!t.matches || !t.matches('[data-pick-text]')) return;
  var p = t.closest('.picker');
  if (p && !p.classList.contains('multi')) {
    var v = p.querySelector('[data-pick-value]');
    if (v) v.value = '';
  }
});
