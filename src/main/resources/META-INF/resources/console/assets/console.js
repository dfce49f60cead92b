/*
 * pgwarden console: what every page shares. Everything shown comes from statements, results and
 * requests that agents control, so nothing here ever writes HTML: elements are built with
 * createElement and filled with textContent (PG.el), and the CSP forbids inline script anyway.
 */
'use strict';

const PG = (() => {
  /** An API answer that was not 2xx. */
  class ApiError extends Error {
    constructor(status, message) { super(message); this.status = status; }
  }

  const RELOGIN = 'pgwarden.relogin';

  /**
   * Calls the gateway's API with the console session. X-Requested-With marks the call as the
   * console's own (the gateway ignores the session cookie without it: CSRF), and makes an ended
   * session answer 499 instead of a redirect to the identity provider.
   */
  async function api(path, options = {}) {
    const headers = { 'X-Requested-With': 'JavaScript', 'Accept': 'application/json' };
    const init = { method: options.method || 'GET', headers, credentials: 'same-origin', redirect: 'error' };
    if (options.body !== undefined) {
      headers['Content-Type'] = 'application/json';
      init.body = JSON.stringify(options.body);
    }
    let res;
    try {
      res = await fetch(path, init);
    } catch (e) {
      throw new ApiError(0, 'The gateway could not be reached (' + e.message + ').');
    }
    if (res.status === 499 || res.status === 401) {
      // The login session ended: reload once so the page goes through the login again.
      if (!sessionStorage.getItem(RELOGIN)) {
        sessionStorage.setItem(RELOGIN, '1');
        location.reload();
      }
      throw new ApiError(res.status, 'Your session has ended. Reload the page to log in again.');
    }
    sessionStorage.removeItem(RELOGIN);
    const text = await res.text();
    if (!res.ok) {
      let message = text;
      try {
        const json = JSON.parse(text);
        message = json.message || json.title || json.details || text;
      } catch (ignored) { /* plain text */ }
      if (res.status === 403) {
        message = 'Not allowed for your groups.' + (message ? ' ' + message : '');
      }
      throw new ApiError(res.status, message || ('HTTP ' + res.status));
    }
    return text ? JSON.parse(text) : null;
  }

  /** el('td', {class: 'num', title: x}, 'text', childNode...): text children become text nodes, never HTML. */
  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [name, value] of Object.entries(attrs || {})) {
      if (value === undefined || value === null || value === false) {
        continue;
      }
      if (name === 'class') {
        node.className = value;
      } else if (name === 'dataset') {
        Object.assign(node.dataset, value);
      } else if (name.startsWith('on') && typeof value === 'function') {
        node.addEventListener(name.substring(2), value);
      } else if (name === 'href' && !/^(\/|\?|#|https?:)/.test(String(value))) {
        throw new Error('refusing a link that is not http(s) or relative');
      } else {
        node.setAttribute(name, value === true ? '' : String(value));
      }
    }
    append(node, children);
    return node;
  }

  function append(node, children) {
    for (const child of children.flat()) {
      if (child === undefined || child === null || child === false) {
        continue;
      }
      node.appendChild(child instanceof Node ? child : document.createTextNode(String(child)));
    }
    return node;
  }

  function $(id) { return document.getElementById(id); }

  function fill(node, ...children) {
    node.replaceChildren();
    return append(node, children);
  }

  /** Shows a message (or an error) in the page's status line. */
  function status(message, kind) {
    const node = $('status');
    if (!node) return;
    node.hidden = !message;
    node.className = 'notice' + (kind ? ' ' + kind : '');
    node.textContent = message || '';
  }

  function time(iso) {
    if (!iso) return '';
    const d = new Date(iso);
    return isNaN(d) ? String(iso) : d.toLocaleString();
  }

  function timeEl(iso) {
    return el('time', { datetime: iso || undefined, title: iso || undefined }, time(iso));
  }

  function durationMs(from, to) {
    if (!from || !to) return '';
    const ms = new Date(to) - new Date(from);
    if (isNaN(ms)) return '';
    return ms < 1000 ? ms.toFixed(ms < 10 ? 2 : 0) + ' ms' : (ms / 1000).toFixed(2) + ' s';
  }

  function number(n) {
    return n === undefined || n === null ? '' : Number(n).toLocaleString();
  }

  function badge(text, kind) {
    return el('span', { class: 'badge ' + (kind || text || 'other') }, text || '');
  }

  function param(name) {
    return new URLSearchParams(location.search).get(name);
  }

  let mePromise;

  /**
   * Who is logged in and what they may do: fills the header, shows only the navigation that works
   * for them (elements with data-needs="audit|approve|viewPolicy", several separated by spaces:
   * any one suffices).
   */
  function me() {
    if (!mePromise) {
      mePromise = api('/api/me').then(who => {
        fill($('user'), who.subject);
        fill($('groups'), who.groups.length ? who.groups.join(', ') : 'no groups');
        for (const node of document.querySelectorAll('[data-needs]')) {
          node.hidden = !node.dataset.needs.split(' ').some(c => who.may[c]);
        }
        const here = location.pathname.replace(/\/$/, '/index.html');
        for (const a of document.querySelectorAll('header.top nav a')) {
          a.classList.toggle('current', a.getAttribute('href') === here);
        }
        return who;
      });
      mePromise.catch(e => status(e.message, 'bad'));
    }
    return mePromise;
  }

  document.addEventListener('DOMContentLoaded', () => { me(); });

  return { api, ApiError, el, append, fill, $, status, time, timeEl, durationMs, number, badge, param, me };
})();
