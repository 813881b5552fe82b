// Sign-in: register this tablet as a device (needs the network once); afterwards the app
// opens offline, straight to the inspector's visits.

import { useEffect, useState } from 'preact/hooks';

import { deviceId as getDeviceId, startSession } from '../db.js';
import { html, useApp } from '../ui.js';

const MESSAGES = {
  invalid_credentials: 'Fel användarnamn eller lösenord.',
  login_locked: 'För många misslyckade försök. Vänta en stund och försök igen.',
  local_login_off: 'Inloggning med lösenord är avstängd. Logga in via din organisation.',
  not_signed_in: 'Inloggningen via din organisation blev inte klar. Försök igen.',
};
// The identity provider sends the browser back here after signing in (otto.web.sso).
const SSO_RETURN = '#/sso';

const REASONS = {
  signed_out: 'Du har loggat ut. Enhetens data har raderats härifrån och finns kvar på servern.',
  device_revoked: 'Enheten har spärrats av en administratör. Alla data som fanns på enheten ' +
    'har raderats härifrån; det som redan var synkat finns kvar på servern.',
};

function deviceName() {
  const agent = navigator.userAgent;
  const kind = /iPad|Tablet|Android/.test(agent) ? 'Surfplatta' : 'Dator';
  return `${kind} (${navigator.platform || 'okänd'})`.slice(0, 80);
}

export function SignInScreen({ signedOut }) {
  const { db, api, syncer } = useApp();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState(null);
  const [providers, setProviders] = useState([]);

  useEffect(() => {
    api.identityProviders().then((result) => result.ok && setProviders(result.data));
    if (location.hash === SSO_RETURN) register((fields) => api.registerSignedInDevice(fields));
  }, []);

  async function submit(event) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    await register((fields) => api.registerDevice({
      ...fields,
      username: String(form.get('username')).trim(),
      password: String(form.get('password')),
    }));
  }

  async function register(call) {
    setBusy(true);
    setError(null);
    const deviceId = await getDeviceId(db);
    const result = await call({ device_id: deviceId, device_name: deviceName() });
    setBusy(false);
    if (!result.ok) {
      setError(result.network
        ? 'Ingen kontakt med servern. Inloggningen kräver nätverk första gången.'
        : MESSAGES[result.error.code] || result.error.message || 'Inloggningen misslyckades.');
      return;
    }
    const { token, epoch, user } = result.data;
    await startSession(db, { token, deviceId, epoch, user });
    location.hash = '#/';
    syncer.syncNow();
  }

  return html`<section class="sign-in">
    <h1>Logga in</h1>
    ${signedOut?.reason ? html`<div class="notice warning" role="alert">
      ${REASONS[signedOut.reason] || 'Du har loggats ut.'}</div>` : null}
    <p>Logga in en gång med nätverk. Sedan fungerar appen även utan täckning.</p>
    ${providers.map((provider) => html`<p><a class="button primary"
      href=${`/login/sso/${encodeURIComponent(provider.name)}?next=${encodeURIComponent(`${location.pathname}${SSO_RETURN}`)}`}>
      Logga in med ${provider.label}</a></p>`)}
    <form onSubmit=${submit}>
      <label for="username">Användarnamn</label>
      <input id="username" name="username" autocomplete="username" autocapitalize="none" required />
      <label for="password">Lösenord</label>
      <input id="password" name="password" type="password" autocomplete="current-password" required />
      ${error ? html`<p class="error" role="alert">${error}</p>` : null}
      <button type="submit" class="primary" disabled=${busy}>${busy ? 'Loggar in…' : 'Logga in'}</button>
    </form>
  </section>`;
}
