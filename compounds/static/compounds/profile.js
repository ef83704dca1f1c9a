/* Profile page enhancements. The page is complete without them: the contents list, the glossary tooltips
   (CSS :hover / :focus) and every link work as plain HTML. Loaded with `defer`, so the document is parsed. */
(function () {
  "use strict";

  var profile = document.querySelector("article.profile");
  if (!profile) return;

  /* ---- Contents: highlight the section in view ------------------------------------------------ */
  var toc = profile.querySelector("nav.toc");
  if (toc && "IntersectionObserver" in window) {
    var entries = [];
    toc.querySelectorAll('a[href^="#"]').forEach(function (link) {
      var target = document.getElementById(decodeURIComponent(link.hash.slice(1)));
      if (target) entries.push({ link: link, target: target });
    });
    var inBand = new Set();
    var inView = new Set();
    var nearEnd = false;
    var current = null;

    var setCurrent = function (entry) {
      if (entry === current) return;
      if (current) {
        current.link.removeAttribute("aria-current");
      }
      current = entry;
      if (!entry) return;
      entry.link.setAttribute("aria-current", "true");
      // When the contents scroll in their own box (the side column), keep the highlighted entry in sight
      // without moving the page.
      if (toc.scrollHeight > toc.clientHeight) {
        var top = entry.link.offsetTop - toc.offsetTop;
        if (top < toc.scrollTop || top > toc.scrollTop + toc.clientHeight - entry.link.offsetHeight) {
          toc.scrollTop = Math.max(0, top - toc.clientHeight / 3);
        }
      }
    };

    var update = function () {
      var pick = null;
      if (nearEnd) {
        // At the end of the page the last sections never reach the top of the window: take the last one shown.
        entries.forEach(function (entry) {
          if (inView.has(entry.target)) pick = entry;
        });
      }
      if (!pick) {
        // The first listed section in the top part of the window is the one being read.
        pick = entries.find(function (entry) { return inBand.has(entry.target); }) || null;
      }
      if (!pick) {
        // Between listed sections (a block the contents leave out): the last one that began above.
        // Above the first one, nothing is highlighted.
        entries.forEach(function (entry) {
          if (entry.target.getBoundingClientRect().top < 0) pick = entry;
        });
      }
      setCurrent(pick);
    };

    var band = new IntersectionObserver(function (records) {
      records.forEach(function (record) {
        if (record.isIntersecting) inBand.add(record.target); else inBand.delete(record.target);
      });
      update();
    }, { rootMargin: "0px 0px -60% 0px" });
    var view = new IntersectionObserver(function (records) {
      records.forEach(function (record) {
        if (record.isIntersecting) inView.add(record.target); else inView.delete(record.target);
      });
      update();
    });
    entries.forEach(function (entry) {
      band.observe(entry.target);
      view.observe(entry.target);
    });
    var footer = document.querySelector(".site-footer");
    if (footer) {
      new IntersectionObserver(function (records) {
        nearEnd = records[records.length - 1].isIntersecting;
        update();
      }).observe(footer);
    }
  }

  /* ---- Glossary tooltips: Escape dismisses, and they stay inside the window -------------------- */
  var terms = profile.querySelectorAll(".term");
  var place = function (term) {
    var tip = term.querySelector(".term__tip");
    if (!tip) return;
    tip.style.left = "";
    term.classList.remove("term--above");
    var box = tip.getBoundingClientRect();
    if (!box.width) return;
    var room = document.documentElement.clientWidth - 8;
    if (box.right > room) {
      tip.style.left = Math.min(0, room - box.right) + "px";
    }
    // Below the window's edge: show it above the word when there is room there.
    if (box.bottom > window.innerHeight && term.getBoundingClientRect().top > box.height + 8) {
      term.classList.add("term--above");
    }
  };
  terms.forEach(function (term) {
    term.addEventListener("mouseenter", function () {
      term.classList.remove("term--dismissed");
      window.requestAnimationFrame(function () { place(term); });
    });
    term.addEventListener("focusin", function () {
      term.classList.remove("term--dismissed");
      place(term);
    });
    term.addEventListener("focusout", function () { term.classList.remove("term--dismissed"); });
  });
  if (terms.length) {
    document.addEventListener("keydown", function (event) {
      if (event.key !== "Escape") return;
      terms.forEach(function (term) {
        if (term.matches(":hover") || term.contains(document.activeElement)) term.classList.add("term--dismissed");
      });
    });
  }

  /* ---- Print: the reasons behind each evidence grade are folded away on screen ----------------- */
  var opened = [];
  window.addEventListener("beforeprint", function () {
    opened = Array.prototype.filter.call(profile.querySelectorAll("details:not([open])"), function (details) {
      details.open = true;
      return true;
    });
  });
  window.addEventListener("afterprint", function () {
    opened.forEach(function (details) { details.open = false; });
    opened = [];
  });
})();
