'use strict';
// The approval queue: pending requests with Approve / Deny, the history of decided ones, and the
// request a Slack or Teams card links to (approvals.html?id=<id>).
(() => {
  const { el, $, api, status, timeEl, number, badge, fill, param } = PG;
  const DECIDED = ['APPROVED', 'DENIED', 'EXPIRED', 'CANCELLED'];
  const REFRESH_MS = 10000;
  const requestedId = param('id');
  let who = null;

  function expiresIn(iso) {
    const ms = new Date(iso) - Date.now();
    if (isNaN(ms)) return '';
    if (ms <= 0) return 'expired';
    const min = Math.floor(ms / 60000);
    return 'in ' + (min > 0 ? min + ' min ' : '') + Math.floor((ms % 60000) / 1000) + ' s';
  }

  function facts(a) {
    const list = el('dl', { class: 'facts' });
    const add = (name, ...value) => list.append(el('dt', {}, name), el('dd', {}, ...value));
    add('Requested by', el('strong', { class: 'requester' }, a.subject), ' (' + (a.groups || []).join(', ') + ')');
    add('From', el('span', { class: 'mono' }, a.clientAddress || ''));
    add('Database', el('span', { class: 'mono' }, a.database || ''));
    add('Session', a.sessionId && who.may.audit
        ? el('a', { href: '/console/session.html?id=' + encodeURIComponent(a.sessionId) }, a.sessionId)
        : el('span', { class: 'mono' }, a.sessionId || ''));
    add(a.budget ? 'Budget spent' : 'Rule', el('span', { class: 'rule' }, a.rule || ''));
    add('Estimated rows', el('span', { class: 'estimate' },
        a.estimatedRows === null || a.estimatedRows === undefined ? 'not estimated' : number(a.estimatedRows)));
    add('Requested', timeEl(a.createdAt));
    if (a.policyVersion) add('Policy version', el('span', { class: 'mono' }, a.policyVersion));
    if (a.status === 'PENDING') {
      add('Expires', timeEl(a.expiresAt), ' (' + expiresIn(a.expiresAt) + ')');
    } else {
      add('Decided', a.decidedBy ? el('strong', { class: 'decided-by' }, a.decidedBy) : '—', ' ',
          a.decidedAt ? timeEl(a.decidedAt) : '');
      if (a.reason) add('Reason', el('span', { class: 'decision-reason' }, a.reason));
      if (a.grantUntil) {
        add('Also covers', (a.budget ? 'every statement by ' + a.subject + ' on the tables of budget ' + a.budget
            : 'the same statement by ' + a.subject) + ' until ', timeEl(a.grantUntil));
      }
    }
    return list;
  }

  /** Shows an outcome in the card and in the page's decision line, which survives the refresh. */
  function tell(message, kind, text, result) {
    for (const node of [message, $('decision')]) {
      node.className = 'notice ' + kind + (node === message ? ' outcome' : '');
      node.textContent = text;
      node.hidden = false;
      if (result) {
        node.dataset.result = result;
      } else {
        delete node.dataset.result;
      }
    }
  }

  async function decide(a, approve, reasonInput, message, buttons) {
    const reason = reasonInput.value.trim();
    if (!approve && !reason) {
      tell(message, 'bad', 'Say why you deny it: the requester sees the reason.');
      reasonInput.focus();
      return;
    }
    buttons.forEach(b => { b.disabled = true; });
    try {
      const r = await api('/api/approvals/' + encodeURIComponent(a.id) + '/' + (approve ? 'approve' : 'deny'),
          { method: 'POST', body: { reason } });
      tell(message, r.result === 'DECIDED' ? 'ok' : 'bad', a.id + ': ' + (r.message || (r.result + ', ' + r.status)),
          r.result);
      reasonInput.value = '';
      setTimeout(refresh, 1000);
    } catch (e) {
      tell(message, 'bad', e.message);
      buttons.forEach(b => { b.disabled = false; });
    }
  }

  function card(a, highlight) {
    const node = el('div', { class: 'card approval' + (highlight ? ' highlight' : ''), dataset: { approvalId: a.id } },
        el('div', {}, badge(a.status), ' ', el('span', { class: 'mono muted' }, a.id)),
        el('pre', { class: 'statement' }, a.statement || ''),
        facts(a));
    if (a.status === 'PENDING' && who.may.approve) {
      const reason = el('input', { class: 'reason', placeholder: 'Reason (required to deny)', maxlength: 500,
        'aria-label': 'Reason' });
      const message = el('p', { class: 'notice outcome', hidden: true, role: 'status' });
      const approve = el('button', { class: 'approve', type: 'button' }, 'Approve');
      const deny = el('button', { class: 'deny', type: 'button' }, 'Deny');
      approve.addEventListener('click', () => decide(a, true, reason, message, [approve, deny]));
      deny.addEventListener('click', () => decide(a, false, reason, message, [approve, deny]));
      node.append(el('div', { class: 'actions' }, reason, approve, deny), message);
    }
    return node;
  }

  function historyRow(a) {
    return el('tr', { dataset: { approvalId: a.id } },
        el('td', {}, badge(a.status)),
        el('td', {}, timeEl(a.createdAt)),
        el('td', {}, a.subject),
        el('td', { class: 'mono truncate', title: a.statement }, a.statement),
        el('td', {}, a.rule || ''),
        el('td', { class: 'num' }, number(a.estimatedRows)),
        el('td', {}, a.decidedBy || ''),
        el('td', {}, a.decidedAt ? timeEl(a.decidedAt) : ''),
        el('td', {}, a.reason || ''));
  }

  /** A person typing a reason must not have the card replaced under them. */
  function busy() {
    return [...document.querySelectorAll('input.reason')].some(i => i.value || i === document.activeElement);
  }

  async function loadRequested() {
    if (!requestedId) return;
    $('requested').hidden = false;
    $('requested-id').textContent = requestedId;
    try {
      fill($('requested-card'), card(await api('/api/approvals/' + encodeURIComponent(requestedId)), true));
    } catch (e) {
      fill($('requested-card'), el('p', { class: 'notice bad' },
          e.status === 404 ? 'There is no approval request ' + requestedId + '.' : e.message));
    }
  }

  async function loadPending() {
    const pending = await api('/api/approvals?status=PENDING');
    const others = pending.filter(a => a.id !== requestedId);
    fill($('pending'), others.map(a => card(a, false)));
    $('pending-empty').hidden = pending.length > 0;
  }

  async function loadHistory() {
    const lists = await Promise.all(DECIDED.map(s => api('/api/approvals?status=' + s)));
    const decided = lists.flat().sort((x, y) => String(y.decidedAt || y.createdAt).localeCompare(
        String(x.decidedAt || x.createdAt)));
    fill($('history').tBodies[0], decided.map(historyRow));
  }

  async function refresh() {
    try {
      await Promise.all([loadRequested(), loadPending(), loadHistory()]);
      status('');
    } catch (e) {
      status(e.message, 'bad');
    }
  }

  PG.me().then(me => {
    who = me;
    if (!who.may.readApprovals) {
      status('Approvals are for the approver and admin groups.', 'bad');
      return;
    }
    $('approver-note').hidden = who.may.approve;
    $('refresh').addEventListener('click', refresh);
    refresh();
    setInterval(() => { if (!busy()) refresh(); }, REFRESH_MS);
  }).catch(() => {});
})();
