/* 台账助手 web page: plain JavaScript, talks only to this server (127.0.0.1). */
"use strict";

function $(id) { return document.getElementById(id); }

/* every address of this server starts with its secret root (the cookie is scoped to it) */
function root() { return document.body.getAttribute("data-root") || ""; }

function postForm(url, data) {
  return fetch(url, { method: "POST", body: data, headers: { "Accept": "application/json" }, credentials: "same-origin" })
    .then(function (resp) {
      return resp.json().catch(function () { return { error: "服务器返回了无法识别的答复（" + resp.status + "）。" }; })
        .then(function (body) { body._status = resp.status; return body; });
    }, function () { return { error: "无法连接台账助手。请确认 taizhang serve 仍在运行。" }; });
}

/* ---- 报送: drop the units' files, upload one by one ---- */
function setupDrop() {
  var drop = $("drop");
  if (!drop) return;
  var input = $("drop-input");
  var list = $("upload-list");
  function uploadAll(files) {
    files = Array.prototype.slice.call(files);
    if (!files.length) return;
    var folder = drop.dataset.r;
    var newFolder = $("new-folder") ? $("new-folder").value : "";
    var ok = 0;
    function next(i) {
      if (i >= files.length) {
        var li = document.createElement("li");
        li.textContent = "完成：保存了 " + ok + " 个文件，共 " + files.length + " 个。正在刷新……";
        list.appendChild(li);
        window.location.href = root() + "/report?m=" + encodeURIComponent(drop.dataset.m) + "&r=" + encodeURIComponent(folder);
        return;
      }
      var f = files[i];
      var li = document.createElement("li");
      li.textContent = f.name + "：正在上传……";
      list.appendChild(li);
      var data = new FormData();
      data.append("r", folder);
      data.append("new_folder", folder ? "" : newFolder);
      data.append("mtime", String(f.lastModified || ""));
      data.append("file", f, f.name);
      postForm(root() + "/upload?m=" + encodeURIComponent(drop.dataset.m), data).then(function (body) {
        if (body.error) { li.className = "bad"; li.textContent = f.name + "：未保存。" + body.error; }
        else { li.className = "good"; li.textContent = body.message; folder = body.folder; ok += 1; }
        next(i + 1);
      });
    }
    next(0);
  }
  ["dragenter", "dragover"].forEach(function (ev) {
    drop.addEventListener(ev, function (e) { e.preventDefault(); drop.classList.add("over"); });
  });
  ["dragleave", "drop"].forEach(function (ev) {
    drop.addEventListener(ev, function (e) { e.preventDefault(); drop.classList.remove("over"); });
  });
  drop.addEventListener("drop", function (e) { uploadAll(e.dataTransfer.files); });
  input.addEventListener("change", function () { uploadAll(input.files); });
}

/* ---- 合并报送: start the job, then poll its progress ---- */
function showProgress(job) {
  $("progress").classList.remove("hidden");
  var pct = job.total ? Math.round(100 * job.done / job.total) : 0;
  $("progress-fill").style.width = pct + "%";
  var text;
  if (job.state === "running" && job.total && job.done >= job.total) text = "全部文件已合并，正在写入台账总表……";
  else if (job.state === "running" && job.current) text = "正在合并第 " + (job.done + 1) + "/" + job.total + " 个文件：" + job.current;
  else if (job.state === "running") text = "正在读取台账总表和报送文件……";
  else if (job.state === "done") text = "合并完成，正在显示结果……";
  else text = job.error || "";
  $("progress-text").textContent = text;
  var ol = $("progress-files");
  while (ol.children.length < job.seen.length) {
    var li = document.createElement("li");
    li.textContent = job.seen[ol.children.length] + " ✓";
    ol.appendChild(li);
  }
}

function poll(statusUrl, resultUrl) {
  fetch(statusUrl, { headers: { "Accept": "application/json" }, credentials: "same-origin" })
    .then(function (r) { return r.json(); })
    .then(function (job) {
      if (job.error && !job.state) { $("progress-text").textContent = job.error; return; }
      showProgress(job);
      if (job.state === "running") setTimeout(function () { poll(statusUrl, resultUrl); }, 300);
      else window.location.href = resultUrl;
    }, function () { setTimeout(function () { poll(statusUrl, resultUrl); }, 1000); });
}

