'use strict';
// Replays one recorded session statement by statement: the text, the decision and why, timing,
// errors, and the result table exactly as the client received it (masked values stay masked).
(() => {
  const { el, $, api, status, timeEl, number, durationMs, badge, fill, param } = PG;
  const PAGE = 500;
  const PLAY_INTERVAL_MS = 1500;
  /** What the gateway's masks leave behind; shown highlighted so a reader sees what was hidden. */
  const MASKED = /^\*{3,}|\*{4,}|^[^@\s]\*{3}@/;

  const id = param('id');
  let session = null;
  let approvals = [];
  const statements = [];
  let complete = false;
  let current = -1;
  let timer = null;

  async function loadMore() {
    if (complete) return false;
    const fromSeq = statements.length ? statements[statements.length - 1].seq + 1 : 1;
    const detail = await api('/api/sessions/' + encodeURIComponent(id) + '?fromSeq=' + fromSeq + '&limit=' + PAGE);
    session = detail.session;
    approvals = detail.approvals || approvals;
    statements.push(...detail.statements);
    complete = detail.statements.length < PAGE;
    renderTimeline();
    return detail.statements.length > 0;
  }

  function fact(list, name, ...value) {
    list.append(el('dt', {}, name), el('dd', {}, ...value));
  }

  function renderSession() {
    $('session-id').textContent = session.id;
    const facts = $('session-facts');
    facts.replaceChildren();
    fact(facts, 'Subject', el('strong', { id: 'session-subject' }, session.subject));
    fact(facts, 'Groups', (session.groups || []).join(', '));
    fact(facts, 'Role', el('span', { class: 'mono' }, session.role));
    fact(facts, 'Client', el('span', { class: 'mono' }, session.clientAddress), session.tls ? ' (TLS)' : ' (no TLS)');
    fact(facts, 'Application', session.applicationName || '');
    fact(facts, 'Started', timeEl(session.startedAt));
    fact(facts, 'Ended', session.endedAt ? timeEl(session.endedAt) : 'still open',
        session.endReason ? ' — ' + session.endReason : '');
    fact(facts, 'Totals', number(session.statements) + ' statements, ' + number(session.rows) + ' rows, '
        + number(session.bytes) + ' bytes');
    if (approvals.length) {
      fact(facts, 'Approval requests', el('ul', { id: 'session-approvals' }, approvals.map(a => el('li', {},
          el('a', { href: '/console/approvals.html?id=' + encodeURIComponent(a.id) }, a.id), ' ', badge(a.status),
          a.decidedBy ? ' by ' + a.decidedBy : '', a.reason ? ' (' + a.reason + ')' : '', ' — ',
          el('span', { class: 'mono' }, a.rule || '')))));
    }
  }

  function renderTimeline() {
    const items = statements.map((s, i) => el('li', { dataset: { index: i, seq: s.seq }, onclick: () => show(i) },
        el('span', { class: 'muted' }, '#' + s.seq + ' '), badge(s.decision), ' ', s.sqlState ? badge(s.sqlState, 'refused') : null,
        el('span', { class: 'text mono' }, s.text)));
    if (!complete) {
      items.push(el('li', { class: 'muted', onclick: () => loadMore().catch(e => status(e.message, 'bad')) },
          'More statements…'));
    }
    fill($('timeline'), items);
    highlight();
  }

  function highlight() {
    for (const li of $('timeline').children) {
      const on = Number(li.dataset.index) === current;
      li.classList.toggle('current', on);
      if (on) li.scrollIntoView({ block: 'nearest' });
    }
  }

  function renderParameters(parameters) {
    const box = $('parameters-box');
    box.hidden = parameters === null || parameters === undefined || (Array.isArray(parameters) && !parameters.length);
    if (box.hidden) return;
    $('parameters').textContent = Array.isArray(parameters)
        ? parameters.map((p, i) => '$' + (i + 1) + ' = ' + (p === null ? 'NULL' : String(p))).join('\n')
        : JSON.stringify(parameters, null, 2);
  }

  function cell(value) {
    if (value === null || value === undefined) return el('td', { class: 'null' }, 'NULL');
    const text = typeof value === 'object' ? JSON.stringify(value) : String(value);
    return el('td', { class: MASKED.test(text) ? 'masked' : undefined }, text);
  }

  function renderResult(result) {
    const table = $('result');
    const note = $('result-note');
    if (!result || !result.columns) {
      fill(table.tHead);
      fill(table.tBodies[0]);
      note.textContent = 'No rows were returned.';
      return;
    }
    fill(table.tHead, el('tr', {}, result.columns.map(c => el('th', { title: c.type }, c.name,
        el('div', { class: 'muted mono' }, c.type)))));
    fill(table.tBodies[0], (result.rows || []).map(r => el('tr', {}, r.map(cell))));
    const shown = (result.rows || []).length;
    note.textContent = result.truncated
        ? 'Showing the first ' + number(shown) + ' of ' + number(result.totalRows) + ' rows: the capture was truncated.'
        : number(shown) + ' row' + (shown === 1 ? '' : 's') + ', as the client received them.';
  }

  function render() {
    const s = statements[current];
    $('statement').hidden = false;
    $('seq').textContent = '#' + s.seq;
    fill($('decision'), badge(s.decision));
    $('statement-text').textContent = s.text;
    renderParameters(s.parameters);
    const facts = $('statement-facts');
    facts.replaceChildren();
    fact(facts, 'Decision', el('span', { id: 'decision-text' }, s.decision || ''));
    fact(facts, 'Rule', el('span', { id: 'rule' }, s.rule || '—'));
    fact(facts, 'Policy version', el('span', { class: 'mono' }, s.policyVersion || ''));
    if (s.approvalId) {
      fact(facts, 'Approval', el('a', { href: '/console/approvals.html?id=' + encodeURIComponent(s.approvalId) },
          s.approvalId));
    }
    fact(facts, 'Started', timeEl(s.startedAt));
    fact(facts, 'Took', el('span', { id: 'took' }, durationMs(s.startedAt, s.finishedAt)));
    fact(facts, 'Rows', s.rows === null || s.rows === undefined ? '—' : number(s.rows));
    fact(facts, 'Bytes', number(s.bytes));
    fact(facts, 'Record hash', el('span', { class: 'mono' }, s.hash || ''));
    const error = $('statement-error');
    error.hidden = !s.sqlState && !s.message;
    error.textContent = error.hidden ? '' : (s.sqlState ? s.sqlState + ': ' : '') + (s.message || '');
    renderResult(s.result);
    const total = session.statements || statements.length;
    $('position').textContent = 'Statement ' + (current + 1) + ' of ' + total;
    $('first').disabled = $('prev').disabled = current <= 0;
    $('next').disabled = $('last').disabled = current >= total - 1 && complete;
    highlight();
    const url = new URL(location.href);
    url.searchParams.set('seq', s.seq);
    history.replaceState(null, '', url);
  }

  async function show(index) {
    while (index >= statements.length && !complete) {
      if (!(await loadMore())) break;
    }
    if (!statements.length) return;
    current = Math.max(0, Math.min(index, statements.length - 1));
    render();
  }

  function step(delta) {
    return show(current + delta).catch(e => status(e.message, 'bad'));
  }

  async function toLast() {
    while (!complete) {
      if (!(await loadMore())) break;
    }
    return show(statements.length - 1);
  }

  function stopPlaying() {
    clearInterval(timer);
    timer = null;
    $('play').textContent = '\u25B6 Play';
  }

  function togglePlay() {
    if (timer) {
      stopPlaying();
      return;
    }
    if (complete && current >= statements.length - 1) show(0);
    $('play').textContent = 'Pause';
    timer = setInterval(async () => {
      if (complete && current >= statements.length - 1) {
        stopPlaying();
        return;
      }
      await step(1);
    }, PLAY_INTERVAL_MS);
  }

  function bindControls() {
    $('first').addEventListener('click', () => { stopPlaying(); show(0); });
    $('prev').addEventListener('click', () => { stopPlaying(); step(-1); });
    $('next').addEventListener('click', () => { stopPlaying(); step(1); });
    $('last').addEventListener('click', () => { stopPlaying(); toLast().catch(e => status(e.message, 'bad')); });
    $('play').addEventListener('click', togglePlay);
    document.addEventListener('keydown', e => {
      if (e.target instanceof HTMLInputElement || e.target instanceof HTMLTextAreaElement) return;
      const keys = { ArrowLeft: () => step(-1), ArrowRight: () => step(1), Home: () => show(0), End: () => toLast() };
      if (keys[e.key]) {
        stopPlaying();
        keys[e.key]();
        e.preventDefault();
      } else if (e.key === ' ') {
        togglePlay();
        e.preventDefault();
      }
    });
  }

  PG.me().then(async who => {
    if (!who.may.audit) {
      status('Replays are for the auditor groups.', 'bad');
      return;
    }
    if (!id) {
      status('No session given: open one from the sessions list.', 'bad');
      return;
    }
    bindControls();
    try {
      await loadMore();
      renderSession();
      if (!statements.length) {
        status('This session ran no statements.');
        $('position').textContent = 'No statements';
        for (const b of ['first', 'prev', 'play', 'next', 'last']) $(b).disabled = true;
        return;
      }
      const seq = Number(param('seq'));
      const wanted = seq ? statements.findIndex(s => s.seq === seq) : 0;
      await show(wanted < 0 ? 0 : wanted);
    } catch (e) {
      status(e.status === 404 ? 'There is no recorded session ' + id + '.' : e.message, 'bad');
    }
  }).catch(() => {});
})();
