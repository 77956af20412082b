/* Intake at the desk (templates/dossiers/intake.html). Without this file the form works as it is:
   the procedure is typed as a code or a name and the server finds it. With it: suggestions that
   ignore diacritics (arrow keys, Enter or Tab to choose), then the procedure's components as a
   checklist and the due moment computed by the server for the receipt moment. No framework. */
(function () {
  "use strict";

  var form = document.getElementById("intake-form");
  var input = document.getElementById("id_procedure");
  var datalist = document.getElementById("procedure-options");
  if (!form || !input || !datalist || !window.fetch) return;
  var received = document.getElementById("id_received_at");
  var handling = document.getElementById("id_handling_unit");
  var info = document.getElementById("procedure-info");
  var errorBox = document.getElementById("preview-error");
  var componentList = document.getElementById("component-list");
  var previewUrl = form.getAttribute("data-preview-url");

  // The same comparison as motcua.text.search_key: no diacritics, lower case, single spaces.
  function key(text) {
    return (text || "").normalize("NFD").replace(/[\u0300-\u036f]/g, "").replace(/[đĐ]/g, "d")
      .toLowerCase().replace(/\s+/g, " ").trim();
  }

  function codeOf(text) {
    return (text || "").trim().split(/\s/)[0];
  }

  var procedures = Array.prototype.map.call(datalist.options, function (option) {
    var name = option.getAttribute("label") || option.textContent;
    return { code: option.value, name: name, key: key(option.value + " " + name) };
  });
  var byCode = {};
  procedures.forEach(function (p) { byCode[p.code] = p; });

  // -- suggestions: our own list box, since the browser's list compares diacritics exactly --------
  input.removeAttribute("list");
  input.setAttribute("role", "combobox");
  input.setAttribute("aria-autocomplete", "list");
  input.setAttribute("aria-expanded", "false");
  var box = document.createElement("ul");
  box.id = "procedure-suggestions";
  box.setAttribute("role", "listbox");
  box.setAttribute("data-testid", "procedure-suggestions");
  box.hidden = true;
  box.className = "suggestions";  // its look is in app.css: no inline style
  input.setAttribute("aria-controls", box.id);
  input.parentNode.classList.add("has-suggestions");
  input.parentNode.insertBefore(box, input.nextSibling);

  var matches = [];
  var active = -1;

  function render() {
    box.textContent = "";
    matches.forEach(function (p, i) {
      var item = document.createElement("li");
      item.id = "procedure-suggestion-" + i;
      item.setAttribute("role", "option");
      item.setAttribute("aria-selected", i === active ? "true" : "false");
      var code = document.createElement("strong");
      code.className = "mono";
      code.textContent = p.code;
      item.appendChild(code);
      item.appendChild(document.createTextNode(" " + p.name));
      item.addEventListener("mousedown", function (event) {
        event.preventDefault();
        pick(p);
      });
      box.appendChild(item);
    });
    if (active >= 0) {
      input.setAttribute("aria-activedescendant", "procedure-suggestion-" + active);
      box.children[active].scrollIntoView({ block: "nearest" });
    } else {
      input.removeAttribute("aria-activedescendant");
    }
    box.style.top = (input.offsetTop + input.offsetHeight + 2) + "px";
    box.hidden = matches.length === 0;
    input.setAttribute("aria-expanded", matches.length ? "true" : "false");
  }

  function close() {
    matches = [];
    active = -1;
    render();
  }

  function suggest() {
    var words = key(input.value).split(" ").filter(Boolean);
    active = -1;
    if (!words.length || byCode[codeOf(input.value)]) {
      close();
      return;
    }
    matches = procedures.filter(function (p) {
      return words.every(function (word) { return p.key.indexOf(word) !== -1; });
    }).slice(0, 8);
    render();
  }

  function pick(p) {
    input.value = p.code + " – " + p.name;
    close();
    window.clearTimeout(timer);
    refresh();
  }

  input.addEventListener("input", function () {
    suggest();
    refreshSoon();
  });
  input.addEventListener("keydown", function (event) {
    if (box.hidden) return;
    var only = matches.length === 1 ? matches[0] : null;
    if (event.key === "ArrowDown") {
      active = Math.min(active + 1, matches.length - 1);
      render();
      event.preventDefault();
    } else if (event.key === "ArrowUp") {
      active = Math.max(active - 1, 0);
      render();
      event.preventDefault();
    } else if (event.key === "Enter") {
      var chosen = active >= 0 ? matches[active] : only;
      if (chosen) {
        event.preventDefault();
        pick(chosen);
      }
    } else if (event.key === "Tab") {
      if (active >= 0 || only) pick(active >= 0 ? matches[active] : only);
    } else if (event.key === "Escape") {
      event.preventDefault();
      close();
    }
  });
  input.addEventListener("blur", function () { window.setTimeout(close, 150); });

  // -- the procedure's components and the due moment, from dossiers:due-preview --------------------
  var timer = null;
  var lastQuery = "";
  var emptyOption = handling ? handling.querySelector('option[value=""]') : null;
  var emptyLabel = emptyOption ? emptyOption.textContent : "";

  function refreshSoon() {
    window.clearTimeout(timer);
    timer = window.setTimeout(refresh, 250);
  }

  function setField(name, value) {
    var element = info.querySelector('[data-field="' + name + '"]');
    if (element) element.textContent = value || "";
  }

  function showComponents(components) {
    // The same components already listed: keep them (and the focus and ticks the officer put there).
    var shown = Array.prototype.map.call(componentList.querySelectorAll("input[name=components]"), function (box) {
      return box.value;
    }).join(",");
    if (components.length && shown === components.map(function (c) { return String(c.id); }).join(",")) return;
    var checked = {};
    Array.prototype.forEach.call(componentList.querySelectorAll("input:checked"), function (box) {
      checked[box.value] = true;
    });
    componentList.textContent = "";
    components.forEach(function (component) {
      var item = document.createElement("li");
      var label = document.createElement("label");
      label.className = "component";
      var box = document.createElement("input");
      box.type = "checkbox";
      box.name = "components";
      box.value = String(component.id);
      box.checked = !!checked[box.value];
      var text = document.createElement("span");
      text.textContent = component.name + " ";
      var detail = document.createElement("small");
      detail.className = "muted";
      detail.textContent = "(" + component.detail + ")";
      text.appendChild(detail);
      label.appendChild(box);
      label.appendChild(text);
      item.appendChild(label);
      componentList.appendChild(item);
    });
    showReceivedAs(components);
    if (!components.length) {
      var none = document.createElement("li");
      none.className = "muted";
      none.textContent = componentList.getAttribute("data-empty") || "";
      componentList.appendChild(none);
    }
  }

  function showReceivedAs(components) {
    // What was received of each component (original, certified copy, copy) and how many, kept out of the
    // checklist's keyboard path: the rows of the template in the "Receipt" box.
    var list = document.getElementById("component-received-list");
    var template = document.getElementById("component-received-template");
    if (!list || !template || !template.content) return;
    list.textContent = "";
    components.forEach(function (component) {
      var row = template.content.firstElementChild.cloneNode(true);
      row.querySelector(".component-name").textContent = component.name;
      Array.prototype.forEach.call(row.querySelectorAll("[data-name]"), function (field) {
        field.name = field.getAttribute("data-name") + "-" + String(component.id);
      });
      list.appendChild(row);
    });
  }

  function showHandlingUnits(units, fallback) {
    if (!handling || !units) return;
    var allowed = {};
    units.forEach(function (unit) { allowed[String(unit.id)] = true; });
    Array.prototype.forEach.call(handling.options, function (option) {
      if (!option.value) {
        option.textContent = emptyLabel + (fallback ? ": " + fallback.name : "");
        return;
      }
      option.disabled = !allowed[option.value];
      if (option.disabled && option.selected) handling.value = "";
    });
  }

  function show(data) {
    errorBox.hidden = true;
    ["processing_days", "fee_display", "start_display", "due_display"].forEach(function (name) {
      setField(name, data[name]);
    });
    showComponents(data.components || []);
    showHandlingUnits(data.handling_units, data.default_handling_unit);
    info.hidden = false;
  }

  function refresh() {
    var p = byCode[codeOf(input.value)];
    if (!p) {
      lastQuery = "";
      info.hidden = true;
      return;
    }
    var params = new URLSearchParams({ procedure: p.code });
    if (received && received.value.trim()) params.set("received_at", received.value.trim());
    var query = params.toString();
    lastQuery = query;
    fetch(previewUrl + "?" + query, { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (response) {
        return response.json().then(function (data) { return { ok: response.ok, data: data }; });
      })
      .then(function (result) {
        if (query !== lastQuery) return;  // an answer to an older question
        if (result.ok) {
          show(result.data);
        } else {
          errorBox.textContent = result.data.error || "";
          errorBox.hidden = false;
        }
      })
      .catch(function () { /* the form still works: the server computes the due moment on saving */ });
  }

  if (received) {
    received.addEventListener("change", refresh);
    received.addEventListener("input", refreshSoon);
  }
  if (byCode[codeOf(input.value)]) refresh();
})();
