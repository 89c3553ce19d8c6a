// The Board's dashboard: the list of boards at "/", and at "/board/<code>"
// one chart per indicator over the periods asked for, with London beside
// it. Everything comes from the hub's own /api; nothing is fetched from
// anywhere else. Data is put in the page with textContent and
// setAttribute only (never as HTML).
'use strict';
(function () {
  const SVG_NS = 'http://www.w3.org/2000/svg';
  const main = document.getElementById('main');
  const subtitle = document.getElementById('subtitle');
  const footer = document.getElementById('footer');
  const AGE_BANDS = ['all', 'unborn', 'under1', '1-4', '5-9', '10-15', '16-17'];

  function el(tag, attrs, text) {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) e.setAttribute(k, v);
    if (text !== undefined) e.textContent = text;
    return e;
  }

  function svg(tag, attrs, text) {
    const e = document.createElementNS(SVG_NS, tag);
    for (const [k, v] of Object.entries(attrs || {})) e.setAttribute(k, v);
    if (text !== undefined) e.textContent = text;
    return e;
  }

  function fail(message) {
    main.textContent = '';
    main.appendChild(el('p', { class: 'error' }, message));
    main.dataset.state = 'error';
  }

  async function getJson(url) {
    const response = await fetch(url, { cache: 'no-store' });
    let body;
    try {
      body = await response.json();
    } catch (e) {
      body = { error: response.statusText };
    }
    if (!response.ok) throw new Error(body.error || response.statusText);
    return body;
  }

  // ------------------------------------------------------------ boards

  async function listBoards() {
    const data = await getJson('/api/boards');
    document.title = 'LSCB indicators';
    subtitle.textContent = 'Local Safeguarding Children Boards';
    main.textContent = '';
    main.appendChild(el('h1', {}, 'Boards'));
    const list = el('ul', { class: 'boards' });
    for (const r of data.regions) {
      const li = el('li');
      li.appendChild(el('a', { href: '/board/' + encodeURIComponent(r.query) }, r.name + ' (all boroughs)'));
      list.appendChild(li);
    }
    for (const b of data.boards) {
      const li = el('li');
      li.appendChild(el('a', { href: '/board/' + encodeURIComponent(b.ons), 'data-board': b.ons }, b.name));
      li.appendChild(document.createTextNode(' ' + b.ons));
      list.appendChild(li);
    }
    main.appendChild(list);
    main.dataset.state = 'ready';
  }

  // ------------------------------------------------------------ one board

  function rangeForm(data) {
    const form = el('form', { class: 'range', method: 'get', action: location.pathname });
    const kind = el('select', { name: 'kind' });
    for (const [value, label] of [['month', 'months'], ['quarter', 'quarters'], ['fy', 'financial years']]) {
      const o = el('option', { value: value }, label);
      if (value === data.kind) o.selected = true;
      kind.appendChild(o);
    }
    const band = el('select', { name: 'age_band' });
    for (const b of AGE_BANDS) {
      const o = el('option', { value: b }, b === 'all' ? 'all ages' : b);
      if (b === data.age_band) o.selected = true;
      band.appendChild(o);
    }
    const fields = [
      ['Periods', kind],
      ['From', el('input', { name: 'from', value: data.from, size: '10' })],
      ['To', el('input', { name: 'to', value: data.to, size: '10' })],
      ['Age band', band],
    ];
    for (const [label, input] of fields) {
      const l = el('label', {}, label);
      l.appendChild(input);
      form.appendChild(l);
    }
    if (data.raw) form.appendChild(el('input', { type: 'hidden', name: 'raw', value: '1' }));
    form.appendChild(el('button', { type: 'submit' }, 'Show'));
    return form;
  }

  function legend(data) {
    const box = el('div', { class: 'legend' });
    const item = (cls, text, mark) => {
      const span = el('span');
      if (mark) span.appendChild(el('span', { class: 'mark ' + cls }, mark));
      else span.appendChild(el('span', { class: 'key ' + cls }));
      span.appendChild(document.createTextNode(text));
      box.appendChild(span);
    };
    item('board', data.board_name);
    if (data.board !== 'london' && data.board_name !== 'London')
      item('london', 'London (counts: average per borough; percentages: London\u2019s)');
    item('supp', 'suppressed (disclosure control)', 'c');
    item('flag', 'data-quality flag (reconcile, category_conflict, intent_conflict, partial)', '!');
    return box;
  }

  // The London value drawn beside the board's: percentages as they are,
  // counts as the average per borough.
  function londonValue(point, series, data) {
    if (point.value === null || point.value === undefined) return null;
    return series.is_rate ? point.value : point.value / Math.max(1, data.london_boards);
  }

  function londonDisplay(point, series, data) {
    if (point.suppressed) return 'c';
    const v = londonValue(point, series, data);
    if (v === null) return point.display;
    return series.is_rate ? point.display : v.toFixed(1);
  }

  function niceMax(max) {
    if (!(max > 0)) return 1;
    const magnitude = Math.pow(10, Math.floor(Math.log10(max)));
    for (const step of [1, 2, 2.5, 5, 10]) if (step * magnitude >= max) return step * magnitude;
    return 10 * magnitude;
  }

  function formatTick(v) {
    return Number.isInteger(v) ? String(v) : v.toFixed(1);
  }

  function chart(series, data) {
    const W = 560, H = 210, L = 46, R = 30, T = 16, B = 36;
    const plotW = W - L - R, plotH = H - T - B;
    const n = data.periods.length;
    const mine = series.points.map((p) => p.value);
    const london = series.london ? series.london.map((p) => londonValue(p, series, data)) : [];
    const values = mine.concat(london).filter((v) => v !== null && v !== undefined);
    const top = niceMax(Math.max(0, ...values));
    const x = (i) => L + (n <= 1 ? plotW / 2 : (i * plotW) / (n - 1));
    const y = (v) => T + plotH - (v / top) * plotH;

    const root = svg('svg', {
      class: 'chart',
      viewBox: '0 0 ' + W + ' ' + H,
      role: 'img',
      'aria-label': series.indicator + ' for ' + data.board_name + ' by period',
      'data-indicator': series.indicator,
    });
    for (const v of [0, top / 2, top]) {
      root.appendChild(svg('line', { class: v === 0 ? 'axis' : 'gridline', x1: L, x2: W - R, y1: y(v), y2: y(v) }));
      root.appendChild(svg('text', { class: 'tick', x: L - 6, y: y(v) + 3, 'text-anchor': 'end' }, formatTick(v)));
    }
    root.appendChild(svg('line', { class: 'axis', x1: L, x2: L, y1: T, y2: T + plotH }));
    const every = Math.max(1, Math.ceil(n / 12));
    data.periods.forEach((p, i) => {
      if (i % every !== 0) return;
      root.appendChild(svg('text', { class: 'tick', x: x(i), y: T + plotH + 14, 'text-anchor': 'middle' }, p));
    });

    // A line broken where a value is not shown (suppressed or n/a).
    const line = (vals, cls) => {
      let d = '';
      let open = false;
      vals.forEach((v, i) => {
        if (v === null || v === undefined) {
          open = false;
          return;
        }
        d += (open ? ' L ' : ' M ') + x(i).toFixed(1) + ' ' + y(v).toFixed(1);
        open = true;
      });
      if (d) root.appendChild(svg('path', { class: cls, d: d.trim() }));
    };
    if (series.london) line(london, 'line-london');
    line(mine, 'line-board');

    if (series.london) {
      series.london.forEach((p, i) => {
        const v = london[i];
        if (v === null) return;
        const dot = svg('circle', { class: 'pt-london', cx: x(i), cy: y(v), r: 2 });
        dot.appendChild(svg('title', {}, 'London ' + p.period + ': ' + londonDisplay(p, series, data)));
        root.appendChild(dot);
      });
    }
    series.points.forEach((p, i) => {
      const flagged = p.flags.length > 0;
      if (p.suppressed) {
        const mark = svg('text', { class: 'supp-marker', x: x(i), y: T + plotH - 5, 'text-anchor': 'middle',
                                   'data-period': p.period }, 'c');
        mark.appendChild(svg('title', {}, p.period + ': suppressed (' + (data.disclosure_rule || 'disclosure control') + ')'));
        root.appendChild(mark);
      } else if (p.value === null) {
        root.appendChild(svg('text', { class: 'na-marker', x: x(i), y: T + plotH - 5, 'text-anchor': 'middle',
                                       'data-period': p.period }, 'n/a'));
      } else {
        const dot = svg('circle', { class: 'pt-board' + (flagged ? ' pt-flagged' : ''), cx: x(i), cy: y(p.value),
                                    r: flagged ? 4 : 3, 'data-period': p.period });
        dot.appendChild(svg('title', {}, p.period + ': ' + p.display + (flagged ? ' (' + p.flags.join(', ') + ')' : '')));
        root.appendChild(dot);
      }
      if (flagged) {
        const yy = p.value === null || p.suppressed ? T + plotH - 18 : y(p.value) - 8;
        const mark = svg('text', { class: 'flag-marker', x: x(i), y: yy, 'text-anchor': 'middle',
                                   'data-period': p.period }, '!');
        mark.appendChild(svg('title', {}, p.flags.join(', ')));
        root.appendChild(mark);
      }
    });
    return root;
  }

  function valuesTable(series, data) {
    const table = el('table', { class: 'values' });
    const head = el('tr');
    head.appendChild(el('th', {}, ''));
    for (const p of data.periods) head.appendChild(el('th', {}, p));
    table.appendChild(head);
    const row = (label, points, who, display) => {
      const tr = el('tr');
      tr.appendChild(el('th', {}, label));
      for (const p of points) {
        const cls = (p.suppressed ? 'suppressed' : '') + (p.flags.length ? ' flagged' : '');
        const td = el('td', { 'data-period': p.period, 'data-series': who, class: cls.trim() }, display(p));
        if (p.flags.length) td.title = p.flags.join(', ');
        tr.appendChild(td);
      }
      table.appendChild(tr);
    };
    row(data.board_name, series.points, 'board', (p) => p.display);
    if (series.london)
      row(series.is_rate ? 'London' : 'London (avg per borough)', series.london, 'london',
          (p) => londonDisplay(p, series, data));
    return table;
  }

  function qualityNotes(series, data) {
    const notes = [];
    const add = (who, points) => {
      for (const p of points)
        for (const f of p.flags) notes.push({ who: who, period: p.period, flag: f, basis: p.basis });
    };
    add(data.board_name, series.points);
    if (series.london) add('London', series.london);
    if (!notes.length) return null;
    const list = el('ul', { class: 'quality' });
    for (const n of notes)
      list.appendChild(el('li', { 'data-flag': n.flag, 'data-period': n.period },
                          n.who + ', ' + n.period + ': ' + n.flag + (n.basis ? ' (basis ' + n.basis + ')' : '')));
    return list;
  }

  async function showBoard(code) {
    const params = new URLSearchParams(location.search);
    const q = new URLSearchParams({ board: code });
    for (const k of ['kind', 'from', 'to', 'age_band', 'raw']) if (params.get(k)) q.set(k, params.get(k));
    const data = await getJson('/api/series?' + q.toString());
    document.title = data.board_name + ' \u2013 LSCB indicators';
    subtitle.textContent = data.board_name + ' (' + data.board + ')';
    main.textContent = '';
    main.appendChild(el('h1', {}, data.board_name + ': indicators, ' + data.from + ' to ' + data.to +
                                  (data.age_band === 'all' ? '' : ', age ' + data.age_band)));
    main.appendChild(rangeForm(data));
    main.appendChild(el('p', { class: 'rule', id: 'rule' },
                        data.raw ? 'Raw figures: no disclosure control applied. Not for publication.'
                                 : 'Disclosure control: ' + data.disclosure_rule + '.'));
    main.appendChild(legend(data));
    const grid = el('div', { class: 'grid' });
    for (const s of data.series) {
      const section = el('section', { class: 'indicator', id: 'ind-' + s.indicator, 'data-indicator': s.indicator });
      section.appendChild(el('h2', {}, s.indicator));
      section.appendChild(el('p', { class: 'what' }, s.value + (s.is_rate ? ' (per cent)' : '')));
      section.appendChild(chart(s, data));
      section.appendChild(valuesTable(s, data));
      const notes = qualityNotes(s, data);
      if (notes) section.appendChild(notes);
      grid.appendChild(section);
    }
    main.appendChild(grid);
    footer.textContent = 'Definitions ' + data.definitions + '. A value not recorded is 0; n/a: not available.';
    main.dataset.state = 'ready';
  }

  const path = location.pathname;
  const run = path === '/' ? listBoards()
            : path.startsWith('/board/') ? showBoard(decodeURIComponent(path.slice('/board/'.length)))
            : Promise.reject(new Error('no such page'));
  run.catch((e) => fail(e.message));
})();
