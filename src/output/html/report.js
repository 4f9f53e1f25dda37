/* iamguard HTML report: draws the page from the JSON in #iamguard-data.
 * Every string from the scan is shown with textContent (never as markup),
 * and control and bidirectional characters are shown as visible escapes.
 * The page loads nothing: the Content-Security-Policy allows this script
 * and the page's style sheet only. */
(function () {
  'use strict';

  var data = JSON.parse(document.getElementById('iamguard-data').textContent);
  var app = document.getElementById('app');

  /* Positions in a finding's array (output/html.c, finding_json). */
  var F = { RULE: 0, LEVEL: 1, PATH: 2, LINE: 3, COL: 4, END: 5, MSG: 6, HOLDER: 7,
    PRINCIPAL: 8, STMT: 9, ELEM: 10, SNIP: 11, SNIPCOL: 12, FORMAT: 13, KIND: 14, FP: 15,
    SUPP: 16, EXPIRES: 17, WHERE: 18 };
  /* ... and in an input problem's (problem_json) and a run note's (note_json). */
  var P = { KIND: 0, LEVEL: 1, RULE: 2, PATH: 3, LINE: 4, COL: 5, END: 6, MSG: 7, SNIP: 8,
    SNIPCOL: 9 };
  var N = { KIND: 0, LEVEL: 1, PATH: 2, LINE: 3, RULE: 4, MSG: 5 };
  var LEVELS = ['none', 'note', 'warning', 'error'];
  var PAGE_SIZES = [25, 50, 100, 500];

  var rules = data.rules || [];
  var all = data.findings || [];
  var live = [], allowed = [];
  for (var i = 0; i < all.length; i++) (all[i][F.SUPP] == null ? live : allowed).push(i);

  /* ---- safe text ---- */

  /* Characters that would hide or reorder text: C0 and C1 controls, DEL,
   * bidirectional controls, line separators, the byte-order mark. */
  var SPECIAL = /[\u0000-\u0008\u000a-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069\ufeff]/;
  var SPECIAL_G = new RegExp(SPECIAL.source, 'g');

  function escName(c) {
    var n = c.charCodeAt(0);
    if (c === '\n') return '\\n';
    if (c === '\r') return '\\r';
    if (n < 0x100) return '\\x' + (n < 16 ? '0' : '') + n.toString(16);
    return '\\u' + ('000' + n.toString(16)).slice(-4);
  }

  /* A node showing s as text, escapes marked. */
  function txt(s) {
    s = s == null ? '' : String(s);
    if (!SPECIAL.test(s)) return document.createTextNode(s);
    var frag = document.createDocumentFragment(), last = 0, m;
    SPECIAL_G.lastIndex = 0;
    while ((m = SPECIAL_G.exec(s)) !== null) {
      if (m.index > last) frag.appendChild(document.createTextNode(s.slice(last, m.index)));
      var e = document.createElement('span');
      e.className = 'esc';
      e.title = 'control character';
      e.textContent = escName(m[0]);
      frag.appendChild(e);
      last = m.index + 1;
    }
    if (last < s.length) frag.appendChild(document.createTextNode(s.slice(last)));
    return frag;
  }

  /* Plain string with the same escapes (for titles and option labels). */
  function plain(s) {
    return s == null ? '' : String(s).replace(SPECIAL_G, escName);
  }

  function el(tag, cls, content) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (content != null) {
      if (typeof content === 'object') e.appendChild(content);
      else e.appendChild(txt(content));
    }
    return e;
  }

  function add(parent) {
    for (var k = 1; k < arguments.length; k++) if (arguments[k]) parent.appendChild(arguments[k]);
    return parent;
  }

  function fmt(n) {
    return String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  }

  /* The end of a long path, which tells files apart better than its start. */
  function tail(p) {
    p = String(p);
    return p.length > 22 ? '\u2026' + p.slice(p.length - 21) : p;
  }

  function level(n) {
    var name = LEVELS[n] || 'none';
    return el('span', 'lvl ' + name, name);
  }

  function ruleOf(i) {
    return rules[i] || { id: '?' };
  }

  /* ---- a small, safe markdown reader for rule help ---- */

  function inline(parent, s) {
    var re = /(`[^`]+`)|(\*\*[^*]+\*\*)|(\[[^\]]+\]\([^)\s]+\))/g, last = 0, m;
    while ((m = re.exec(s)) !== null) {
      if (m.index > last) parent.appendChild(txt(s.slice(last, m.index)));
      var t = m[0];
      if (m[1]) parent.appendChild(el('code', null, t.slice(1, -1)));
      else if (m[2]) parent.appendChild(el('strong', null, t.slice(2, -2)));
      else {
        var cut = t.indexOf('](');
        var label = t.slice(1, cut), url = t.slice(cut + 2, -1);
        if (/^https?:\/\//i.test(url)) {
          var a = el('a', null, label.replace(/[*`]/g, ''));
          a.href = url;
          a.rel = 'noopener noreferrer';
          a.target = '_blank';
          parent.appendChild(a);
        } else {
          parent.appendChild(txt(label + ' (' + url + ')'));
        }
      }
      last = m.index + t.length;
    }
    if (last < s.length) parent.appendChild(txt(s.slice(last)));
    return parent;
  }

  function markdown(md) {
    var root = el('div', 'help'), lines = String(md).split('\n'), list = null, para = null;
    var k = 0;
    function flush() { list = null; para = null; }
    while (k < lines.length) {
      var line = lines[k];
      if (/^\s*(```|~~~)/.test(line)) {
        flush();
        var code = [];
        for (k++; k < lines.length && !/^\s*(```|~~~)/.test(lines[k]); k++) code.push(lines[k]);
        root.appendChild(el('pre', null, el('code', null, code.join('\n'))));
        k++;
        continue;
      }
      var h = /^(#{1,6})\s+(.*)$/.exec(line);
      var li = /^\s*(?:[-*]|\d+\.)\s+(.*)$/.exec(line);
      if (h) {
        flush();
        root.appendChild(inline(el('h' + Math.min(4, h[1].length + 1)), h[2]));
      } else if (li) {
        para = null;
        if (!list) list = root.appendChild(el(/^\s*\d/.test(line) ? 'ol' : 'ul'));
        list.appendChild(inline(el('li'), li[1]));
      } else if (!line.trim()) {
        flush();
      } else {
        list = null;
        if (!para) para = root.appendChild(el('p'));
        else para.appendChild(document.createTextNode(' '));
        inline(para, line.trim());
      }
      k++;
    }
    return root;
  }

  /* ---- overview ---- */

  function card(n, label, cls) {
    return add(el('div', 'card' + (cls ? ' ' + cls : '')), el('div', 'n', fmt(n)), el('div', 'l', label));
  }

  function bars(title, rows, empty) {
    var p = el('div', 'panel');
    p.appendChild(el('h3', null, title));
    if (!rows.length) {
      p.appendChild(el('p', 'empty', empty));
      return p;
    }
    var max = 1;
    rows.forEach(function (r) { if (r[1] > max) max = r[1]; });
    var ul = el('ul', 'bars');
    rows.forEach(function (r) {
      var fill = el('div', 'fill');
      fill.style.width = (100 * r[1] / max).toFixed(1) + '%';
      var k = el('span', 'k', r[0]);
      k.title = plain(r.length > 2 ? r[2] : r[0]);
      add(ul, add(el('li'), k, add(el('div', 'track'), fill), el('span', 'v', fmt(r[1]))));
    });
    p.appendChild(ul);
    return p;
  }

  function table(head, rows, cls) {
    var t = el('table', cls), tr = el('tr');
    head.forEach(function (h) { tr.appendChild(el('th', /^#|count|documents|findings/i.test(h) ? 'num' : null, h)); });
    add(t, add(el('thead'), tr));
    var body = el('tbody');
    rows.forEach(function (r) {
      var row = el('tr');
      r.forEach(function (c) {
        if (c && typeof c === 'object' && c.nodeType) row.appendChild(add(el('td'), c));
        else row.appendChild(el('td', typeof c === 'number' ? 'num' : null, typeof c === 'number' ? fmt(c) : c));
      });
      body.appendChild(row);
    });
    t.appendChild(body);
    return t;
  }

  function kv(pairs) {
    return table(['Setting', 'Value'], pairs.map(function (p) { return [p[0], p[1] == null ? '' : p[1]]; }), 'kv');
  }

  function overview() {
    var c = data.counts || {}, st = data.stats || {}, lv = c.levels || {};
    var sec = el('section');
    sec.id = 'overview';
    var title = 'iamguard report';
    add(sec, el('h1', null, title));
    var sub = 'iamguard ' + data.tool.version;
    if (data.scan.base) sub += ' \u00b7 base folder ' + data.scan.base;
    if (data.scan.category) sub += ' \u00b7 category ' + data.scan.category;
    sec.appendChild(el('p', 'sub', sub));

    var cards = el('div', 'cards');
    add(cards,
      card(c.findings || 0, 'findings', (c.findings || 0) ? null : 'good'),
      card(lv.error || 0, 'errors', 'error'),
      card(lv.warning || 0, 'warnings', 'warning'),
      card(lv.note || 0, 'notes', 'note'),
      card((data.problems || []).length, 'input problems', (data.problems || []).length ? 'error' : 'good'),
      card(st.ruleFailures || 0, 'rule failures', st.ruleFailures ? 'error' : 'good'),
      card(st.suppressed || 0, 'allowlisted'),
      card(st.baselined || 0, 'in the baseline'),
      card(st.filesScanned || 0, 'files scanned'),
      card(st.documents || 0, 'policy documents'),
      card(st.statements || 0, 'statements'));
    sec.appendChild(cards);

    var perRule = (c.rules || []).map(function (r) { return [ruleOf(r[0]).id, r[1]]; })
      .filter(function (r) { return r[1] > 0; })
      .sort(function (a, b) { return b[1] - a[1] || (a[0] < b[0] ? -1 : 1); });
    var who = (c.principals && c.principals.length) ? c.principals : (c.holders || []);
    var grid = el('div', 'grid3');
    add(grid,
      bars('Findings per rule', perRule, 'No findings.'),
      bars(c.principals && c.principals.length ? 'Principals with the most findings' : 'Holders with the most findings', who, 'No findings.'),
      bars('Files with the most findings', (c.files || []).map(function (r) { return [tail(r[0]), r[1], r[0]]; }), 'No findings.'));
    var formats = el('div', 'panel');
    formats.appendChild(el('h3', null, 'Input formats'));
    formats.appendChild((c.formats || []).length
      ? table(['Format', 'Documents', 'Findings'], c.formats) : el('p', 'empty', 'No policy documents.'));
    var kinds = el('div', 'panel');
    kinds.appendChild(el('h3', null, 'Policy kinds'));
    kinds.appendChild((c.kinds || []).length
      ? table(['Kind', 'Documents', 'Findings'], c.kinds) : el('p', 'empty', 'No policy documents.'));
    add(grid, formats, kinds);
    sec.appendChild(grid);

    var problems = data.problems || [];
    if (problems.length) {
      sec.appendChild(el('h2', null, 'Input problems (' + fmt(problems.length) + ')'));
      sec.appendChild(el('p', 'sub', 'These inputs were not checked, or not fully: a broken file can hide a dangerous policy.'));
      sec.appendChild(table(['Level', 'Rule', 'File', 'Problem'], problems.map(function (p) {
        return [level(p[P.LEVEL]), ruleOf(p[P.RULE]).id,
          p[P.PATH] + (p[P.LINE] ? ':' + p[P.LINE] + (p[P.COL] ? ':' + p[P.COL] : '') : ''), p[P.MSG]];
      }), 'problems'));
    }
    var notes = data.notes || [];
    if (notes.length) {
      sec.appendChild(el('h2', null, 'About the run (' + fmt(notes.length) + ')'));
      sec.appendChild(table(['Level', 'Kind', 'Where', 'Message'], notes.map(function (n) {
        var where = n[N.PATH] ? n[N.PATH] + (n[N.LINE] ? ':' + n[N.LINE] : '') : (n[N.RULE] || '');
        return [level(n[N.LEVEL]), n[N.KIND], where, n[N.MSG]];
      }), 'notes'));
    }

    sec.appendChild(el('h2', null, 'Configuration'));
    var cfg = el('div', 'grid2');
    var mp = data.tool.managedPolicies || {};
    var pairs = [['tool', 'iamguard ' + data.tool.version],
      ['IAM catalogue', data.tool.catalogue || 'not recorded'],
      ['AWS managed policies', mp.source ? mp.source + (mp.version ? ' ' + mp.version : '') + (mp.date ? ' (' + mp.date + ')' : '') : 'not recorded']];
    if (data.scan.base) pairs.push(['base folder', data.scan.base]);
    if (data.scan.category) pairs.push(['category', data.scan.category]);
    (data.settings || []).forEach(function (s) { pairs.push(s); });
    if (data.scan.command) pairs.push(['command', data.scan.command]);
    if (data.scan.seconds != null) pairs.push(['scan time', data.scan.seconds.toFixed(2) + ' s']);
    cfg.appendChild(add(el('div', 'panel'), el('h3', null, 'Scan'), kv(pairs)));
    var rp = el('div', 'panel');
    rp.appendChild(el('h3', null, 'Rules'));
    rp.appendChild(table(['Rule', 'Level', 'Severity', 'Source', 'Findings'], rules.map(function (r, k) {
      var n = 0;
      (c.rules || []).forEach(function (x) { if (x[0] === k) n = x[1]; });
      return [r.id, level(LEVELS.indexOf(r.level)), r.severity != null ? r.severity.toFixed(1) : '',
        r.source || '', n];
    }), 'rules'));
    cfg.appendChild(rp);
    sec.appendChild(cfg);
    return sec;
  }

  /* ---- findings table ---- */

  var state = { rule: '', level: '', file: '', who: '', q: '', page: 0, size: 50, open: null };
  var searchText = null; /* lowercased text per finding, built on the first search */

  function readHash() {
    var h = location.hash.replace(/^#/, '');
    if (!h) return;
    h.split('&').forEach(function (kvp) {
      var at = kvp.indexOf('=');
      if (at < 0) return;
      var k = kvp.slice(0, at), v;
      try { v = decodeURIComponent(kvp.slice(at + 1).replace(/\+/g, ' ')); } catch (e) { return; }
      if (k === 'rule' || k === 'level' || k === 'file' || k === 'who' || k === 'q') state[k] = v;
      else if (k === 'page') state.page = Math.max(0, (parseInt(v, 10) || 1) - 1);
      else if (k === 'size') state.size = v === 'all' ? 0 : Math.max(1, parseInt(v, 10) || 50);
      else if (k === 'open') state.open = v;
    });
  }

  function writeHash() {
    var parts = [];
    ['rule', 'level', 'file', 'who', 'q'].forEach(function (k) {
      if (state[k]) parts.push(k + '=' + encodeURIComponent(state[k]));
    });
    if (state.page) parts.push('page=' + (state.page + 1));
    if (state.size !== 50) parts.push('size=' + (state.size || 'all'));
    try { history.replaceState(null, '', parts.length ? '#' + parts.join('&') : location.pathname + location.search); } catch (e) { /* file: URLs in some browsers */ }
  }

  function who(f) {
    return f[F.PRINCIPAL] != null ? f[F.PRINCIPAL] : f[F.HOLDER];
  }

  function matches(idx) {
    var f = all[idx];
    if (state.rule && ruleOf(f[F.RULE]).id !== state.rule) return false;
    if (state.level && LEVELS[f[F.LEVEL]] !== state.level) return false;
    if (state.file && String(f[F.PATH]).toLowerCase().indexOf(state.file.toLowerCase()) < 0) return false;
    if (state.who) {
      var w = state.who.toLowerCase();
      if (String(who(f)).toLowerCase().indexOf(w) < 0 && String(f[F.HOLDER]).toLowerCase().indexOf(w) < 0) return false;
    }
    if (state.q) {
      if (!searchText) {
        searchText = new Array(all.length);
      }
      if (searchText[idx] === undefined) {
        searchText[idx] = [ruleOf(f[F.RULE]).id, f[F.PATH], f[F.MSG], f[F.HOLDER], f[F.PRINCIPAL] || '',
          f[F.STMT] || '', f[F.ELEM] || '', f[F.SNIP] || ''].join('\n').toLowerCase();
      }
      var words = state.q.toLowerCase().split(/\s+/);
      for (var k = 0; k < words.length; k++) if (words[k] && searchText[idx].indexOf(words[k]) < 0) return false;
    }
    return true;
  }

  function snippet(line, snip, snipCol, col, end) {
    var pre = el('pre');
    pre.appendChild(el('span', 'ln', String(line).padStart(6, ' ') + ' | '));
    if (snipCol > 1) pre.appendChild(document.createTextNode('...'));
    var s = String(snip), a = col - snipCol, b = end - snipCol;
    if (col && a >= 0 && a < s.length) {
      if (!(b > a)) b = a + 1;
      pre.appendChild(txt(s.slice(0, a)));
      pre.appendChild(el('mark', null, s.slice(a, b)));
      pre.appendChild(txt(s.slice(b)));
    } else {
      pre.appendChild(txt(s));
    }
    return pre;
  }

  function detail(f) {
    var r = ruleOf(f[F.RULE]), box = el('div', 'detail');
    box.appendChild(el('p', null, f[F.MSG]));
    var pairs = [['file', f[F.PATH] + ':' + f[F.LINE] + ':' + f[F.COL]], ['held by', f[F.HOLDER]]];
    if (f[F.PRINCIPAL] != null) pairs.push(['principal', f[F.PRINCIPAL]]);
    if (f[F.STMT] != null) pairs.push(['statement', f[F.STMT]]);
    if (f[F.ELEM] != null) pairs.push(['element', f[F.ELEM]]);
    if (f[F.FORMAT] != null) pairs.push(['input', f[F.FORMAT] + (f[F.KIND] ? ', ' + f[F.KIND] + ' policy' : '')]);
    if (f[F.FP] != null) pairs.push(['fingerprint', f[F.FP]]);
    if (f[F.SUPP] != null) {
      pairs.push(['allowlisted', f[F.SUPP]]);
      pairs.push(['expires', f[F.EXPIRES] || 'never']);
      if (f[F.WHERE]) pairs.push(['allowlist entry', f[F.WHERE]]);
    }
    box.appendChild(kv(pairs));
    if (f[F.SNIP] != null) box.appendChild(snippet(f[F.LINE], f[F.SNIP], f[F.SNIPCOL], f[F.COL], f[F.END]));
    var help = el('div', 'help');
    help.appendChild(el('h3', null, r.id + (r.short ? ': ' + r.short : '')));
    if (r.severity != null) help.appendChild(el('p', 'sub', 'Default level ' + r.level + ', security severity ' + r.severity.toFixed(1)));
    if (r.help) help.appendChild(markdown(r.help));
    else if (r.full) help.appendChild(el('p', null, r.full));
    if (r.uri && /^https?:\/\//i.test(r.uri)) {
      var a = el('a', null, 'More about ' + r.id);
      a.href = r.uri;
      a.rel = 'noopener noreferrer';
      a.target = '_blank';
      help.appendChild(add(el('p'), a));
    }
    box.appendChild(help);
    return box;
  }

  function findingsSection(id, title, indices, intro) {
    var sec = el('section');
    sec.id = id;
    sec.appendChild(el('h2', null, title + ' (' + fmt(indices.length) + ')'));
    if (intro) sec.appendChild(el('p', 'sub', intro));
    if (!indices.length) {
      sec.appendChild(el('p', 'empty', id === 'findings' ? 'No findings.' : 'None.'));
      return sec;
    }
    var own = { page: 0 };
    var filtered = indices;
    var allowSection = id === 'allowlisted';

    var filters = el('div', 'filters');
    function select(label, key, options) {
      var s = el('select');
      s.appendChild(new Option('all', ''));
      options.forEach(function (o) { s.appendChild(new Option(plain(o), o)); });
      s.value = state[key];
      s.addEventListener('change', function () { state[key] = s.value; state.page = 0; refresh(); });
      s.name = key;
      return add(el('label', null, label), s);
    }
    function field(label, key, placeholder) {
      var inp = el('input');
      inp.type = 'search';
      inp.name = key;
      inp.placeholder = placeholder;
      inp.value = state[key];
      var timer = null;
      inp.addEventListener('input', function () {
        clearTimeout(timer);
        timer = setTimeout(function () { state[key] = inp.value; state.page = 0; refresh(); }, 120);
      });
      return add(el('label', null, label), inp);
    }
    var body = el('tbody'), status = el('span', 'status'), prev = el('button', null, 'Previous'), next = el('button', null, 'Next');
    var sizeSel = el('select');
    PAGE_SIZES.forEach(function (n) { sizeSel.appendChild(new Option(String(n), String(n))); });
    sizeSel.appendChild(new Option('all', '0'));
    sizeSel.name = 'size';
    if (!allowSection) {
      var ruleIds = [];
      rules.forEach(function (r) { if (ruleIds.indexOf(r.id) < 0) ruleIds.push(r.id); });
      add(filters,
        select('Rule', 'rule', ruleIds),
        select('Level', 'level', ['error', 'warning', 'note']),
        field('File', 'file', 'path contains'),
        field('Principal or holder', 'who', 'name contains'),
        field('Search', 'q', 'words in any field'),
        add(el('label', null, 'Per page'), sizeSel));
      sizeSel.value = String(state.size);
      sizeSel.addEventListener('change', function () { state.size = parseInt(sizeSel.value, 10); state.page = 0; refresh(); });
      sec.appendChild(filters);
    }
    var pager = add(el('div', 'pager'), prev, next, status);
    sec.appendChild(pager);
    var t = el('table', 'findings'), hr = el('tr');
    ['Level', 'Rule', 'Location', 'Principal or holder', allowSection ? 'Justification' : 'Message'].forEach(function (h) { hr.appendChild(el('th', null, h)); });
    add(t, add(el('thead'), hr), body);
    sec.appendChild(t);

    function toggle(tr, f) {
      var open = tr.getAttribute('aria-expanded') === 'true';
      if (open) {
        tr.setAttribute('aria-expanded', 'false');
        if (tr.nextSibling && tr.nextSibling.className === 'detail') body.removeChild(tr.nextSibling);
        return;
      }
      tr.setAttribute('aria-expanded', 'true');
      var d = el('tr', 'detail'), td = el('td');
      td.colSpan = 5;
      td.appendChild(detail(f));
      d.appendChild(td);
      body.insertBefore(d, tr.nextSibling);
    }

    function row(idx) {
      var f = all[idx], tr = el('tr', 'row' + (allowSection ? ' allow' : ''));
      tr.tabIndex = 0;
      tr.setAttribute('aria-expanded', 'false');
      tr.setAttribute('data-fp', f[F.FP] == null ? '' : f[F.FP]);
      tr.setAttribute('data-index', String(idx));
      var msg = el('td', 'msg', el('div', null, allowSection ? f[F.SUPP] + (f[F.EXPIRES] ? ' (until ' + f[F.EXPIRES] + ')' : '') : f[F.MSG]));
      msg.title = plain(f[F.MSG]);
      add(tr, add(el('td'), level(f[F.LEVEL])), el('td', null, ruleOf(f[F.RULE]).id),
        el('td', 'loc', f[F.PATH] + ':' + f[F.LINE] + ':' + f[F.COL]), el('td', 'who', who(f)), msg);
      tr.addEventListener('click', function () { toggle(tr, f); });
      tr.addEventListener('keydown', function (ev) {
        if (ev.key === 'Enter' || ev.key === ' ') { ev.preventDefault(); toggle(tr, f); }
      });
      return tr;
    }

    function refresh() {
      if (!allowSection) {
        filtered = [];
        for (var k = 0; k < indices.length; k++) if (matches(indices[k])) filtered.push(indices[k]);
        writeHash();
      }
      var size = allowSection ? 50 : state.size;
      var page = allowSection ? own.page : state.page;
      var pages = size ? Math.max(1, Math.ceil(filtered.length / size)) : 1;
      if (page >= pages) page = pages - 1;
      if (allowSection) own.page = page; else state.page = page;
      var from = size ? page * size : 0, to = size ? Math.min(filtered.length, from + size) : filtered.length;
      while (body.firstChild) body.removeChild(body.firstChild);
      var frag = document.createDocumentFragment();
      for (var k2 = from; k2 < to; k2++) frag.appendChild(row(filtered[k2]));
      body.appendChild(frag);
      status.textContent = filtered.length
        ? 'Showing ' + fmt(from + 1) + '\u2013' + fmt(to) + ' of ' + fmt(filtered.length) + (filtered.length !== indices.length ? ' (filtered from ' + fmt(indices.length) + ')' : '')
        : 'No finding matches the filters.';
      prev.disabled = page === 0;
      next.disabled = page >= pages - 1;
      sec.setAttribute('data-shown', String(to - from));
      sec.setAttribute('data-matching', String(filtered.length));
    }
    prev.addEventListener('click', function () { if (allowSection) own.page--; else state.page--; refresh(); });
    next.addEventListener('click', function () { if (allowSection) own.page++; else state.page++; refresh(); });
    refresh();
    if (!allowSection && state.open) {
      var rowsNow = body.querySelectorAll('tr.row');
      for (var k3 = 0; k3 < rowsNow.length; k3++)
        if (rowsNow[k3].getAttribute('data-fp') === state.open) rowsNow[k3].click();
    }
    return sec;
  }

  readHash();
  document.title = 'iamguard report' + (data.scan.category ? ': ' + plain(data.scan.category) : '');
  add(app, overview(),
    findingsSection('findings', 'Findings', live, null),
    data.scan.includeSuppressed
      ? findingsSection('allowlisted', 'Allowlisted findings', allowed, 'Exempted by the allowlist: not counted as findings. Each shows its justification and expiry.')
      : el('p', 'sub', (data.stats.suppressed ? fmt(data.stats.suppressed) + ' allowlisted findings are counted above but not listed' : 'No allowlisted findings are listed') + ': scan with --include-suppressed to list them with their justification and expiry.'));
  app.appendChild(el('footer', null, 'Written by iamguard ' + data.tool.version + '. This page is self-contained: it loads nothing from the network.'));
  app.setAttribute('data-ready', 'true');
}());
