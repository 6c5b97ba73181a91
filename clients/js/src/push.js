// The push transport of job-gateway's JavaScript client: AWS AppSync Events' WebSocket protocol, spoken to AppSync
// itself (deployed on AWS) or to the gateway's own endpoint (plain-HTTP mode), which serves the same protocol. One
// connection serves every wait and watch of a client (a list screen's many jobs are many subscriptions on it).
//
// Push only ever speeds things up: the gateway's reads stay the source of truth. A subscription that is refused, a
// connection that cannot be opened or that breaks, tells its subscribers, and they go back to long-polls.

export const SUBPROTOCOL = 'aws-appsync-event-ws';
/** How long connection_ack and subscribe_success may take before the attempt counts as failed. */
const HANDSHAKE_TIMEOUT_MS = 10_000;
/** AppSync's keep-alive timeout when connection_ack names none (it names 300000). */
const DEFAULT_KA_TIMEOUT_MS = 300_000;
/** After a connection failed, new subscriptions go straight to long-polls for this long (then try again). */
const RETRY_AFTER_FAILURE_MS = 30_000;

/** Why push is not (or no longer) in use: carries a short `reason` for onTransport. */
export class PushUnavailable extends Error {
  constructor(reason, detail) {
    super(detail ? `${reason}: ${detail}` : reason);
    this.name = 'PushUnavailable';
    this.reason = reason;
  }
}

/**
 * A job's channel (docs/push.md): the prefix (`/jobs/`), then `job` and the id's characters after `job_`, each `-`
 * written `-0` and each `_` written `-1` (a channel segment allows neither `_` nor a trailing `-`).
 */
export function jobChannel(id, prefix = '/jobs/') {
  const rest = id.startsWith('job_') ? id.slice(4) : id;
  return `${prefix}job${rest.replace(/[-_]/g, (c) => (c === '-' ? '-0' : '-1'))}`;
}

