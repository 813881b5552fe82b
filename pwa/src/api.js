// The network wrapper: the only module that calls fetch for data. It never throws: every
// call returns {ok: true, data} or {ok: false, network | status, error}. Only a JSON answer
// of the expected shape counts as success (a captive portal's 200 HTML page does not).

const isObject = (value) => value !== null && typeof value === 'object' && !Array.isArray(value);
const isInt = (value) => Number.isInteger(value);

const SHAPES = {
  device: (d) => isObject(d) && typeof d.token === 'string' && typeof d.epoch === 'string' &&
    isObject(d.user) && typeof d.user.username === 'string',
  pull: (d) => isObject(d) && Array.isArray(d.changes) && typeof d.next_cursor === 'string' &&
    typeof d.has_more === 'boolean' && isInt(d.acked_seq),
  push: (d) => isObject(d) && Array.isArray(d.results) && isInt(d.acked_seq) &&
    d.results.every((r) => isObject(r) && isInt(r.device_seq) && typeof r.status === 'string'),
  photo: (d) => isObject(d) && typeof d.sha256 === 'string',
  visits: (d) => Array.isArray(d) && d.every((v) => isObject(v) && typeof v.id === 'string'),
  providers: (d) => Array.isArray(d) &&
    d.every((p) => isObject(p) && typeof p.name === 'string' && typeof p.label === 'string'),
};

async function readJson(response) {
  const type = response.headers.get('content-type') || '';
  if (!type.includes('application/json')) return undefined;
  try {
    return await response.json();
  } catch {
    return undefined;
  }
}

/** The API client for one server origin; `fetchImpl` is injectable for tests. */
export function createApi({ baseUrl = '', fetchImpl = (...args) => fetch(...args) } = {}) {
  async function request(method, path, { token, json, body, contentType, shape, binary } = {}) {
    const headers = { Accept: 'application/json' };
    if (token) headers.Authorization = `Bearer ${token}`;
    if (json !== undefined) {
      headers['Content-Type'] = 'application/json';
      body = JSON.stringify(json);
    } else if (contentType) {
      headers['Content-Type'] = contentType;
    }
    let response;
    try {
      response = await fetchImpl(baseUrl + path, { method, headers, body, cache: 'no-store' });
    } catch (error) {
      return { ok: false, network: true, error: { code: 'network', message: String(error) } };
    }
    if (binary && response.ok) {
      const type = response.headers.get('content-type') || '';
      if (!type.startsWith('image/')) return badResponse(response.status);
      try {
        return { ok: true, data: await response.arrayBuffer(), type };
      } catch (error) {
        return { ok: false, network: true, error: { code: 'network', message: String(error) } };
      }
    }
    const data = await readJson(response);
    if (!response.ok) {
      if (isObject(data) && typeof data.code === 'string') {
        return { ok: false, status: response.status, error: data };
      }
      // Not our server's error shape: a proxy, a portal or a dying connection.
      return { ok: false, network: true, status: response.status, error: { code: 'bad_response' } };
    }
    if (data === undefined || (shape && !SHAPES[shape](data))) return badResponse(response.status);
    return { ok: true, data };
  }

  function badResponse(status) {
    return {
      ok: false,
      network: true,
      status,
      error: { code: 'bad_response', message: 'Svaret kom inte från OTTO-servern.' },
    };
  }

  return {
    registerDevice: (fields) =>
      request('POST', '/api/auth/device', { json: fields, shape: 'device' }),
    // After signing in through an identity provider: the browser's session registers the tablet.
    registerSignedInDevice: (fields) =>
      request('POST', '/api/auth/device/session', { json: fields, shape: 'device' }),
    identityProviders: () => request('GET', '/api/auth/providers', { shape: 'providers' }),
    pull: (session, cursor, limit = 500) =>
      request('GET', `/api/sync/pull?cursor=${encodeURIComponent(cursor)}&limit=${limit}`, {
        token: session.token,
        shape: 'pull',
      }),
    push: (session, mutations) =>
      request('POST', '/api/sync/push', {
        token: session.token,
        json: { device_id: session.deviceId, epoch: session.epoch, mutations },
        shape: 'push',
      }),
    uploadPhoto: (session, sha256, bytes, type) =>
      request('PUT', `/api/photos/${sha256}`, {
        token: session.token,
        body: bytes,
        contentType: type,
        shape: 'photo',
      }),
    archivedVisits: (session) =>
      request('GET', '/api/archived-visits?page_size=50', { token: session.token, shape: 'visits' }),
    photoThumb: (session, sha256) =>
      request('GET', `/api/photos/${sha256}?size=thumb`, { token: session.token, binary: true }),
  };
}
