/* Keel reorder: plain HTML5 drag and drop for ordered lists inside a form.
 *
 *   <form method="post" action="..." data-reorder>
 *     <ol><li draggable="true"><input type="hidden" name="keys" value="a"> ...</li> ...</ol>
 *   </form>
 *
 * Dragging an item over another moves it before or after that item; dropping it submits
 * the form, whose hidden inputs now carry the new order. Without JavaScript (or with the
 * keyboard) the form's own move buttons do the same.
 */
(function () {
  "use strict";

  function order(list) {
    return Array.prototype.map.call(list.querySelectorAll("li[data-key]"), function (item) { return item.dataset.key; }).join(",");
  }

  function setUp(form) {
    var list = form.querySelector("ol, ul");
    if (!list || form.dataset.reorderReady === "1") { return; }
    form.dataset.reorderReady = "1";
    var dragged = null;
    var before = "";

    list.addEventListener("dragstart", function (event) {
      var item = event.target.closest ? event.target.closest("li[draggable=true]") : null;
      if (!item) { return; }
      dragged = item;
      before = order(list);
      item.classList.add("dragging");
      event.dataTransfer.effectAllowed = "move";
      event.dataTransfer.setData("text/plain", item.dataset.key);
    });
    list.addEventListener("dragover", function (event) {
      if (!dragged) { return; }
      event.preventDefault();
      var over = event.target.closest ? event.target.closest("li[data-key]") : null;
      if (!over || over === dragged) { return; }
      var box = over.getBoundingClientRect();
      var after = event.clientY > box.top + box.height / 2;
      list.insertBefore(dragged, after ? over.nextSibling : over);
    });
    list.addEventListener("drop", function (event) { event.preventDefault(); });
    list.addEventListener("dragend", function () {
      if (!dragged) { return; }
      dragged.classList.remove("dragging");
      dragged = null;
      if (order(list) !== before) {
        form.classList.add("saving");
        if (form.requestSubmit) { form.requestSubmit(); } else { form.submit(); }
      }
    });
  }

  function setUpAll(root) {
    (root || document).querySelectorAll("form[data-reorder]").forEach(setUp);
  }

  document.addEventListener("DOMContentLoaded", function () { setUpAll(document); });
  document.addEventListener("htmx:afterSettle", function (event) { setUpAll(event.target); });
}());
