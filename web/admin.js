// Dashboard behaviour that HTML cannot do alone. Pages work without it.
'use strict';
document.addEventListener('submit', function (event) {
  var form = event.target;
  var question = form && form.getAttribute && form.getAttribute('data-confirm');
  if (question && !window.confirm(question)) { event.preventDefault(); return; }
  // A double click must not post twice (retry, drill).
  var buttons = form.querySelectorAll('button[type=submit]');
  setTimeout(function () { buttons.forEach(function (b) { b.disabled = true; }); }, 0);
});
document.addEventListener('click', function (event) {
  var link = event.target && event.target.closest ? event.target.closest('a[data-confirm]') : null;
  if (link && !window.confirm(link.getAttribute('data-confirm'))) event.preventDefault();
});
// Times: show the reader's local time in the tooltip as well as UTC.
document.querySelectorAll('time[datetime]').forEach(function (t) {
  var d = new Date(t.getAttribute('datetime'));
  if (!isNaN(d)) t.title = (t.title ? t.title + ' · ' : '') + d.toLocaleString();
});
