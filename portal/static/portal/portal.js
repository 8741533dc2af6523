// Small progressive enhancements; every page works without this file.
(function () {
  "use strict";

  function closeUrl(pane) {
    return pane.getAttribute("data-close-url");
  }

  // A right-hand pane: focus moves into it when it opens, Escape (or the backdrop) closes it
  // and focus returns to the button that opens it.
  var pane = document.querySelector("[data-pane]");
  if (pane) {
    var title = pane.querySelector("#pane-title");
    var result = pane.querySelector("[data-token-value]");
    var firstField = pane.querySelector(".token-form select, .token-form input:not([type=hidden])");
    var summary = pane.querySelector("[data-error-summary]");
    (result ? pane.querySelector("[data-copy-target]") : summary || firstField || title).focus();
    var backdrop = document.querySelector(".pane-backdrop");
    if (backdrop) {
      backdrop.addEventListener("click", function () { window.location = closeUrl(pane); });
    }
  } else if (window.location.search === "" && sessionStorage.getItem("paneOpener")) {
    var opener = document.querySelector("[data-opens-pane]");
    if (opener) opener.focus();
    sessionStorage.removeItem("paneOpener");
  }
  document.querySelectorAll("[data-opens-pane]").forEach(function (button) {
    button.addEventListener("click", function () { sessionStorage.setItem("paneOpener", "1"); });
  });

  // Keep Tab inside an open pane (the page behind it is inert anyway).
  if (pane) {
    pane.addEventListener("keydown", function (event) {
      if (event.key !== "Tab") return;
      var focusable = Array.prototype.filter.call(
        pane.querySelectorAll("a[href], button:not([disabled]), input:not([type=hidden]), select, textarea, [tabindex='0']"),
        function (el) { return el.offsetParent !== null; }
      );
      if (!focusable.length) return;
      var first = focusable[0], last = focusable[focusable.length - 1];
      if (event.shiftKey && document.activeElement === first) { last.focus(); event.preventDefault(); }
      else if (!event.shiftKey && document.activeElement === last) { first.focus(); event.preventDefault(); }
      else if (!pane.contains(document.activeElement)) { first.focus(); event.preventDefault(); }
    });
  }

  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape") return;
    var open = document.querySelectorAll("details[open]");
    if (open.length) {
      open.forEach(function (details) {
        details.removeAttribute("open");
        var summary = details.querySelector("summary");
        if (summary) summary.focus();
      });
      return;
    }
    if (pane) window.location = closeUrl(pane);
  });

  // The tenant selector's tree (templates/console/tenant_selector.html): expand buttons that
  // load a level's children a page at a time, and the arrow keys: Up/Down move between the
  // visible levels, Right opens a level (or goes to its first child), Left closes it (or
  // goes to its parent), Home/End; Enter follows the link. Each level's link is a treeitem
  // (role="tree"); one of them is in the Tab order at a time, the one last focused (at
  // first the current level), as the WAI-ARIA tree pattern has it.
  var selector = document.querySelector("[data-tenant-selector]");
  var tree = selector && selector.querySelector("[data-tree]");
  if (tree) {
    var childrenUrl = function (slug, offset) {
      return selector.getAttribute("data-children-url").replace("-slug-", encodeURIComponent(slug)) +
        "&offset=" + offset;
    };
    var items = function (root) { return root.querySelectorAll("[role=treeitem]"); };
    var wire = function (root) {
      root.querySelectorAll("[data-tree-toggle], [data-tree-more]").forEach(function (b) { b.hidden = false; });
      if (tree.getAttribute("role") === "tree") {
        items(root).forEach(function (a) { a.tabIndex = -1; });
      }
    };
    var tabTo = function (item) {
      items(tree).forEach(function (a) { a.tabIndex = a === item ? 0 : -1; });
    };
    var load = function (slug, offset, into, before) {
      return fetch(childrenUrl(slug, offset), { credentials: "same-origin" })
        .then(function (r) { if (!r.ok) throw new Error(r.status); return r.text(); })
        .then(function (html) {
          var holder = document.createElement("ul");
          holder.innerHTML = html;
          wire(holder);
          Array.prototype.slice.call(holder.children).forEach(function (li) { into.insertBefore(li, before); });
        });
    };
    var setOpen = function (node, open) {
      var toggle = node.querySelector(":scope > .tree-row [data-tree-toggle]");
      if (!toggle) return Promise.resolve();
      var group = node.querySelector(":scope > .tree-group");
      var item = node.querySelector(":scope > .tree-row [role=treeitem]");
      toggle.setAttribute("aria-expanded", open ? "true" : "false");
      if (item) item.setAttribute("aria-expanded", open ? "true" : "false");
      if (group) { group.hidden = !open; return Promise.resolve(); }
      if (!open) return Promise.resolve();
      group = document.createElement("ul");
      group.className = "tree-group";
      group.setAttribute("role", "group");
      node.appendChild(group);
      return load(node.getAttribute("data-slug"), 0, group, null);
    };
    var links = function () {
      return Array.prototype.filter.call(tree.querySelectorAll("a"), function (a) { return a.offsetParent !== null; });
    };
    wire(tree);
    if (tree.getAttribute("role") === "tree") {
      tabTo(tree.querySelector("[role=treeitem][aria-selected=true]") || items(tree)[0]);
      tree.addEventListener("focusin", function (event) {
        if (event.target.getAttribute("role") === "treeitem") tabTo(event.target);
      });
    }
    tree.addEventListener("click", function (event) {
      var toggle = event.target.closest("[data-tree-toggle]");
      if (toggle) {
        var node = toggle.closest(".tree-node");
        setOpen(node, toggle.getAttribute("aria-expanded") !== "true");
        return;
      }
      var more = event.target.closest("[data-tree-more]");
      if (more) {
        var item = more.closest("li");
        load(more.getAttribute("data-parent"), more.getAttribute("data-tree-more"), item.parentNode, item)
          .then(function () { item.remove(); });
      }
    });
    tree.addEventListener("keydown", function (event) {
      var link = event.target.closest("a");
      if (!link) return;
      var all = links(), at = all.indexOf(link);
      var node = link.closest(".tree-node");
      var toggle = node && node.querySelector(":scope > .tree-row [data-tree-toggle]");
      var open = toggle && toggle.getAttribute("aria-expanded") === "true";
      var target = null;
      if (event.key === "ArrowDown") target = all[at + 1];
      else if (event.key === "ArrowUp") target = all[at - 1];
      else if (event.key === "Home") target = all[0];
      else if (event.key === "End") target = all[all.length - 1];
      else if (event.key === "ArrowRight" && toggle) {
        if (open) target = node.querySelector(":scope > .tree-group a");
        else setOpen(node, true);
      } else if (event.key === "ArrowLeft") {
        if (open) setOpen(node, false);
        else {
          var parent = node && node.parentNode.closest(".tree-node");
          if (parent) target = parent.querySelector(":scope > .tree-row a");
        }
      } else return;
      event.preventDefault();
      if (target) target.focus();
    });
  }

  // Copy: each [data-copy-target] button copies its element's text (the token, or one
  // command with its arguments joined by single spaces) and says so in its own status.
  function copyText(source) {
    return source.textContent.replace(/\s+/g, " ").trim();
  }
  document.querySelectorAll("[data-copy-target]").forEach(function (button) {
    button.addEventListener("click", function () {
      var id = button.getAttribute("data-copy-target");
      var source = document.getElementById(id);
      var status = document.querySelector('[data-copy-status-for="' + id + '"]');
      var text = copyText(source);
      var messages = document.getElementById("i18n").dataset;
      function done(ok) {
        document.querySelectorAll("[data-copy-status-for]").forEach(function (other) {
          other.textContent = "";
        });
        if (status) status.textContent = ok ? messages.copied : messages.copyFailed;
      }
      if (navigator.clipboard && window.isSecureContext) {
        navigator.clipboard.writeText(text).then(function () { done(true); }, function () { done(false); });
      } else {
        var range = document.createRange();
        range.selectNodeContents(source);
        var selection = window.getSelection();
        selection.removeAllRanges();
        selection.addRange(range);
        done(document.execCommand("copy"));
      }
    });
  });

  // The error summary (templates/error_summary.html) takes focus when the page opens with
  // errors; each of its links focuses its field and scrolls the field's label into view.
  var errorSummary = document.querySelector("[data-error-summary]");
  if (errorSummary) {
    if (!pane) errorSummary.focus();
    errorSummary.querySelectorAll("a[href^='#']").forEach(function (link) {
      link.addEventListener("click", function (event) {
        var field = document.getElementById(link.getAttribute("href").slice(1));
        if (!field) return;
        event.preventDefault();
        var label = document.querySelector("label[for='" + field.id + "']");
        var legend = field.closest("fieldset") && field.closest("fieldset").querySelector("legend");
        (legend || label || field).scrollIntoView();
        field.focus({ preventScroll: true });
      });
    });
  }

  // "Number of machines" counts only for "Up to N machines": shown (and sent) only then.
  var limits = document.querySelectorAll("input[name=use_limit]");
  var machines = document.querySelector("[data-max-machines]");
  if (limits.length && machines) {
    var syncMachines = function () {
      var many = document.querySelector("input[name=use_limit][value=many]:checked") !== null;
      var input = machines.querySelector("input");
      if (many) { machines.hidden = false; input.disabled = false; }
      else if (!machines.querySelector(".field-error")) { machines.hidden = true; input.disabled = true; }
    };
    limits.forEach(function (radio) { radio.addEventListener("change", function () {
      var error = machines.querySelector(".field-error");
      if (error) error.remove();
      syncMachines();
    }); });
    syncMachines();
  }

  // A link shown as a button answers Space too, as a button does.
  document.querySelectorAll("a[data-space-clicks]").forEach(function (link) {
    link.addEventListener("keydown", function (event) {
      if (event.key === " ") { event.preventDefault(); link.click(); }
    });
  });

  // Show the custom lifetime fields only when "Custom" is chosen (the page renders them
  // hidden otherwise; the server reads them only for "Custom").
  var lifetime = document.querySelector("select[name=lifetime]");
  var custom = document.querySelector("[data-custom-lifetime]");
  if (lifetime && custom) {
    var sync = function () { custom.hidden = lifetime.value !== "custom"; };
    lifetime.addEventListener("change", sync);
    sync();
  }
})();

// Passkeys (django-otp-webauthn's script): once one is added, go on to the page the button
// names (the sign-in security page, or the recovery codes after a first enrolment).
document.addEventListener("otp_webauthn.register_complete", function () {
  var button = document.getElementById("passkey-register-button");
  if (button && button.getAttribute("data-after-register")) {
    window.location = button.getAttribute("data-after-register");
  }
});
