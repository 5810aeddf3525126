/* logicmodel policy dashboard: draws every view from the page's JSON (id "lm-data").
   No network, no storage, no eval; the page's CSP allows this script by its hash only. */
(function () {
  "use strict";
  var D = JSON.parse(document.getElementById("lm-data").textContent);
  var O = D.orgs, N = O.code.length;
  var ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz-_";
  var PAGE = 50;
  var T = {
    skip: ["本文へ移動", "Skip to content"],
    wareki: ["和暦で表示", "Japanese era dates"],
    tools: ["表示の設定", "Display settings"],
    nav: ["団体の選択", "Choose an organisation"],
    dashboard: ["政策ダッシュボード", "Policy dashboard"],
    asOf: ["基準日", "as of"],
    total: ["全体", "Total"],
    search: ["団体を検索（名前・よみがな）", "Search organisations (name or kana)"],
    found: ["{n}件", "{n} found"],
    more: ["ほか{n}件（絞り込んでください）", "{n} more (type more to narrow)"],
    none: ["該当なし", "none"],
    prefectures: ["都道府県（色：{ind}の状況）", "Prefectures (colour: status of {ind})"],
    colourBy: ["色分けの指標", "Colour by"],
    kgi: ["重要目標達成指標（KGI）", "Key goal indicators (KGI)"],
    noKgi: ["KGIがありません", "No KGI"],
    period: ["時点", "Period"],
    target: ["目標", "Target"],
    achievement: ["達成率", "Achievement"],
    coverage: ["集計", "Coverage"],
    orgs: ["{a}/{b}団体", "{a} of {b} orgs"],
    pathway: ["効果発現経路", "Effect pathway"],
    pathwayFig: ["効果発現経路の図（同じ内容を下の表でも読めます）", "Effect pathway diagram (the same content is in the table below)"],
    pathwayTable: ["経路を表で見る", "The pathway as a table"],
    linksTable: ["つながりを表で見る（根拠・効果検証）", "The links as a table (rationale, evidence)"],
    node: ["要素", "Node"],
    kind: ["区分", "Kind"],
    status: ["状況", "Status"],
    score: ["達成度", "Score"],
    links: ["つながり", "Links"],
    from: ["から", "From"],
    to: ["へ", "To"],
    rationale: ["根拠・前提", "Rationale"],
    evidence: ["効果検証", "Evidence"],
    indicators: ["指標", "Indicators"],
    role: ["区分", "Role"],
    indicator: ["指標", "Indicator"],
    actual: ["実績", "Actual"],
    baseline: ["基準", "Baseline"],
    targetPeriod: ["目標年度", "Target period"],
    unit: ["単位", "Unit"],
    progress: ["進捗", "Progress"],
    plan: ["計画", "Plan"],
    trend: ["推移", "Trend"],
    below: ["下位団体", "Organisations below"],
    byStatus: ["指標ごとの団体数（状況別）", "Organisations by status, per indicator"],
    n: ["団体数", "Orgs"],
    list: ["団体一覧", "Organisations"],
    org: ["団体", "Organisation"],
    filter: ["名前で絞り込み", "Filter by name"],
    sort: ["並び順", "Sort"],
    sortCode: ["コード順", "By code"],
    sortGap: ["計画から遅れている順", "Furthest behind plan first"],
    roadmap: ["サービスロードマップ", "Service roadmap"],
    noMilestones: ["マイルストーンはありません", "No milestones"],
    milestone: ["項目", "Milestone"],
    due: ["期限", "Due"],
    done: ["完了日", "Done"],
    findings: ["所見", "Findings"],
    findingsCount: ["所見 {n}件", "{n} findings"],
    findingsScope: ["（この団体と下位団体）", " (this organisation and those below)"],
    noFindings: ["所見はありません", "No findings"],
    byKind: ["種類・階層ごとの件数", "Counts by kind and level"],
    code: ["種類", "Kind"],
    all: ["すべて", "All"],
    sum: ["計", "Total"],
    message: ["内容", "Message"],
    target_node: ["対象", "Node"],
    prev: ["前へ", "Previous"],
    next: ["次へ", "Next"],
    rows: ["{a}–{b}件目 / {n}件", "{a}–{b} of {n}"],
    csv: ["CSVダウンロード", "Download CSV"],
    formula: ["達成率 =（実績 − 基準）÷（目標 − 基準）。状況は計画に対する進み具合です。", "Achievement = (actual − baseline) / (target − baseline); the status compares it with the plan."],
    legend: ["凡例", "Legend"],
    wider: ["図は右へ続きます（横にスクロールできます）", "The diagram continues to the right (scroll sideways)"],
    ofLevel: ["{name}（{level}）", "{name} ({level})"],
    open: ["{name}を表示", "Show {name}"],
    langButton: ["English", "日本語"],
    evSupports: ["支持", "supports"],
    evContradicts: ["反証", "contradicts"],
    evInconclusive: ["判定不能", "inconclusive"],
    toDate: ["年度途中", "to date"],
    codeCol: ["団体コード", "Code"],
    level: ["階層", "Level"]
  };
  var ST = {}, BY = {};
  D.statuses.forEach(function (s) { ST[s.char] = s; BY[s.code] = s; });
  var kids = [];
  for (var i = 0; i < N; i++) kids.push([]);
  O.parent.forEach(function (p, j) { if (p >= 0 && p !== j) kids[p].push(j); });
  var nodeIndex = {};
  D.nodes.forEach(function (nd, k) { nodeIndex[nd.id] = k; });
  var firstKgi = 0;
  D.indicators.some(function (ind, k) { if (ind.role === "KGI") { firstKgi = k; return true; } return false; });
  // on a phone the 47 tiles start folded (search and the lists come first); the reader may open them
  var narrow = window.matchMedia && window.matchMedia("(max-width: 600px)").matches;
  var state = { tiles: !narrow, org: 0, lang: "ja", wareki: false, colour: firstKgi, fPage: 0, fCode: -1, kPage: 0, kFilter: "", kSort: "code", q: "" };
  var csvs = {};

  // ------------------------------------------------------------------ helpers
  function t(key, vars) {
    var s = (T[key] || [key, key])[state.lang === "ja" ? 0 : 1];
    if (vars) Object.keys(vars).forEach(function (k) { s = s.split("{" + k + "}").join(String(vars[k])); });
    return s;
  }
  function esc(s) {
    return String(s == null ? "" : s).replace(/[&<>"']/g, function (c) {
      return { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c];
    });
  }
  // data (names, titles) is Japanese: marked so in the English page (WCAG 3.1.2)
  function jp(text) { return state.lang === "ja" ? esc(text) : '<span lang="ja">' + esc(text) + "</span>"; }
  function at(col, k) { return col == null ? null : (Array.isArray(col) ? col[k] : col); }
  function fmt(v) {
    if (v == null || !isFinite(v)) return "–";
    var digits = Number.isInteger(v) ? 0 : 1;
    return v.toLocaleString("en-US", { minimumFractionDigits: digits, maximumFractionDigits: digits });
  }
  // the period of a row, flagged while it is still running (DESIGN §4.4 period_complete)
  function periodOf(ind, k) {
    var p = at(ind.period, k);
    if (p == null || p < 0) return "–";
    return per(D.periods[p]) + (at(ind.complete, k) === 0 ? "（" + t("toDate") + "）" : "");
  }
  function pct(pm) { return pm == null ? "–" : Math.round(pm / 10) + "%"; }
  function per(label) { return label == null || label === "" ? "–" : (state.wareki && D.wareki[label]) || label; }
  function orgName(k) { return O.name[k] || (O.code[k] === "" ? t("total") : O.code[k]); }
  function levelName(k) { var lv = D.levels[O.level[k]] || ["", "", ""]; return state.lang === "ja" ? lv[1] : lv[2]; }
  function statusAt(ind, k) { return ST[ind.status.charAt(k)] || null; }
  function label(s) { return state.lang === "ja" ? s.ja : s.en; }
  function badge(s) {
    if (!s) return "–";
    return '<span class="badge" data-status="' + s.code + '" style="background:' + s.fill + ";color:" + s.ink + '">' +
      esc(s.symbol + " " + label(s)) + "</span>";
  }
  function under(j, top) { for (var k = j, d = 0; k >= 0 && d < 12; k = O.parent[k], d++) if (k === top) return true; return false; }
  function kana(s) {
    return String(s).normalize("NFKC").toLowerCase().replace(/[\u3041-\u3096]/g, function (c) {
      return String.fromCharCode(c.charCodeAt(0) + 0x60);
    }).replace(/\s/g, "");
  }
  function counted() { return D.levels.length > 1 && D.levels[O.level[state.org]][0] !== D.counted; }
  function coverage(ind, k) {
    var r = at(ind.reporting, k), e = at(ind.expected, k);
    if (r == null || e == null || !counted()) return "";
    return t("orgs", { a: fmt(r), b: fmt(e) });
  }
  function scrollBox(inner, name) {
    return '<div class="scroll" tabindex="0" role="region" aria-label="' + esc(name) + '">' + inner + "</div>";
  }
  // a drawing that repeats a table next to it: hidden from assistive technology and out of the
  // tab order (inert); its text is dark on white (checked by the browser tests)
  function picture(svg) { return '<div class="picture" inert>' + svg + "</div>"; }
  function tableBar(csvName, extra) {
    return '<div class="tablebar">' + (extra || "<span></span>") +
      '<button type="button" data-csv="' + csvName + '">' + esc(t("csv")) + "</button></div>";
  }
  function pager(kind, page, total) {
    if (total <= PAGE) return '<p class="note">' + esc(t("rows", { a: total ? 1 : 0, b: total, n: total.toLocaleString("en-US") })) + "</p>";
    var last = Math.ceil(total / PAGE) - 1;
    return '<div class="pager"><button type="button" data-page="' + kind + '" data-to="' + (page - 1) + '"' + (page <= 0 ? " disabled" : "") + ">" + esc(t("prev")) + "</button>" +
      '<span class="note" aria-live="polite">' + esc(t("rows", { a: (page * PAGE + 1).toLocaleString("en-US"), b: Math.min(total, (page + 1) * PAGE).toLocaleString("en-US"), n: total.toLocaleString("en-US") })) + "</span>" +
      '<button type="button" data-page="' + kind + '" data-to="' + (page + 1) + '"' + (page >= last ? " disabled" : "") + ">" + esc(t("next")) + "</button></div>";
  }

  // ------------------------------------------------------------------ navigation
  function renderNav() {
    var chain = [];
    for (var k = state.org, d = 0; k >= 0 && d < 12; k = O.parent[k], d++) chain.unshift(k);
    var crumbs = chain.map(function (k) {
      return k === state.org ? '<li><span aria-current="page"><strong>' + jp(orgName(k)) + "</strong></span></li>"
        : '<li><button type="button" class="link" data-org="' + k + '">' + jp(orgName(k)) + "</button></li>";
    }).join("");
    var html = '<ol class="crumbs" id="crumbs">' + crumbs + "</ol>";
    if (N > 1) {
      html += '<div class="search"><label for="q">' + esc(t("search")) + '</label><input type="search" id="q" autocomplete="off" value="' + esc(state.q) + '"></div>' +
        '<div id="results" aria-live="polite"></div>';
      var prefs = [];
      for (var j = 1; j < N; j++) if (D.levels[O.level[j]][0] === "prefecture") prefs.push(j);
      if (prefs.length) {
        var ind = D.indicators[state.colour];
        var options = D.indicators.map(function (x, k) {
          return '<option value="' + k + '"' + (k === state.colour ? " selected" : "") + ">" + esc(x.name) + "</option>";
        }).join("");
        html += '<details class="tilebox" id="tilebox"' + (state.tiles ? " open" : "") + "><summary>" + esc(t("prefectures", { ind: ind ? ind.name : "" })) + "</summary>" +
          '<label class="note" for="colour">' + esc(t("colourBy")) + '</label> <select id="colour">' + options + "</select>" +
          '<ul class="tiles" id="tiles">' + prefs.map(function (j) {
            var s = ind ? statusAt(ind, j) : null;
            var fill = s ? s.fill : "#ffffff", ink = s ? s.ink : "#1a1a1a";
            var cur = under(state.org, j) ? ' aria-current="true"' : "";
            return '<li><button type="button" data-org="' + j + '"' + cur + ' style="background:' + fill + ";color:" + ink + '">' +
              "<span>" + jp(orgName(j)) + '</span><span class="st">' + (s ? esc(s.symbol + " " + label(s)) : "–") + "</span></button></li>";
          }).join("") + "</ul></details>";
      }
    }
    document.getElementById("nav").innerHTML = html;
    renderResults();
  }
  function renderResults() {
    var box = document.getElementById("results");
    if (!box) return;
    var q = kana(state.q);
    if (!q) { box.innerHTML = ""; return; }
    var hits = [];
    for (var j = 0; j < N; j++) {
      if (kana(O.name[j]).indexOf(q) >= 0 || kana(O.kana[j]).indexOf(q) >= 0 || O.code[j].indexOf(q) === 0) hits.push(j);
    }
    var shown = hits.slice(0, 30);
    box.innerHTML = '<p class="note">' + esc(hits.length ? t("found", { n: hits.length }) : t("none")) + "</p>" +
      '<ul class="results">' + shown.map(function (j) {
        var parent = O.parent[j] > 0 ? orgName(O.parent[j]) : "";
        return '<li><button type="button" data-org="' + j + '">' + esc(parent ? parent + " " : "") + jp(orgName(j)) + "</button></li>";
      }).join("") + "</ul>" + (hits.length > shown.length ? '<p class="note">' + esc(t("more", { n: hits.length - shown.length })) + "</p>" : "");
  }

  // ------------------------------------------------------------------ sections
  function rowsOf(k) {
    var out = [];
    D.indicators.forEach(function (ind) { if (ind.status.charAt(k) !== ".") out.push(ind); });
    return out;
  }
  function renderKgi(k) {
    var cards = rowsOf(k).filter(function (ind) { return ind.role === "KGI"; }).map(function (ind) {
      var cov = coverage(ind, k), tp = at(ind.targetPeriod, k);
      var p = at(ind.period, k), v = at(ind.actual, k);
      return '<article class="card kgi" data-ind="' + esc(ind.id) + '"><h3 class="n">KGI · ' + jp(ind.name) + "</h3>" +
        '<p class="v">' + fmt(v) + (v == null ? "" : " <small>" + esc(ind.unit) + "</small>") + "</p><dl>" +
        "<dt>" + esc(t("period")) + '</dt><dd class="period">' + esc(periodOf(ind, k)) + "</dd>" +
        "<dt>" + esc(t("target")) + "</dt><dd>" + fmt(at(ind.target, k)) + (tp ? "（" + esc(per(tp)) + "）" : "") + "</dd>" +
        "<dt>" + esc(t("achievement")) + "</dt><dd>" + pct(at(ind.ach, k)) + "</dd>" +
        (cov ? "<dt>" + esc(t("coverage")) + '</dt><dd class="coverage">' + esc(cov) + "</dd>" : "") +
        "</dl>" + badge(statusAt(ind, k)) + "</article>";
    });
    return '<section aria-labelledby="h-kgi"><h2 id="h-kgi">' + esc(t("kgi")) + "</h2>" +
      (cards.length ? '<div class="cards" id="cards">' + cards.join("") + "</div>" : '<p class="note">' + esc(t("noKgi")) + "</p>") + "</section>";
  }
  function legend() {
    return '<ul class="legend" aria-label="' + esc(t("legend")) + '">' + D.statuses.map(function (s) { return "<li>" + badge(s) + "</li>"; }).join("") + "</ul>";
  }
  function kindName(nd) {
    var names = D.kinds[nd.kind];  // from model/vocabulary.py, the one list of kind names
    return names ? names[state.lang === "ja" ? 0 : 1] : nd.kind;
  }
  function evidenceText(ev) {
    if (!ev) return "";
    var v = { supports: "evSupports", contradicts: "evContradicts", inconclusive: "evInconclusive" }[ev.verdict];
    var s = v ? t(v) : String(ev.verdict || "");
    if (ev.text) s = (s ? s + " " : "") + ev.text;
    var num = function (v) { return Number(Number(v).toPrecision(3)).toLocaleString("en-US", { maximumFractionDigits: 6 }); };
    if (ev.att != null) s += " ATT " + num(ev.att);
    if (ev.ci_low != null && ev.ci_high != null) s += " [" + num(ev.ci_low) + ", " + num(ev.ci_high) + "]";
    return s;
  }
  function renderPathway(k) {
    var L = D.pathway, parts = [];
    parts.push('<defs><marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="9" markerHeight="9" markerUnits="userSpaceOnUse" orient="auto"><path d="M0,0L10,5L0,10z" fill="#4d4d4d"/></marker></defs>');
    L.columns.forEach(function (c) {
      parts.push('<text class="colhead" x="' + c.x + '" y="20" font-size="14" font-weight="700" fill="#1a1a1a">' + esc(state.lang === "ja" ? c.ja : c.en) + "</text>");
    });
    L.links.forEach(function (lk) {
      var ev = lk.evidence, colour = "#767676", dash = "";
      if (ev && ev.verdict === "supports") colour = "#197a4b";
      if (ev && ev.verdict === "contradicts") { colour = "#ce0000"; dash = ' stroke-dasharray="6,3"'; }
      if (ev && ev.verdict === "inconclusive") dash = ' stroke-dasharray="2,3"';
      var pts = lk.points.map(function (p) { return p[0] + "," + p[1]; }).join(" ");
      parts.push('<polyline class="link" data-source="' + esc(lk.source) + '" data-target="' + esc(lk.target) + '" points="' + pts + '" fill="none" stroke="' + colour + '" stroke-width="' + (1 + Math.min(lk.weight, 3)).toFixed(1) + '"' + dash + ' marker-end="url(#arrow)"><title>' +
        esc(lk.source + " → " + lk.target + (lk.rationale ? ": " + lk.rationale : "") + (ev ? " / " + t("evidence") + ": " + evidenceText(ev) : "")) + "</title></polyline>");
    });
    L.boxes.forEach(function (b) {
      var nd = D.nodes[nodeIndex[b.id]], s = ST[nd.status.charAt(k)] || BY.no_data;
      var text = b.lines.map(function (line, n) {
        return '<tspan x="' + (b.x + L.pad + 4) + '" dy="' + (n ? L.line : 0) + '">' + esc(line) + "</tspan>";
      }).join("");
      var y0 = b.y + L.pad + L.font;
      var sy = b.y + b.h - 8;
      parts.push('<g class="node" data-node="' + esc(b.id) + '" data-status="' + s.code + '"><title>' + esc(nd.title + ": " + label(s) + " " + pct(at(nd.rolled, k))) + "</title>" +
        '<rect class="frame" x="' + b.x + '" y="' + b.y + '" width="' + b.w + '" height="' + b.h + '" rx="6" fill="#ffffff" stroke="' + s.fill + '" stroke-width="2"/>' +
        '<rect class="stripe" x="' + b.x + '" y="' + b.y + '" width="6" height="' + b.h + '" rx="3" fill="' + s.fill + '"/>' +
        '<text class="label" x="' + (b.x + L.pad + 4) + '" y="' + y0 + '" font-size="' + L.font + '" fill="#1a1a1a">' + text + "</text>" +
        '<text class="state" x="' + (b.x + L.pad + 4) + '" y="' + sy + '" font-size="12" fill="#1a1a1a">' + esc(s.symbol + " " + label(s)) + "</text>" +
        '<text class="pct" x="' + (b.x + b.w - 8) + '" y="' + sy + '" font-size="12" text-anchor="end" fill="#4d4d4d">' + pct(at(nd.rolled, k)) + "</text></g>");
    });
    var svg = '<svg class="pathway" aria-hidden="true" width="' + L.width + '" height="' + L.height + '" viewBox="0 0 ' + L.width + " " + L.height + '">' + parts.join("") + "</svg>";
    var rows = D.nodes.map(function (nd) {
      var s = ST[nd.status.charAt(k)] || BY.no_data;
      return "<tr><td>" + jp(nd.title) + "</td><td class=\"nowrap\">" + esc(kindName(nd)) + "</td><td>" + badge(s) + '</td><td class="num">' + pct(at(nd.rolled, k)) + "</td></tr>";
    }).join("");
    var title = function (id) { var nd = D.nodes[nodeIndex[id]]; return nd ? nd.title : id; };
    var links = L.links.map(function (lk) {
      return "<tr><td>" + jp(title(lk.source)) + "</td><td>" + jp(title(lk.target)) + "</td><td>" + esc(lk.rationale) + "</td><td>" + esc(evidenceText(lk.evidence)) + "</td></tr>";
    }).join("");
    csvs.pathway = function () {
      return [[t("node"), t("kind"), t("status"), t("score")]].concat(D.nodes.map(function (nd) {
        var s = ST[nd.status.charAt(k)] || BY.no_data;
        var r = at(nd.rolled, k);
        return [nd.title, kindName(nd), label(s), r == null ? "" : r / 1000];
      }));
    };
    return '<section aria-labelledby="h-path"><h2 id="h-path">' + esc(t("pathway")) + "</h2>" + legend() +
      '<p class="note" id="path-more" hidden>' + esc(t("wider")) + "</p>" +
      '<figure class="fig" style="margin:0">' + scrollBox(picture(svg), t("pathwayFig")) + "</figure>" +
      '<details class="alt" open><summary>' + esc(t("pathwayTable")) + "</summary>" + tableBar("pathway") +
      scrollBox('<table id="pathway-table"><caption>' + esc(t("pathway")) + "</caption><thead><tr><th scope=\"col\">" + esc(t("node")) + '</th><th scope="col">' + esc(t("kind")) + '</th><th scope="col">' + esc(t("status")) + '</th><th scope="col" class="num">' + esc(t("score")) + "</th></tr></thead><tbody>" + rows + "</tbody></table>", t("pathway")) +
      "</details>" + '<details class="alt"><summary>' + esc(t("linksTable")) + "</summary>" +
      scrollBox('<table id="links-table"><caption>' + esc(t("links")) + '</caption><thead><tr><th scope="col">' + esc(t("from")) + '</th><th scope="col">' + esc(t("to")) + '</th><th scope="col">' + esc(t("rationale")) + '</th><th scope="col">' + esc(t("evidence")) + "</th></tr></thead><tbody>" + links + "</tbody></table>", t("links")) +
      "</details></section>";
  }
  function sparkline(ind, k) {
    var L = ind.axis.length;
    if (L < 2 || !ind.trend) return "";
    var has = Number(ind.hasTrend.charAt(k)) || 0; // 1: actual, 2: planned, 3: both
    if (!has) return "";
    if (!ind.start) { // where each org's lines begin in the trend string
      ind.start = new Int32Array(ind.hasTrend.length);
      for (var i = 0, pos = 0; i < ind.hasTrend.length; i++) {
        var bits = Number(ind.hasTrend.charAt(i)) || 0;
        ind.start[i] = pos;
        pos += ((bits & 1) + ((bits >> 1) & 1)) * L;
      }
    }
    var w = 100, h = 28, begin = ind.start[k];
    var actual = has & 1 ? ind.trend.substr(begin, L) : "";
    var planned = has & 2 ? ind.trend.substr(begin + (has & 1 ? L : 0), L) : "";
    function line(seg, style) {
      var pts = [];
      for (var p = 0; p < seg.length; p++) {
        var c = seg.charAt(p);
        if (c === " " || c === "") continue;
        pts.push((p / (L - 1) * w).toFixed(1) + "," + (h - 2 - ALPHABET.indexOf(c) / 63 * (h - 4)).toFixed(1));
      }
      return pts.length >= 2 ? '<polyline points="' + pts.join(" ") + '" fill="none" ' + style + "/>" : "";
    }
    var inner = line(planned, 'stroke="#767676" stroke-dasharray="3,2"') + line(actual, 'stroke="#0017c1" stroke-width="1.5"');
    return inner ? '<svg class="spark" aria-hidden="true" width="' + w + '" height="' + h + '" viewBox="0 0 ' + w + " " + h + '">' + inner + "</svg>" : "";
  }
  function renderIndicators(k) {
    var rows = rowsOf(k);
    // the coverage column only where this org's figures are totals over the orgs below it
    var cov = counted();
    var head = ["role", "indicator", "period", "actual", "baseline", "target", "targetPeriod", "unit", "achievement", "progress", "status", "coverage", "trend"]
      .filter(function (h) { return cov || h !== "coverage"; });
    var numeric = { actual: 1, baseline: 1, target: 1, achievement: 1 };
    var body = rows.map(function (ind) {
      var s = statusAt(ind, k), a = at(ind.ach, k), p = at(ind.plan, k), pi = at(ind.period, k);
      var fill = a == null ? 0 : Math.max(0, Math.min(a / 1000, 1)) * 100;
      var mark = p == null ? "" : '<b style="left:' + (Math.max(0, Math.min(p / 1000, 1)) * 100).toFixed(0) + '%"></b>';
      return '<tr data-ind="' + esc(ind.id) + '"><td>' + esc(ind.role) + "</td><td>" + jp(ind.name) + "</td><td>" + esc(periodOf(ind, k)) +
        '</td><td class="num">' + fmt(at(ind.actual, k)) + '</td><td class="num">' + fmt(at(ind.baseline, k)) + '</td><td class="num">' + fmt(at(ind.target, k)) +
        "</td><td>" + esc(per(at(ind.targetPeriod, k))) + "</td><td>" + esc(ind.unit) + '</td><td class="num">' + pct(a) +
        '</td><td><div class="bar" aria-hidden="true"><i style="width:' + fill.toFixed(0) + "%;background:" + (s ? s.fill : "#767676") + '"></i>' + mark + "</div></td><td>" + badge(s) +
        "</td>" + (cov ? '<td class="num cov">' + esc(coverage(ind, k)) + "</td>" : "") + '<td class="trend">' + sparkline(ind, k) + "</td></tr>";
    }).join("");
    csvs.indicators = function () {
      return [head.filter(function (h) { return h !== "progress" && h !== "trend"; }).map(function (h) { return t(h); }).concat([t("plan")])].concat(rows.map(function (ind) {
        var s = statusAt(ind, k), pi = at(ind.period, k), a = at(ind.ach, k), p = at(ind.plan, k);
        return [ind.role, ind.name, pi >= 0 ? per(D.periods[pi]) : "", at(ind.actual, k), at(ind.baseline, k), at(ind.target, k), per(at(ind.targetPeriod, k)), ind.unit,
          a == null ? "" : a / 1000, s ? label(s) : ""].concat(cov ? [coverage(ind, k)] : [], [p == null ? "" : p / 1000]);
      }));
    };
    return '<section aria-labelledby="h-ind"><h2 id="h-ind">' + esc(t("indicators")) + "</h2>" + tableBar("indicators") +
      scrollBox('<table id="indicators"><thead><tr>' + head.map(function (h) { return '<th scope="col"' + (numeric[h] ? ' class="num"' : "") + ">" + esc(t(h)) + "</th>"; }).join("") + "</tr></thead><tbody>" + body + "</tbody></table>", t("indicators")) +
      '<p class="note">' + esc(t("formula")) + "</p></section>";
  }
  function childRows(k) {
    var ind = D.indicators[state.colour], q = kana(state.kFilter), out = [];
    kids[k].forEach(function (j) {
      if (q && kana(O.name[j]).indexOf(q) < 0 && kana(O.kana[j]).indexOf(q) < 0) return;
      out.push(j);
    });
    if (state.kSort === "gap" && ind) {
      var gap = function (j) { var a = at(ind.ach, j), p = at(ind.plan, j); return a == null ? Infinity : a - Math.min(p == null ? 1000 : p, 1000); };
      out.sort(function (x, y) { return gap(x) - gap(y) || (O.code[x] < O.code[y] ? -1 : 1); });
    }
    return out;
  }
  function renderChildren(k) {
    if (!kids[k].length) return "";
    var codes = D.childCodes, counts = [];
    D.indicators.forEach(function (ind) {
      (D.children[ind.id] || []).forEach(function (r) { if (r[0] === k) counts.push([ind, r]); });
    });
    var html = '<section aria-labelledby="h-kids"><h2 id="h-kids">' + esc(t("below")) + "</h2>";
    if (counts.length) {
      var head = [t("indicator"), t("n")].concat(codes.map(function (c) { return label(BY[c]); }));
      csvs.children = function () { return [head].concat(counts.map(function (x) { return [x[0].name, x[1][x[1].length - 1]].concat(x[1].slice(1, 1 + codes.length)); })); };
      html += "<h3>" + esc(t("byStatus")) + "</h3>" + tableBar("children") + scrollBox('<table id="children"><thead><tr>' + head.map(function (h, n) {
        return '<th scope="col"' + (n ? ' class="num"' : "") + ">" + esc(h) + "</th>";
      }).join("") + "</tr></thead><tbody>" + counts.map(function (x) {
        var r = x[1];
        return '<tr data-ind="' + esc(x[0].id) + '"><td>' + jp(x[0].name) + '</td><td class="num">' + fmt(r[r.length - 1]) + "</td>" +
          r.slice(1, 1 + codes.length).map(function (v) { return '<td class="num">' + fmt(v) + "</td>"; }).join("") + "</tr>";
      }).join("") + "</tbody></table>", t("byStatus"));
    }
    var ind = D.indicators[state.colour], list = childRows(k), page = Math.min(state.kPage, Math.max(0, Math.ceil(list.length / PAGE) - 1));
    state.kPage = page;
    var shown = list.slice(page * PAGE, (page + 1) * PAGE);
    var head2 = [t("org"), t("actual"), t("achievement"), t("plan"), t("status")];
    csvs.orgs = function () {
      return [[t("org"), t("codeCol"), t("indicator"), t("actual"), t("achievement"), t("plan"), t("status")]].concat(list.map(function (j) {
        var s = ind ? statusAt(ind, j) : null, a = ind ? at(ind.ach, j) : null, p = ind ? at(ind.plan, j) : null;
        return [orgName(j), O.code[j], ind ? ind.name : "", ind ? at(ind.actual, j) : "", a == null ? "" : a / 1000, p == null ? "" : p / 1000, s ? label(s) : ""];
      }));
    };
    var options = D.indicators.map(function (x, n) { return '<option value="' + n + '"' + (n === state.colour ? " selected" : "") + ">" + esc(x.name) + "</option>"; }).join("");
    var controls = '<div class="search"><label for="kfilter">' + esc(t("filter")) + '</label><input type="search" id="kfilter" value="' + esc(state.kFilter) + '">' +
      '<label for="kind-select">' + esc(t("indicator")) + '</label><select id="kind-select">' + options + "</select>" +
      '<label for="ksort">' + esc(t("sort")) + '</label><select id="ksort"><option value="code"' + (state.kSort === "code" ? " selected" : "") + ">" + esc(t("sortCode")) +
      '</option><option value="gap"' + (state.kSort === "gap" ? " selected" : "") + ">" + esc(t("sortGap")) + "</option></select></div>";
    html += '<h3 id="h-orgs">' + esc(t("list")) + "</h3>" + tableBar("orgs", controls) + '<div id="orgs-box">' +
      scrollBox('<table id="orgs"><thead><tr>' + head2.map(function (h, n) { return '<th scope="col"' + (n && n < 4 ? ' class="num"' : "") + ">" + esc(h) + "</th>"; }).join("") + "</tr></thead><tbody>" +
        shown.map(function (j) {
          var s = ind ? statusAt(ind, j) : null;
          return '<tr data-org="' + esc(O.code[j]) + '"><td><button type="button" class="link" data-org="' + j + '">' + jp(orgName(j)) + '</button></td><td class="num">' + fmt(ind ? at(ind.actual, j) : null) +
            '</td><td class="num">' + pct(ind ? at(ind.ach, j) : null) + '</td><td class="num">' + pct(ind ? at(ind.plan, j) : null) + "</td><td>" + badge(s) + "</td></tr>";
        }).join("") + "</tbody></table>", t("list")) + pager("orgs", page, list.length) + "</div>";
    return html + "</section>";
  }
  function renderRoadmap() {
    var ms = D.milestones;
    if (!ms.length) return '<section aria-labelledby="h-road"><h2 id="h-road">' + esc(t("roadmap")) + '</h2><p class="note">' + esc(t("noMilestones")) + "</p></section>";
    var day = function (s) { return Date.parse(s + "T00:00:00Z") / 864e5; };
    var dates = ms.map(function (m) { return day(m.due); }).concat([day(D.asOf)]);
    var start = Math.min.apply(null, dates) - 30, end = Math.max.apply(null, dates) + 90, span = end - start || 1;
    var left = 230, width = 620, y = 30, parts = [], rows = [];
    var x = function (d) { return left + (d - start) / span * width; };
    for (var yr = new Date(start * 864e5).getUTCFullYear(); yr <= new Date(end * 864e5).getUTCFullYear(); yr++) {
      var fy = day(yr + "-04-01");
      if (fy >= start && fy <= end) {
        var lab = state.wareki ? (D.wareki["FY" + yr] || yr + "年度") : (state.lang === "ja" ? yr + "年度" : "FY" + yr);
        parts.push('<line x1="' + x(fy).toFixed(1) + '" y1="18" x2="' + x(fy).toFixed(1) + '" y2="@H" stroke="#cccccc"/><text x="' + (x(fy) + 3).toFixed(1) + '" y="14" font-size="12" fill="#4d4d4d">' + esc(lab) + "</text>");
      }
    }
    ms.forEach(function (m) {
      var info = D.milestoneStatuses[m.status] || ["", "", "#767676", ""];
      var h = Math.max(28, m.lines.length * 16 + 10), cy = y + 12;
      parts.push('<g class="ms" data-ms="' + esc(m.id) + '"><text x="4" y="' + (y + 16) + '" font-size="12" fill="#1a1a1a">' + m.lines.map(function (l, n) { return '<tspan x="4" dy="' + (n ? 16 : 0) + '">' + esc(l) + "</tspan>"; }).join("") + "</text>" +
        '<circle cx="' + x(day(m.due)).toFixed(1) + '" cy="' + cy + '" r="7" fill="' + info[2] + '" stroke="#1a1a1a"/><text x="' + (x(day(m.due)) + 11).toFixed(1) + '" y="' + (cy + 4) + '" font-size="12" fill="#1a1a1a">' + esc(per(m.due) + " " + info[state.lang === "ja" ? 0 : 1]) + "</text></g>");
      rows.push("<tr><td>" + jp(m.label) + "</td><td>" + esc(per(m.due)) + "</td><td>" + esc(info[state.lang === "ja" ? 0 : 1]) + "</td><td>" + esc(m.done ? per(m.done) : "–") + "</td></tr>");
      y += h;
    });
    var ax = x(day(D.asOf));
    parts.push('<line x1="' + ax.toFixed(1) + '" y1="18" x2="' + ax.toFixed(1) + '" y2="@H" stroke="#ce0000" stroke-dasharray="4,3"/><text x="' + (ax + 3).toFixed(1) + '" y="' + (y + 14) + '" font-size="12" fill="#a90000">' + esc(t("asOf") + " " + per(D.asOf)) + "</text>");
    var H = y + 22, W = left + width + 200;
    var svg = '<svg class="roadmap" aria-hidden="true" width="' + W + '" height="' + H + '" viewBox="0 0 ' + W + " " + H + '">' + parts.join("").split("@H").join(String(y)) + "</svg>";
    csvs.roadmap = function () {
      return [[t("milestone"), t("due"), t("status"), t("done")]].concat(ms.map(function (m) {
        var info = D.milestoneStatuses[m.status] || ["", ""];
        return [m.label, per(m.due), info[state.lang === "ja" ? 0 : 1], m.done ? per(m.done) : ""];
      }));
    };
    return '<section aria-labelledby="h-road"><h2 id="h-road">' + esc(t("roadmap")) + "</h2>" + scrollBox(picture(svg), t("roadmap")) + tableBar("roadmap") +
      scrollBox('<table id="milestones"><thead><tr><th scope="col">' + esc(t("milestone")) + '</th><th scope="col">' + esc(t("due")) + '</th><th scope="col">' + esc(t("status")) + '</th><th scope="col">' + esc(t("done")) + "</th></tr></thead><tbody>" + rows.join("") + "</tbody></table>", t("roadmap")) + "</section>";
  }
  function findingRows(k) {
    var F = D.findings, out = [];
    for (var r = 0; r < F.code.length; r++) {
      if (!under(F.org[r], k)) continue;
      if (state.fCode >= 0 && F.code[r] !== state.fCode) continue;
      out.push(r);
    }
    return out;
  }
  function renderFindings(k) {
    var F = D.findings, ja = state.lang === "ja";
    var all = [];
    for (var r = 0; r < F.code.length; r++) if (under(F.org[r], k)) all.push(r);
    var levelsSeen = [], grid = {};
    all.forEach(function (r) {
      var lv = O.level[F.org[r]], key = F.code[r] + ":" + lv;
      if (levelsSeen.indexOf(lv) < 0) levelsSeen.push(lv);
      grid[key] = (grid[key] || 0) + 1;
    });
    levelsSeen.sort();
    var codesSeen = F.codes.map(function (c, n) { return n; }).filter(function (n) { return all.some(function (r) { return F.code[r] === n; }); });
    var lvName = function (lv) { var x = D.levels[lv]; return ja ? x[1] : x[2]; };
    var codeName = function (n) { return ja ? F.codes[n][1] : F.codes[n][2]; };
    var html = '<section aria-labelledby="h-find"><h2 id="h-find">' + esc(t("findings")) + "</h2>" +
      '<p id="findings-count"><strong>' + esc(t("findingsCount", { n: all.length.toLocaleString("en-US") })) + "</strong>" + (N > 1 ? esc(t("findingsScope")) : "") + "</p>";
    if (!all.length) return html + '<p class="note">' + esc(t("noFindings")) + "</p></section>";
    html += "<h3>" + esc(t("byKind")) + "</h3>" + scrollBox('<table id="findings-groups"><thead><tr><th scope="col">' + esc(t("code")) + "</th>" +
      levelsSeen.map(function (lv) { return '<th scope="col" class="num">' + esc(lvName(lv)) + "</th>"; }).join("") + '<th scope="col" class="num">' + esc(t("sum")) + "</th></tr></thead><tbody>" +
      codesSeen.map(function (n) {
        var total = 0;
        return '<tr><th scope="row">' + esc(codeName(n)) + "</th>" + levelsSeen.map(function (lv) { var v = grid[n + ":" + lv] || 0; total += v; return '<td class="num">' + fmt(v) + "</td>"; }).join("") + '<td class="num">' + fmt(total) + "</td></tr>";
      }).join("") + "</tbody></table>", t("byKind"));
    var list = findingRows(k), page = Math.min(state.fPage, Math.max(0, Math.ceil(list.length / PAGE) - 1));
    state.fPage = page;
    var nodeTitle = function (r) { return F.target[r] >= 0 ? F.targets[F.target[r]] : ""; };
    var msg = function (r) { return (ja ? F.ja : F.en)[F.msg[r]]; };
    csvs.findings = function () {
      return [[t("code"), t("target_node"), t("org"), t("level"), t("message")]].concat(list.map(function (r) {
        return [codeName(F.code[r]), nodeTitle(r), orgName(F.org[r]), lvName(O.level[F.org[r]]), msg(r)];
      }));
    };
    var options = '<option value="-1">' + esc(t("all")) + "</option>" + codesSeen.map(function (n) {
      return '<option value="' + n + '"' + (n === state.fCode ? " selected" : "") + ">" + esc(codeName(n)) + "</option>";
    }).join("");
    html += tableBar("findings", '<div class="search"><label for="fcode">' + esc(t("code")) + '</label><select id="fcode">' + options + "</select></div>") + '<div id="findings-box">' +
      scrollBox('<table id="findings"><thead><tr><th scope="col">' + esc(t("code")) + '</th><th scope="col">' + esc(t("target_node")) + '</th><th scope="col">' + esc(t("org")) + '</th><th scope="col">' + esc(t("message")) + "</th></tr></thead><tbody>" +
        list.slice(page * PAGE, (page + 1) * PAGE).map(function (r) {
          return '<tr data-code="' + esc(F.codes[F.code[r]][0]) + '" data-row="' + r + '"><td>' + esc(codeName(F.code[r])) + "</td><td>" + jp(nodeTitle(r)) + "</td><td>" + jp(orgName(F.org[r])) + "</td><td>" + esc(msg(r)) + "</td></tr>";
        }).join("") + "</tbody></table>", t("findings")) + pager("findings", page, list.length) + "</div>";
    return html + "</section>";
  }

  // ------------------------------------------------------------------ the page
  function summary(k) {
    var counts = {};
    rowsOf(k).forEach(function (ind) { var s = statusAt(ind, k); if (s) counts[s.code] = (counts[s.code] || 0) + 1; });
    return D.statuses.filter(function (s) { return counts[s.code]; }).map(function (s) { return label(s) + " " + counts[s.code]; }).join(" · ");
  }
  function render(focus) {
    var k = state.org, ja = state.lang === "ja";
    document.documentElement.lang = state.lang;
    document.title = D.title + " — " + (N > 1 ? orgName(k) + " — " : "") + t("dashboard");
    var lang = document.getElementById("lang");
    lang.textContent = t("langButton");
    lang.setAttribute("lang", ja ? "en" : "ja");
    document.getElementById("tools").setAttribute("aria-label", t("tools"));
    document.getElementById("nav").setAttribute("aria-label", t("nav"));
    document.querySelector("[data-t=wareki]").textContent = t("wareki");
    document.querySelector("[data-t=skip]").textContent = t("skip");
    document.getElementById("wareki").checked = state.wareki;
    document.getElementById("sub").textContent = t("dashboard") + (D.owner ? " · " + D.owner : "") + " · " + t("asOf") + " " + per(D.asOf);
    renderNav();
    csvs = {};
    document.getElementById("app").innerHTML =
      '<h2 id="org-h" class="org" tabindex="-1" data-org="' + esc(O.code[k]) + '">' + esc(N === 1 ? D.title : orgName(k) === levelName(k) ? orgName(k) : t("ofLevel", { name: orgName(k), level: levelName(k) })) + "</h2>" +
      '<p class="sub" id="org-summary">' + esc(summary(k)) + "</p>" +
      renderKgi(k) + renderPathway(k) + renderIndicators(k) + renderChildren(k) + renderRoadmap() + renderFindings(k);
    document.getElementById("foot").textContent = "logicmodel — " + t("formula");
    wider();
    if (focus) document.getElementById(focus).focus();
  }
  // say so when the pathway is wider than its box (its last columns, the outcomes and the
  // impact, would otherwise be hidden without a word)
  function wider() {
    var more = document.getElementById("path-more"), fig = more && more.nextElementSibling;
    var box = fig && fig.querySelector(".scroll");
    if (box) more.hidden = box.scrollWidth <= box.clientWidth;
  }
  window.addEventListener("resize", wider);
  function go(k) {
    if (k === state.org) return;
    state.org = k; state.kPage = 0; state.fPage = 0; state.kFilter = ""; state.q = "";
    var code = O.code[k];
    if (k === 0) history.replaceState(null, "", location.pathname + location.search);
    else history.replaceState(null, "", "#org=" + encodeURIComponent(code));
    render("org-h");
  }
  function download(name) {
    var rows = csvs[name] ? csvs[name]() : [];
    var text = "\ufeff" + rows.map(function (row) {
      return row.map(function (cell) {
        var s = cell == null ? "" : String(cell);
        if (typeof cell === "string" && /^[=+\-@\t\r]/.test(s)) s = "'" + s; // no live formula in Excel
        return /[",\r\n]/.test(s) ? '"' + s.replace(/"/g, '""') + '"' : s;
      }).join(",");
    }).join("\r\n") + "\r\n";
    var url = URL.createObjectURL(new Blob([text], { type: "text/csv;charset=utf-8" }));
    var a = document.createElement("a");
    a.href = url;
    a.download = (O.code[state.org] || "total") + "_" + name + ".csv";
    document.body.appendChild(a);
    a.click();
    a.remove();
    setTimeout(function () { URL.revokeObjectURL(url); }, 60000);
  }
  document.addEventListener("click", function (e) {
    var el = e.target.closest("button");
    if (!el) return;
    if (el.id === "lang") { state.lang = state.lang === "ja" ? "en" : "ja"; render("lang"); return; }
    if (el.hasAttribute("data-org")) { go(Number(el.getAttribute("data-org"))); return; }
    if (el.hasAttribute("data-csv")) { download(el.getAttribute("data-csv")); return; }
    if (el.hasAttribute("data-page")) {
      var kind = el.getAttribute("data-page"), to = Number(el.getAttribute("data-to"));
      if (kind === "findings") state.fPage = to; else state.kPage = to;
      render();
      var box = document.getElementById(kind === "findings" ? "findings-box" : "orgs-box");
      var again = box && box.querySelector('[data-page="' + kind + '"]:not([disabled])');
      if (again) again.focus();
    }
  });
  document.addEventListener("input", function (e) {
    var el = e.target;
    if (el.id === "q") { state.q = el.value; renderResults(); }
    if (el.id === "kfilter") { state.kFilter = el.value; state.kPage = 0; render("kfilter"); var f = document.getElementById("kfilter"); f.setSelectionRange(f.value.length, f.value.length); }
  });
  document.addEventListener("toggle", function (e) {
    if (e.target.id === "tilebox") state.tiles = e.target.open;
  }, true);
  document.addEventListener("change", function (e) {
    var el = e.target;
    if (el.id === "wareki") { state.wareki = el.checked; render("wareki"); }
    if (el.id === "colour" || el.id === "kind-select") { state.colour = Number(el.value); render(el.id); }
    if (el.id === "ksort") { state.kSort = el.value; state.kPage = 0; render("ksort"); }
    if (el.id === "fcode") { state.fCode = Number(el.value); state.fPage = 0; render("fcode"); }
  });
  var m = /^#org=([^&]+)/.exec(location.hash);
  if (m) { var found = O.code.indexOf(decodeURIComponent(m[1])); if (found >= 0) state.org = found; }
  render();
  if (window.performance && performance.mark) performance.mark("lm-rendered"); // for benchmarks/
})();
