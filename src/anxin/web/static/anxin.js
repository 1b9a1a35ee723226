// Anxin web app: small progressive enhancements. Every page works without this file.
// - "Read aloud" (speechSynthesis), only when the visitor presses the button.
// - The assistant box: in-page replies, and voice input where the browser has it.
// - Forms marked data-once disable their buttons after the first submit.
"use strict";

(function () {
  function readAloud() {
    if (!("speechSynthesis" in window)) return;
    var lang = document.documentElement.lang || "zh-CN";
    document.querySelectorAll("button.read-aloud").forEach(function (button) {
      var idle = button.textContent;
      button.hidden = false;
      button.addEventListener("click", function () {
        if (window.speechSynthesis.speaking) {
          window.speechSynthesis.cancel();
          return;
        }
        var target = document.querySelector(button.getAttribute("data-read") || "main");
        if (!target) return;
        var copy = target.cloneNode(true);
        copy.querySelectorAll("[hidden], .read-aloud-bar, script, input[type=hidden]").forEach(function (n) {
          n.remove();
        });
        var utterance = new SpeechSynthesisUtterance(copy.textContent.replace(/\s+/g, " ").trim());
        utterance.lang = lang;
        utterance.rate = document.body.classList.contains("elder") ? 0.85 : 1;
        utterance.onend = utterance.onerror = function () {
          button.textContent = idle;
        };
        button.textContent = button.getAttribute("data-stop") || idle;
        window.speechSynthesis.speak(utterance);
      });
    });
  }

  function once() {
    document.querySelectorAll("form[data-once]").forEach(function (form) {
      form.addEventListener("submit", function () {
        window.setTimeout(function () {
          form.querySelectorAll("button[type=submit]").forEach(function (b) { b.disabled = true; });
        }, 0);
      });
    });
  }

  function assistant() {
    var box = document.getElementById("assistant");
    if (!box || !window.fetch) return;
    var form = box.querySelector("form.assistant-form");
    var chat = box.querySelector(".chat");
    var input = form.querySelector("input[name=text]");
    var session = form.querySelector("input[name=session_id]");
    var csrf = form.querySelector("input[name=csrf]").value;

    function turn(who, whoLabel, text, choices) {
      var li = document.createElement("li");
      li.className = "turn " + who;
      var w = document.createElement("span");
      w.className = "who";
      w.textContent = whoLabel;
      var s = document.createElement("span");
      s.className = "said";
      s.textContent = text;
      li.appendChild(w);
      li.appendChild(s);
      if (choices && choices.length) {
        var row = document.createElement("div");
        row.className = "choices";
        choices.forEach(function (choice) {
          var b = document.createElement("button");
          b.type = "button";
          b.textContent = choice.label;
          b.addEventListener("click", function () { send(choice.value); });
          row.appendChild(b);
        });
        li.appendChild(row);
      }
      chat.appendChild(li);
    }

    function send(text) {
      if (!text) return;
      var body = new URLSearchParams();
      body.set("csrf", csrf);
      body.set("session_id", session.value);
      body.set("text", text);
      fetch("/assistant", {
        method: "POST",
        credentials: "same-origin",
        headers: { "Accept": "application/json" },
        body: body
      }).then(function (r) { return r.json(); }).then(function (data) {
        session.value = data.session_id || "";
        input.value = "";
        (data.turns || []).forEach(function (t) { turn(t.who, t.who_label, t.text, t.choices); });
        if (data.redirect) window.location.assign(data.redirect);
      }).catch(function () {
        form.submit();
      });
    }

    form.addEventListener("submit", function (event) {
      event.preventDefault();
      send(input.value.trim());
    });
    box.querySelectorAll("form.choices").forEach(function (f) {
      f.addEventListener("submit", function (event) {
        event.preventDefault();
        if (event.submitter) send(event.submitter.value);
      });
    });

    var Recognition = window.SpeechRecognition || window.webkitSpeechRecognition;
    var mic = form.querySelector("button.mic");
    var note = form.querySelector(".voice-note");
    if (!Recognition || !mic) return;
    mic.hidden = false;
    if (note) note.hidden = true;
    var idle = mic.textContent;
    mic.setAttribute("aria-pressed", "false");
    mic.addEventListener("click", function () {
      var recognition = new Recognition();
      recognition.lang = form.getAttribute("data-lang") || "zh-CN";
      recognition.interimResults = false;
      recognition.maxAlternatives = 1;
      recognition.onresult = function (event) {
        input.value = event.results[0][0].transcript;
        send(input.value.trim());
      };
      recognition.onend = function () {
        mic.textContent = idle;
        mic.setAttribute("aria-pressed", "false");
      };
      mic.textContent = mic.getAttribute("data-listening") || idle;
      mic.setAttribute("aria-pressed", "true");
      recognition.start();
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    readAloud();
    once();
    assistant();
  });
})();
