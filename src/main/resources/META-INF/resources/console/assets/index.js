'use strict';
// Overview: the count of pending approvals, for those who may see them.
PG.me().then(async who => {
  if (!who.may.readApprovals) return;
  try {
    const pending = await PG.api('/api/approvals?status=PENDING');
    const badge = PG.$('pending-count');
    badge.textContent = pending.length + ' pending';
    badge.hidden = pending.length === 0;
  } catch (e) {
    // The overview works without the count.
  }
}).catch(() => {});