function setupMerge() {
  var form = $("merge-form");
  if (form) {
    form.addEventListener("submit", function (e) {
      e.preventDefault();
      var button = $("merge-button");
      button.disabled = true;
      button.textContent = "正在合并……";
      postForm(form.action, new FormData(form)).then(function (body) {
        if (body.error) {
          $("progress").classList.remove("hidden");
          $("progress-text").textContent = body.error;
          $("progress-text").className = "error";
          button.disabled = false;
          button.textContent = "合并报送";
          return;
        }
        showProgress({ state: "running", done: 0, total: 0, current: "", seen: [] });
        poll(body.status, body.result);
      });
    });
  }
  var running = $("job-running");  /* a merge still running after a refresh: follow it again */
  if (running) {
    var button = $("merge-button");
    if (button) { button.disabled = true; button.textContent = "正在合并……"; }
    showProgress({ state: "running", done: 0, total: 0, current: "", seen: [] });
    poll(running.getAttribute("data-status"), running.getAttribute("data-result"));
  }
}

/* ---- 生成汇总表/通报: a job on the server; the button's row shows how long it has taken ---- */
function setupJobs() {
  Array.prototype.forEach.call(document.querySelectorAll("form[data-job]"), function (form) {
    form.addEventListener("submit", function (e) {
      e.preventDefault();
      var button = form.querySelector("button[type=submit]");
      var what = form.getAttribute("data-job");
      var label = button.textContent;
      var out = $("make-progress");
      out.classList.remove("hidden");
      $("make-progress-text").className = "";
      Array.prototype.forEach.call(document.querySelectorAll("form[data-job] button"), function (b) { b.disabled = true; });
      button.textContent = "正在生成……";
      function done(text, bad) {
        $("make-progress-text").textContent = text;
        if (bad) $("make-progress-text").className = "error";
        Array.prototype.forEach.call(document.querySelectorAll("form[data-job] button"), function (b) { b.disabled = false; });
        button.textContent = label;
      }
      postForm(form.action, new FormData(form)).then(function (body) {
        if (body.error) { done(body.error, true); return; }
        function tick() {
          fetch(body.status, { headers: { "Accept": "application/json" }, credentials: "same-origin" })
            .then(function (r) { return r.json(); })
            .then(function (job) {
              if (job.error && !job.state) { done(job.error, true); return; }
              // by step where the job reports its steps (read, compute, write), else by the time the last one took
              var pct = job.total ? Math.round(100 * job.done / job.total)
                : job.expected ? Math.min(95, Math.round(100 * job.elapsed / job.expected)) : Math.min(90, Math.round(job.elapsed * 12));
              if (job.state !== "running") pct = 100;
              $("make-progress-fill").style.width = pct + "%";
              var step = job.total && job.current ? "第 " + Math.min(job.done + 1, job.total) + " 步，共 " + job.total + " 步：" + job.current + "；" : "";
              var text = "正在生成" + what + "……" + step + "已用 " + Math.round(job.elapsed) + " 秒" +
                (job.expected ? "（上次用时约 " + Math.round(job.expected) + " 秒）" : "");
              if (job.state === "running") { $("make-progress-text").textContent = text; setTimeout(tick, 400); }
              else if (job.state === "done") { $("make-progress-text").textContent = "已生成" + what + "，用时 " + Math.round(job.elapsed) + " 秒。"; window.location.href = body.result; }
              else done(job.error, true);
            }, function () { setTimeout(tick, 1000); });
        }
        tick();
      });
    });
  });
}

/* ---- a form that replaces a file asks first ---- */
function setupConfirm() {
  Array.prototype.forEach.call(document.querySelectorAll("form[data-confirm]"), function (form) {
    form.addEventListener("submit", function (e) {
      if (!window.confirm(form.getAttribute("data-confirm"))) e.preventDefault();
    });
  });
}

/* ---- 校验单个文件: drop one file onto the form ---- */
function setupSingle() {
  var drop = $("single-drop");
  if (!drop) return;
  var input = $("validate-file");
  function show() { $("single-name").textContent = input.files.length ? "已选择：" + input.files[0].name : ""; }
  ["dragenter", "dragover"].forEach(function (ev) {
    drop.addEventListener(ev, function (e) { e.preventDefault(); drop.classList.add("over"); });
  });
  ["dragleave", "drop"].forEach(function (ev) {
    drop.addEventListener(ev, function (e) { e.preventDefault(); drop.classList.remove("over"); });
  });
  drop.addEventListener("drop", function (e) {
    if (e.dataTransfer.files.length) { input.files = e.dataTransfer.files; show(); }
  });
  input.addEventListener("change", show);
}

/* ---- forms that take a few seconds (交办, 生成汇总表/通报): say so on the button ---- */
function setupBusy() {
  Array.prototype.forEach.call(document.querySelectorAll("form[data-busy]"), function (form) {
    form.addEventListener("submit", function () {
      var button = form.querySelector("button[type=submit]");
      if (button) { button.disabled = true; button.textContent = form.getAttribute("data-busy"); }
    });
  });
}

document.addEventListener("DOMContentLoaded", function () {
  setupBusy();
  setupJobs();
  setupConfirm();
  setupDrop();
  setupMerge();
  setupSingle();
});