/** base64url without padding of a string's UTF-8 bytes (the `header-` subprotocol's encoding). */
export function base64Url(text) {
  const bytes = new TextEncoder().encode(text);
  let binary = '';
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

/** The two subprotocols of a connection: the protocol's name and the connection's auth headers. */
export function subprotocols(headers) {
  return [SUBPROTOCOL, `header-${base64Url(JSON.stringify(headers))}`];
}

/**
 * One WebSocket to a realtime endpoint: connection_init/ack, keep-alive watch, subscriptions by id. `onClose(reason)`
 * is called once, however it ends (closed by the peer, ka timeout, error, close()).
 */
export class PushConnection {
  #socket;
  #subscriptions = new Map();
  #nextId = 1;
  #kaTimer = null;
  #kaTimeoutMs = DEFAULT_KA_TIMEOUT_MS;
  #closed = false;
  #onClose;

  constructor(socket, onClose) {
    this.#socket = socket;
    this.#onClose = onClose;
  }

  /**
   * Opens a connection and waits for connection_ack. Rejects with PushUnavailable when the socket cannot be
   * opened, the server answers connection_error or closes, or no ack comes in time.
   */
  static open({ url, headers, WebSocket, onClose = () => {} }) {
    return new Promise((resolve, reject) => {
      let socket;
      try {
        socket = new WebSocket(url, subprotocols(headers));
      } catch (error) {
        reject(new PushUnavailable('connect-failed', error?.message));
        return;
      }
      const connection = new PushConnection(socket, onClose);
      let settled = false;
      const fail = (reason, detail) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        connection.close(reason);
        reject(new PushUnavailable(reason, detail));
      };
      const timer = setTimeout(() => fail('connect-timeout'), HANDSHAKE_TIMEOUT_MS);
      socket.onopen = () => socket.send(JSON.stringify({ type: 'connection_init' }));
      socket.onerror = () => {}; // a close follows, with its code
      socket.onclose = (event) => {
        if (!settled) fail('connect-refused', `closed ${event?.code ?? ''} ${event?.reason ?? ''}`.trim());
        else connection.#end(`closed-${event?.code ?? 'unknown'}`);
      };
      socket.onmessage = (message) => {
        const data = parse(message.data);
        if (!data) return;
        if (!settled) {
          if (data.type === 'connection_ack') {
            settled = true;
            clearTimeout(timer);
            connection.#kaTimeoutMs = data.connectionTimeoutMs ?? DEFAULT_KA_TIMEOUT_MS;
            connection.#keepAlive();
            resolve(connection);
          } else if (data.type === 'connection_error' || data.type === 'error') {
            fail('connect-refused', errorText(data));
          }
          return;
        }
        connection.#receive(data);
      };
    });
  }

  get open() {
    return !this.#closed;
  }

  get subscriptionCount() {
    return this.#subscriptions.size;
  }

  /**
   * Subscribes to one channel with these auth headers. Resolves with the subscription (`unsubscribe()`) on
   * subscribe_success; rejects with PushUnavailable('subscribe-refused') on subscribe_error, or the connection's
   * end. `onData(event)` gets each event, parsed; `onEnd(reason)` once if the connection ends while subscribed.
   */
  subscribe(channel, authorization, { onData, onEnd }) {
    if (this.#closed) return Promise.reject(new PushUnavailable('connection-closed'));
    const id = `s${this.#nextId++}`;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        entry.pending = null;
        this.#subscriptions.delete(id);
        this.#send({ type: 'unsubscribe', id });
        reject(new PushUnavailable('subscribe-timeout'));
      }, HANDSHAKE_TIMEOUT_MS);
      const subscription = {
        id,
        channel,
        unsubscribe: () => {
          if (!this.#subscriptions.delete(id)) return;
          this.#send({ type: 'unsubscribe', id });
        },
      };
      const entry = {
        onData, onEnd,
        pending: {
          resolve: () => {
            clearTimeout(timer);
            resolve(subscription);
          },
          reject: (error) => {
            clearTimeout(timer);
            this.#subscriptions.delete(id);
            reject(error);
          },
        },
      };
      this.#subscriptions.set(id, entry);
      this.#send({ type: 'subscribe', id, channel, authorization });
    });
  }

  /** Closes the connection; subscribers are told (`onEnd`) as with any other end. */
  close(reason = 'closed') {
    try {
      this.#socket.close(1000);
    } catch {
      // already closing
    }
    this.#end(reason);
  }

  #receive(data) {
    switch (data.type) {
      case 'ka':
        this.#keepAlive();
        return;
      case 'subscribe_success': {
        const entry = this.#subscriptions.get(data.id);
        const pending = entry?.pending;
        if (pending) {
          entry.pending = null;
          pending.resolve();
        }
        return;
      }
      case 'subscribe_error':
      case 'error': {
        const entry = this.#subscriptions.get(data.id);
        if (entry?.pending) {
          const pending = entry.pending;
          entry.pending = null;
          pending.reject(new PushUnavailable('subscribe-refused', errorText(data)));
        } else if (entry) {
          // An error on a live subscription: it can no longer be trusted to deliver.
          this.#subscriptions.delete(data.id);
          entry.onEnd?.('subscription-error');
        }
        return;
      }
      case 'data': {
        const entry = this.#subscriptions.get(data.id);
        if (!entry || entry.pending) return;
        const event = typeof data.event === 'string' ? parse(data.event) : data.event;
        if (event) entry.onData(event);
        return;
      }
      default:
        // unsubscribe_success, publish answers: nothing to do
    }
  }

  #keepAlive() {
    clearTimeout(this.#kaTimer);
    this.#kaTimer = setTimeout(() => this.close('keep-alive-timeout'), this.#kaTimeoutMs);
    this.#kaTimer.unref?.();
  }

  #send(message) {
    if (this.#closed) return;
    try {
      this.#socket.send(JSON.stringify(message));
    } catch {
      this.close('send-failed');
    }
  }

  #end(reason) {
    if (this.#closed) return;
    this.#closed = true;
    clearTimeout(this.#kaTimer);
    const entries = [...this.#subscriptions.values()];
    this.#subscriptions.clear();
    for (const entry of entries) {
      if (entry.pending) entry.pending.reject(new PushUnavailable(reason));
      else entry.onEnd?.(reason);
    }
    this.#onClose(reason);
  }
}

/**
 * The client's push: discovers the realtime endpoint once (from the gateway), opens one connection on the first
 * subscription, closes it when the last one ends. Subscriptions that cannot be had reject with PushUnavailable
 * (the caller long-polls instead); after a connection failure new ones skip push for a while.
 */
export class PushHub {
  #discover;
  #WebSocket;
  #endpoint = undefined; // undefined: not asked yet; null: no push
  #discovering = null;
  #connection = null;
  #connecting = null;
  #failedAt = -Infinity;
  #failure = null;
  #onConnection;

  /**
   * @param discover async () => ({url, headers?: (authorizationHeader) => headers} | null, or throws)
   * @param WebSocket the WebSocket constructor, or null (then push is never used)
   * @param onConnection called with the connection when one opens (tests use it to break it)
   */
  constructor({ discover, WebSocket, onConnection }) {
    this.#discover = discover;
    this.#WebSocket = WebSocket ?? null;
    this.#onConnection = onConnection ?? null;
  }

  /** The connection in use, if one is open (tests, diagnostics). */
  get connection() {
    return this.#connection?.open ? this.#connection : null;
  }

  /**
   * Subscribes to a job's channel. `authorization` is the request's `Authorization` header value; `handlers`
   * `{onData, onEnd}`. Resolves with `{unsubscribe()}`, rejects with PushUnavailable.
   */
  async subscribe(jobId, authorization, handlers) {
    const unavailable = this.unavailable();
    if (unavailable) throw unavailable;
    const endpoint = await this.#endpointOnce();
    if (!endpoint) throw new PushUnavailable('not-offered');
    const connection = await this.#connect(endpoint, authorization);
    let subscription;
    try {
      subscription = await connection.subscribe(endpoint.channel(jobId), endpoint.headers(authorization), handlers);
    } catch (refused) {
      this.#closeIfIdle(connection);
      throw refused;
    }
    return {
      unsubscribe: () => {
        subscription.unsubscribe();
        this.#closeIfIdle(connection);
      },
    };
  }

  /** Closes a connection left without subscriptions (on the next turn: a wait ending and another starting share it). */
  #closeIfIdle(connection) {
    setTimeout(() => {
      if (connection.open && connection.subscriptionCount === 0) connection.close('idle');
    }, 0);
  }

  /** Why push cannot be had now, when that is known without asking anything (else null). */
  unavailable() {
    if (!this.#WebSocket) return new PushUnavailable('no-websocket');
    if (this.#endpoint === null) return new PushUnavailable('not-offered');
    if (Date.now() - this.#failedAt < RETRY_AFTER_FAILURE_MS) return this.#failure;
    return null;
  }

  /** Closes the connection (the client closes). */
  close() {
    this.#connection?.close('client-closed');
    this.#connection = null;
  }

  async #endpointOnce() {
    if (this.#endpoint !== undefined) return this.#endpoint;
    if (!this.#discovering) {
      this.#discovering = this.#discover().then((endpoint) => {
        this.#endpoint = endpoint;
        return endpoint;
      }, (error) => {
        this.#discovering = null; // a failed discovery (network) is asked again next time
        throw error instanceof PushUnavailable ? error : new PushUnavailable('discovery-failed', error?.message);
      });
    }
    return this.#discovering;
  }

  async #connect(endpoint, authorization) {
    if (this.#connection?.open) return this.#connection;
    if (!this.#connecting) {
      this.#connecting = PushConnection.open({
        url: endpoint.url,
        headers: endpoint.headers(authorization),
        WebSocket: this.#WebSocket,
        onClose: (reason) => {
          if (reason !== 'idle' && reason !== 'client-closed') this.#failed(new PushUnavailable(reason));
        },
      }).then((connection) => {
        this.#connection = connection;
        this.#connecting = null;
        this.#onConnection?.(connection);
        return connection;
      }, (error) => {
        this.#connecting = null;
        this.#failed(error);
        throw error;
      });
    }
    return this.#connecting;
  }

  #failed(error) {
    this.#failedAt = Date.now();
    this.#failure = error;
  }
}

