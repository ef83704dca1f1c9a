// markdownx binds its editors once, on page load. Rows added with "Add another" are clones of the
// empty form, which carry the "already bound" marker but no editor. Clear the marker on the new
// row and load the markdownx bundle again: it binds every editor without the marker.
// A static file, not an inline script, so the Content-Security-Policy needs no exception.
"use strict";
document.addEventListener("formset:added", function (event) {
  var bundle = document.querySelector('script[src*="markdownx/js/markdownx"]');
  var editors = event.target.querySelectorAll(".markdownx-editor[data-markdownx-init]");
  if (!bundle || editors.length === 0) {
    return;
  }
  editors.forEach(function (editor) {
    editor.removeAttribute("data-markdownx-init");
  });
  var again = document.createElement("script");
  again.src = bundle.src;
  document.head.appendChild(again);
});
