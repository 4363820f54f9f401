// Vindplaats: a little progressive enhancement. The page works without this file.
// Document text is never turned into HTML here: only textContent and form values are set.
"use strict";

(function () {
  function status(el, text, kind) {
    if (!el) return;
    el.textContent = text;
    el.classList.remove("ok", "fout");
    if (kind) el.classList.add(kind);
  }

  // -- search: say that it is busy (the first question loads the model and can take a few seconds)
  var search = document.getElementById("zoekformulier");
  if (search) {
    search.addEventListener("submit", function () {
      var button = search.querySelector("button[type=submit]");
      // "alle" needs no place in the address: shorter links to share
      search.querySelectorAll("select").forEach(function (select) {
        if (!select.value) select.disabled = true;
      });
      status(document.getElementById("bezig"), "Bezig met zoeken…");
      search.setAttribute("aria-busy", "true");
      if (button) {
        // disable after the submit has been taken, so the form still sends
        window.setTimeout(function () { button.disabled = true; }, 0);
      }
    });
    // coming back with the Back button shows the page as it was left: not busy any more
    window.addEventListener("pageshow", function () {
      var button = search.querySelector("button[type=submit]");
      if (button) button.disabled = false;
      search.querySelectorAll("select").forEach(function (select) { select.disabled = false; });
      search.removeAttribute("aria-busy");
      status(document.getElementById("bezig"), "");
    });
    // on a phone the answer matters more than the filters: fold them away once a question is asked
    var box = document.getElementById("filters");
    var asked = document.getElementById("resultaten");
    if (box && asked && !box.hasAttribute("data-chosen") && window.matchMedia("(max-width: 40rem)").matches) {
      box.open = false;
    }
  }

  // -- a wide table on a narrow screen: scroll the found cell into view
  document.querySelectorAll(".scroll").forEach(function (box) {
    var cell = box.querySelector("td.hit");
    if (!cell) return;
    var r = cell.getBoundingClientRect();
    var b = box.getBoundingClientRect();
    if (r.right > b.right) box.scrollLeft += r.right - b.right + 8;
  });

  // -- copy a citation: clipboard when allowed, and always into the visible read-only field
  function selectField(field) {
    var box = field.closest("details");
    if (box) box.open = true;
    field.focus();
    field.select();
  }

  function legacyCopy(field) {
    selectField(field);
    try {
      return document.execCommand("copy");
    } catch (e) {
      return false;
    }
  }

  document.querySelectorAll("button.copy[data-copy]").forEach(function (button) {
    var field = document.getElementById(button.getAttribute("data-copy"));
    if (!field) return;
    var out = button.closest(".passage") ? button.closest(".passage").querySelector(".copy-status") : null;
    button.hidden = false;
    button.addEventListener("click", function () {
      var text = field.value;
      var done = function () {
        selectField(field);
        status(out, "Bronvermelding gekopieerd. Plak hem met Ctrl+V.", "ok");
        button.setAttribute("data-copied", "true");
      };
      var failed = function () {
        if (legacyCopy(field)) {
          done();
        } else {
          selectField(field);
          status(out, "Kopiëren lukte niet automatisch: de bronvermelding staat geselecteerd hieronder, kopieer hem met Ctrl+C.", "fout");
        }
      };
      if (navigator.clipboard && window.isSecureContext) {
        navigator.clipboard.writeText(text).then(done, failed);
      } else {
        failed();
      }
    });
  });

  // -- upload: POST /documents (the API) and report in Dutch
  var upload = document.getElementById("upload");
  if (upload) {
    var out = document.getElementById("upload-status");
    upload.addEventListener("submit", function (event) {
      event.preventDefault();
      var data = new FormData();
      Array.prototype.forEach.call(upload.elements, function (el) {
        if (!el.name) return;
        if (el.type === "file") {
          if (el.files.length) data.append(el.name, el.files[0]);
        } else if (el.value.trim()) {
          data.append(el.name, el.value.trim());
        }
      });
      if (!data.has("file")) {
        status(out, "Kies eerst een bestand.", "fout");
        return;
      }
      var button = upload.querySelector("button[type=submit]");
      button.disabled = true;
      upload.setAttribute("aria-busy", "true");
      status(out, "Bezig met inlezen… (een grote PDF kan een paar minuten duren)");
      fetch("/documents", { method: "POST", body: data, headers: { Accept: "application/json" } })
        .then(function (response) {
          return response.json().catch(function () { return {}; }).then(function (body) {
            return { ok: response.ok, status: response.status, body: body };
          });
        })
        .then(function (r) {
          if (r.ok && r.body.document_id) {
            var what = r.body.status === "unchanged" ? "Dit document was al ingelezen." : "Ingelezen.";
            status(out, what, "ok");
            window.location.assign("/documenten?toegevoegd=" + encodeURIComponent(r.body.document_id) + "#doc-" + encodeURIComponent(r.body.document_id));
            return;
          }
          var message = (r.body && r.body.message) || ("fout " + r.status);
          status(out, "Niet ingelezen: " + message, "fout");
          button.disabled = false;
          upload.removeAttribute("aria-busy");
        })
        .catch(function () {
          status(out, "De service is niet bereikbaar. Probeer het opnieuw.", "fout");
          button.disabled = false;
          upload.removeAttribute("aria-busy");
        });
    });
  }
})();
