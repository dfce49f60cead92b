'use strict';
// Per-identity budgets: each budget of the active policy, every identity's usage in the last 60
// minutes (as this replica sees it) and the latest crossings. Admin and auditor groups.
(() => {
  const { el, $, api, status, timeEl, number, badge, fill } = PG;
  const REFRESH_MS = 10000;

  /** "1,234 of 5,000" (or just the count when the budget has no such limit). */
  function used(value, limit) {
    return limit === null || limit === undefined ? number(value) : number(value) + ' of ' + number(limit);
  }

  function limits(b) {
    const parts = [];
    if (b.rowsPerHour !== null) parts.push(number(b.rowsPerHour) + ' rows');
    if (b.bytesPerHour !== null) parts.push(number(b.bytesPerHour) + ' bytes');
    if (b.lookupsPerHour !== null) parts.push(number(b.lookupsPerHour) + ' lookups on masked columns');
    return parts.join(', ') + ' per hour';
  }

  function subjectRow(b, s) {
    const state = s.grantApproval
      ? [badge('granted', 'APPROVED'), ' by ', el('a', { href: '/console/approvals.html?id=' + encodeURIComponent(s.grantApproval) },
          s.grantApproval), ' until ', timeEl(s.grantUntil)]
      : s.spent ? [badge('spent', 'DENIED'), ' its next statement waits for approval'] : [badge('within', 'allowed')];
    return el('tr', { dataset: { subject: s.subject } },
      el('td', { class: 'subject' }, s.subject),
      el('td', { class: 'num rows' }, used(s.rows, b.rowsPerHour)),
      el('td', { class: 'num bytes' }, used(s.bytes, b.bytesPerHour)),
      el('td', { class: 'num lookups' }, used(s.lookups, b.lookupsPerHour)),
      el('td', { class: 'state' }, ...state));
  }

  function budgetCard(b) {
    const facts = el('dl', { class: 'facts' });
    const add = (name, ...value) => facts.append(el('dt', {}, name), el('dd', {}, ...value));
    add('Groups', b.groups.length ? b.groups.join(', ') : 'everyone');
    add('Tables', el('span', { class: 'mono' }, b.tables.join(', ')));
    add('Limit', limits(b));
    add('An approval', b.grantMinutes ? 'lifts it for ' + b.grantMinutes + ' minutes' : 'covers the held statement only');
    const rows = b.subjects.map(s => subjectRow(b, s));
    return el('section', { class: 'card budget', dataset: { budget: b.name } },
      el('h2', {}, b.name),
      facts,
      rows.length === 0 ? el('p', { class: 'muted' }, 'Nobody used it in the last hour.')
        : el('table', { class: 'usage' },
            el('thead', {}, el('tr', {}, el('th', {}, 'Identity'), el('th', { class: 'num' }, 'Rows'),
              el('th', { class: 'num' }, 'Bytes'), el('th', { class: 'num' }, 'Lookups'), el('th', {}, 'State'))),
            el('tbody', {}, rows)));
  }

  function crossingRow(c) {
    return el('tr', {},
      el('td', {}, timeEl(c.crossedAt)),
      el('td', {}, c.budget),
      el('td', { class: 'subject' }, c.subject),
      el('td', { class: 'num' }, used(c.rows, c.rowsPerHour)),
      el('td', { class: 'num' }, used(c.bytes, c.bytesPerHour)),
      el('td', { class: 'num' }, used(c.lookups, c.lookupsPerHour)),
      el('td', { class: 'mono' }, c.chainSeq === null ? '—' : String(c.chainSeq)));
  }

  async function load() {
    try {
      const r = await api('/api/budgets');
      const view = $('view');
      view.className = r.current ? 'muted' : 'notice bad';
      view.textContent = (r.current ? 'Usage in the last 60 minutes on every replica, as this one read it '
          : 'This replica cannot read the budget store: statements on budgeted tables are refused. Last read ')
          + (r.viewAgeMillis === null ? 'never' : number(r.viewAgeMillis) + ' ms ago') + '; policy ' + r.policyVersion + '.';
      fill($('budgets'), r.budgets.map(budgetCard));
      $('budgets-empty').hidden = r.budgets.length > 0;
      fill($('crossings').tBodies[0], r.crossings.map(crossingRow));
      status('');
    } catch (e) {
      status(e.message, 'bad');
    }
  }

  PG.me().then(who => {
    if (!who.may.audit && !who.may.viewPolicy) {
      status('Budgets need one of the admin or auditor groups.', 'bad');
      return;
    }
    $('refresh').addEventListener('click', load);
    load();
    setInterval(load, REFRESH_MS);
  }).catch(() => {});
})();