/** A queue of what push tells a wait or a watch, read one item at a time. */
export class Inbox {
  #items = [];
  #waiter = null;

  put(item) {
    this.#items.push(item);
    const waiter = this.#waiter;
    this.#waiter = null;
    waiter?.();
  }

  /** Every item queued now (perhaps none). */
  drain() {
    return this.#items.splice(0);
  }

  /**
   * Resolves once an item is queued (at once if one is), or after `quietMs` without one (when given); rejects when
   * `signal` aborts.
   */
  ready(signal, quietMs) {
    if (this.#items.length) return Promise.resolve();
    return new Promise((resolve, reject) => {
      if (signal.aborted) {
        reject(signal.reason);
        return;
      }
      let timer = null;
      const onAbort = () => {
        clearTimeout(timer);
        this.#waiter = null;
        reject(signal.reason);
      };
      signal.addEventListener('abort', onAbort, { once: true });
      this.#waiter = () => {
        clearTimeout(timer);
        signal.removeEventListener('abort', onAbort);
        resolve();
      };
      if (quietMs > 0) {
        timer = setTimeout(() => {
          this.#waiter = null;
          signal.removeEventListener('abort', onAbort);
          resolve();
        }, quietMs);
      }
    });
  }
}

function parse(text) {
  if (typeof text !== 'string') return null;
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}

function errorText(data) {
  const error = Array.isArray(data.errors) ? data.errors[0] : data.payload?.errors?.[0];
  if (!error) return data.type;
  return [error.errorType, error.message].filter(Boolean).join(': ');
}
