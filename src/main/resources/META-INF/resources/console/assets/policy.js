'use strict';
// The active policy, read-only, with its version.
PG.me().then(async who => {
  if (!who.may.viewPolicy) {
    PG.status('Viewing the policy needs one of the admin groups.', 'bad');
    return;
  }
  try {
    const p = await PG.api('/api/policy');
    PG.$('policy-version').textContent = p.version;
    PG.$('policy-file').textContent = p.file;
    PG.$('policy-yaml').textContent = p.yaml;
    const error = PG.$('policy-error');
    error.hidden = !p.lastReloadError;
    error.textContent = p.lastReloadError ? 'The last change to the file was rejected (the version above stays active): '
        + p.lastReloadError : '';
  } catch (e) {
    PG.status(e.message, 'bad');
  }
}).catch(() => {});
