// The compound form's tabs and its preview panel.
//
// The form is one HTML form whose parts are sections; without this script they are all shown, one after
// another, and the tab list is a list of links to them. With it, one section shows at a time: the one with the
// first error after a failed save, else the one named in the address (#tab-dosing), else the first. Switching
// tabs only hides sections, so nothing typed is lost. A static file: the Content-Security-Policy allows no
// inline script.
"use strict";
(function () {
  // Per profile: the panel reopens after a save of this profile, not on every form opened afterwards.
  var STORAGE_KEY = "monograph.preview-open:" + window.location.pathname;

  function tabsOf(nav) {
    return Array.prototype.slice.call(nav.querySelectorAll("a[data-tab]"));
  }

  // Only now do the links behave as tabs, so only now are they announced as tabs.
  function giveRoles(nav) {
    var list = nav.querySelector("ul");
    list.setAttribute("role", "tablist");
    Array.prototype.forEach.call(list.children, function (item) {
      item.setAttribute("role", "presentation");
    });
    tabsOf(nav).forEach(function (link) {
      link.setAttribute("role", "tab");
    });
    document.querySelectorAll(".tab-panel").forEach(function (panel) {
      panel.setAttribute("role", "tabpanel");
    });
  }

  function showTab(nav, key, focus) {
    var found = false;
    tabsOf(nav).forEach(function (link) {
      var selected = link.dataset.tab === key;
      found = found || selected;
      link.setAttribute("aria-selected", selected ? "true" : "false");
      link.tabIndex = selected ? 0 : -1;
      if (selected && focus) {
        link.focus();
      }
    });
    if (!found) {
      return false;
    }
    document.querySelectorAll(".tab-panel").forEach(function (panel) {
      panel.hidden = panel.dataset.tab !== key;
    });
    // markdownx sizes an editor to its text when the editor's preview arrives; an editor on a hidden tab
    // measures 0 then. Size the editors of the tab now shown as markdownx would.
    document.querySelectorAll("#tab-" + key + " textarea.markdownx-editor").forEach(function (editor) {
      if (editor.offsetHeight < 40) {
        editor.style.height = "auto";
        editor.style.height = Math.max(editor.scrollHeight, 80) + "px";
      }
    });
    return true;
  }

  function keyFromHash() {
    var match = /^#tab-([\w-]+)$/.exec(window.location.hash);
    return match ? match[1] : null;
  }

  function setUpTabs() {
    var nav = document.querySelector(".form-tabs");
    if (!nav) {
      return;
    }
    giveRoles(nav);
    document.body.classList.add("tabs-ready");
    var errorTab = nav.dataset.openTab;
    var hasErrors = !!nav.querySelector("a.has-errors");
    var initial = hasErrors ? errorTab : keyFromHash() || errorTab;
    showTab(nav, initial, false);
    if (!hasErrors && keyFromHash()) {
      // The browser jumped to the section: show the tabs above it instead.
      nav.scrollIntoView({ block: "start" });
    }
    if (hasErrors) {
      // Take the editor to the first field with an error in that tab.
      var firstError = document.querySelector("#tab-" + errorTab + " .errorlist");
      if (firstError) {
        firstError.scrollIntoView({ block: "center" });
      }
    }

    function choose(key, focus) {
      if (showTab(nav, key, focus) && window.history.replaceState) {
        window.history.replaceState(null, "", "#tab-" + key);
      }
    }

    document.addEventListener("click", function (event) {
      var link = event.target.closest("a[data-tab]");
      if (!link) {
        return;
      }
      event.preventDefault();
      choose(link.dataset.tab, link.getAttribute("role") === "tab");
      if (link.getAttribute("role") !== "tab") {
        nav.scrollIntoView({ block: "start" });
      }
    });
    nav.addEventListener("keydown", function (event) {
      var tabs = tabsOf(nav);
      var index = tabs.indexOf(document.activeElement);
      if (index < 0) {
        return;
      }
      var next = { ArrowRight: index + 1, ArrowLeft: index - 1, Home: 0, End: tabs.length - 1 }[event.key];
      if (next === undefined) {
        return;
      }
      event.preventDefault();
      choose(tabs[(next + tabs.length) % tabs.length].dataset.tab, true);
    });
    // A field the browser wants to show (say, after a click on a link to it) opens its tab.
    document.addEventListener(
      "invalid",
      function (event) {
        var panel = event.target.closest(".tab-panel");
        if (panel && panel.hidden) {
          choose(panel.dataset.tab, false);
        }
      },
      true
    );
    // A comment link to a row (#comment-…) opens the row's tab.
    var target = window.location.hash && document.getElementById(window.location.hash.slice(1));
    var targetPanel = target && target.closest && target.closest(".tab-panel");
    if (targetPanel && !hasErrors) {
      showTab(nav, targetPanel.dataset.tab, false);
      target.scrollIntoView({ block: "center" });
    }
  }

  function setUpEmptyTables() {
    // An empty table shows only its "add" button; its first row brings the column headings back.
    document.addEventListener("formset:added", function (event) {
      var fieldset = event.target.closest("fieldset.empty");
      if (fieldset) {
        fieldset.classList.remove("empty");
      }
    });
  }

  function setUpPreview() {
    var toggle = document.getElementById("preview-toggle");
    var panel = document.getElementById("preview-panel");
    if (!toggle || !panel) {
      return;
    }
    var frame = document.getElementById("preview-frame");

    function load() {
      // A fresh address each time, so the browser asks the server for the draft as it is now.
      var url = new URL(frame.dataset.src, window.location.href);
      url.searchParams.set("t", Date.now());
      frame.src = url.toString();
    }

    function setOpen(open) {
      panel.hidden = !open;
      document.body.classList.toggle("with-preview", open);
      toggle.setAttribute("aria-expanded", open ? "true" : "false");
      try {
        window.sessionStorage.setItem(STORAGE_KEY, open ? "1" : "");
      } catch (error) {
        // Private windows may refuse storage: the panel then just does not reopen after a save.
      }
      if (open) {
        load();
      }
    }

    toggle.addEventListener("click", function (event) {
      event.preventDefault();
      setOpen(panel.hidden);
    });
    document.getElementById("preview-refresh").addEventListener("click", load);
    document.getElementById("preview-close").addEventListener("click", function () {
      setOpen(false);
      toggle.focus();
    });
    var wasOpen = false;
    try {
      wasOpen = window.sessionStorage.getItem(STORAGE_KEY) === "1";
    } catch (error) {
      wasOpen = false;
    }
    if (wasOpen) {
      // Reopened after a save: the panel shows the draft just saved.
      setOpen(true);
    }
  }

  document.addEventListener("DOMContentLoaded", function () {
    setUpTabs();
    setUpEmptyTables();
    setUpPreview();
  });
})();
