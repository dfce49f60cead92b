'use strict';
// The recorded sessions with filters; the filters live in the page's URL so a search can be shared.
(() => {
  const { el, $, api, status, timeEl, number, fill } = PG;
  const FIELDS = ['subject', 'from', 'to', 'decision', 'limit'];

  /** datetime-local (the browser's local time) <-> ISO-8601 instant (the API's). */
  function toInstant(local) {
    if (!local) return '';
    const d = new Date(local);
    return isNaN(d) ? '' : d.toISOString();
  }

  function toLocal(iso) {
    const d = new Date(iso);
    if (!iso || isNaN(d)) return '';
    const pad = n => String(n).padStart(2, '0');
    return d.getFullYear() + '-' + pad(d.getMonth() + 1) + '-' + pad(d.getDate()) + 'T' + pad(d.getHours()) + ':'
        + pad(d.getMinutes()) + ':' + pad(d.getSeconds());
  }

  function fromUrl() {
    const q = new URLSearchParams(location.search);
    $('f-subject').value = q.get('subject') || '';
    $('f-from').value = toLocal(q.get('from'));
    $('f-to').value = toLocal(q.get('to'));
    $('f-decision').value = q.get('decision') || '';
    $('f-limit').value = q.get('limit') || '100';
  }

  function query() {
    const values = {
      subject: $('f-subject').value.trim(),
      from: toInstant($('f-from').value),
      to: toInstant($('f-to').value),
      decision: $('f-decision').value,
      limit: $('f-limit').value || '100',
    };
    const q = new URLSearchParams();
    for (const f of FIELDS) {
      if (values[f]) q.set(f, values[f]);
    }
    return q;
  }

  function row(s) {
    const replay = '/console/session.html?id=' + encodeURIComponent(s.id);
    const tr = el('tr', { class: 'clickable', dataset: { sessionId: s.id } },
      el('td', {}, timeEl(s.startedAt)),
      el('td', {}, s.subject),
      el('td', {}, (s.groups || []).join(', ')),
      el('td', { class: 'mono' }, s.role),
      el('td', { class: 'mono' }, s.clientAddress),
      el('td', {}, s.applicationName),
      el('td', {}, s.tls ? 'yes' : 'no'),
      el('td', {}, s.endedAt ? timeEl(s.endedAt) : el('span', { class: 'badge PENDING' }, 'open'),
        s.endReason ? el('div', { class: 'muted' }, s.endReason) : null),
      el('td', { class: 'num' }, number(s.statements)),
      el('td', { class: 'num' }, number(s.rows)),
      el('td', { class: 'num' }, number(s.bytes)),
      el('td', {}, el('a', { href: replay, class: 'replay-link' }, 'Replay')));
    tr.addEventListener('click', e => {
      if (!(e.target instanceof HTMLAnchorElement)) location.href = replay;
    });
    return tr;
  }

  async function load() {
    const q = query();
    history.replaceState(null, '', '?' + q.toString());
    status('Loading…');
    try {
      const sessions = await api('/api/sessions?' + q.toString());
      fill($('sessions').tBodies[0], sessions.map(row));
      $('sessions').dataset.query = q.toString(); // which search the table shows
      $('count').textContent = sessions.length === 0 ? 'No sessions match.'
          : sessions.length + ' session' + (sessions.length === 1 ? '' : 's') + ', newest first.';
      status('');
    } catch (e) {
      fill($('sessions').tBodies[0]);
      status(e.message, 'bad');
    }
  }

  PG.me().then(who => {
    if (!who.may.audit) {
      status('Sessions are for the auditor groups.', 'bad');
      $('filters').hidden = true;
      return;
    }
    fromUrl();
    $('filters').addEventListener('submit', e => { e.preventDefault(); load(); });
    load();
  }).catch(() => {});
})();
