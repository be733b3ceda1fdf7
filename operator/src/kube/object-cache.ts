import type { IncomingMessage } from 'node:http';
import { createInterface } from 'node:readline';
import type * as k8s from '@kubernetes/client-node';
import type { Logger } from 'pino';
import { openStream } from './kube-http.js';
import { isNewer } from './resource-version.js';

/** What the reconciler reads: the objects of one kind as last seen, and whether that view is current. */
export interface ObjectCache<T extends k8s.KubernetesObject> {
  /** Objects as last seen, of one namespace or all; while stale, the last complete view. */
  list(namespace?: string): ReadonlyArray<T>;
  /**
   * True only while the view is known to be current: listed completely since the last (re)connect,
   * and the watch has shown a sign of life within its deadline. A fresh cache is not synced.
   */
  synced(): boolean;
  /** True once the first complete list has arrived (the operator reconciles nothing before). */
  everSynced(): boolean;
  /**
   * Puts an object the operator itself just wrote (the API server's answer) into the view, so the
   * next reconcile sees its own last write even before the watch delivers it. Older versions than
   * the one held are ignored, here and from the watch; an object no longer in the view (deleted)
   * is not added back.
   */
  observe(object: T): void;
  stop(): Promise<void>;
}

export interface ObjectCacheOptions<T extends k8s.KubernetesObject> {
  kubeConfig: k8s.KubeConfig;
  /** Collection path, e.g. `/apis/apps/v1/namespaces/x/deployments`. */
  path: string;
  /** Keeps only what the planner reads (managedFields and pod templates are most of a Deployment). */
  project: (object: T) => T;
  /** Called for every change of the view (added, changed, deleted, relisted). */
  onChange: (object: T) => void;
  /** Called after every complete (re)list. */
  onSynced: () => void;
  /**
   * The API server ends each watch after this many seconds (timeoutSeconds); a watch that has not
   * ended, nor sent an event or bookmark, this long plus `livenessGraceSeconds` is taken as dead
   * (a proxy that keeps the TCP connection but drops traffic) and the cache relists.
   */
  watchTimeoutSeconds: number;
  livenessGraceSeconds: number;
  /** Objects per page of a list (the API server's `limit`). @default 500 */
  pageSize?: number;
  /** A list that has not completed in this time fails and is retried (ms). */
  listTimeoutMs: number;
  logger: Logger;
}

type WatchEvent<T> = { type: 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR'; object: T };

const key = (o: k8s.KubernetesObject) => `${o.metadata?.namespace ?? ''}/${o.metadata?.name ?? ''}`;

/**
 * A list-and-watch cache that does not give up and does not trust a silent connection.
 * - Lists (paged), then watches from the list's resourceVersion with `allowWatchBookmarks` and
 *   `timeoutSeconds`, so the API server closes every watch regularly; a watch that neither closes
 *   nor sends anything within its deadline is aborted (client-node 1.4's Watch has no timeout at
 *   all: its 30 s signal is overwritten) and the cache relists.
 * - On any failure it keeps the last complete view readable but reports `synced() === false`
 *   until a new list has completed, with exponential backoff (0.2 s → 10 s).
 * - 410 Gone (resourceVersion too old) relists at once.
 */
export function objectCache<T extends k8s.KubernetesObject>(options: ObjectCacheOptions<T>): ObjectCache<T> {
  const { logger, path } = options;
  // Every timer here is bounded far below setTimeout's 2 ** 31 - 1 ms: backoff ≤ 10 s, a pause of
  // 1 s, the watch deadline ≤ 1,810 s (--watch-timeout-seconds is at most 1,800).
  let store = new Map<string, T>();
  let current = false;
  let listedOnce = false;
  let stopped = false;
  let failures = 0;
  let retryTimer: NodeJS.Timeout | undefined;
  let abort: AbortController | undefined;

  const put = (object: T, fromWatch: boolean): boolean => {
    const k = key(object);
    const held = store.get(k);
    if (held !== undefined && !isNewer(object.metadata?.resourceVersion, held.metadata?.resourceVersion)) return false;
    // The operator's own write only updates an object still in the view: a write whose answer
    // arrives after the watch reported the object deleted must not bring it back.
    if (held === undefined && !fromWatch) return false;
    store.set(k, options.project(object));
    return true;
  };

  const list = async (signal: AbortSignal): Promise<string> => {
    const items = new Map<string, T>();
    let resourceVersion = '';
    let continueToken: string | undefined;
    do {
      const query = new URLSearchParams({ limit: String(options.pageSize ?? 500), ...(continueToken !== undefined ? { continue: continueToken } : {}) });
      const res = await openStream(options.kubeConfig, `${path}?${query.toString()}`, AbortSignal.any([signal, AbortSignal.timeout(options.listTimeoutMs)]));
      let body = '';
      res.setEncoding('utf8');
      try {
        for await (const chunk of res) body += chunk as string;
      } finally {
        res.destroy();
      }
      // The raw list: its token is `metadata.continue` (client-node's typed model calls it `_continue`).
      const page = JSON.parse(body) as { items: T[]; metadata?: { resourceVersion?: string; continue?: string } };
      for (const item of page.items) items.set(key(item), options.project(item));
      resourceVersion = page.metadata?.resourceVersion ?? resourceVersion;
      continueToken = page.metadata?.continue || undefined;
    } while (continueToken !== undefined);
    // A write the operator observed while the list was under way may be newer than the listed copy.
    for (const [k, item] of items) {
      const held = store.get(k);
      if (held !== undefined && isNewer(held.metadata?.resourceVersion, item.metadata?.resourceVersion)) items.set(k, held);
    }
    const before = store;
    store = items;
    for (const [k, item] of items) if (before.get(k)?.metadata?.resourceVersion !== item.metadata?.resourceVersion) options.onChange(item);
    for (const [k, item] of before) if (!items.has(k)) options.onChange(item);
    return resourceVersion;
  };

  /** Resolves when the watch ends: closed by the server (normal), timed out, or failed. */
  const watch = async (resourceVersion: string, signal: AbortController): Promise<string> => {
    const query = new URLSearchParams({
      watch: 'true',
      resourceVersion,
      allowWatchBookmarks: 'true',
      timeoutSeconds: String(options.watchTimeoutSeconds),
    });
    const deadlineMs = (options.watchTimeoutSeconds + options.livenessGraceSeconds) * 1000;
    let deadline: NodeJS.Timeout | undefined;
    let stream: IncomingMessage | undefined;
    const alive = () => {
      clearTimeout(deadline);
      deadline = setTimeout(() => signal.abort(new Error(`the watch sent nothing for ${deadlineMs / 1000} s`)), deadlineMs);
    };
    alive();
    try {
      const res = await openStream(options.kubeConfig, `${path}?${query.toString()}`, signal.signal);
      // readline does not pass on the response's errors: a connection reset or our own abort would
      // be an uncaught 'error' and end the process. It ends the watch instead.
      res.on('error', (error) => signal.abort(error));
      stream = res;
      current = true;
      const lines = createInterface({ input: res, crlfDelay: Infinity });
      for await (const line of lines) {
        alive();
        if (line.trim() === '') continue;
        const event = JSON.parse(line) as WatchEvent<T>;
        if (event.type === 'ERROR') {
          const status = event.object as unknown as { code?: number; message?: string };
          throw Object.assign(new Error(`watch error: ${status.message ?? 'unknown'}`), { code: status.code });
        }
        resourceVersion = event.object.metadata?.resourceVersion ?? resourceVersion;
        if (event.type === 'BOOKMARK') continue;
        if (event.type === 'DELETED') {
          if (store.delete(key(event.object))) options.onChange(event.object);
        } else if (put(event.object, true)) {
          options.onChange(event.object);
        }
      }
      if (signal.signal.aborted) throw signal.signal.reason;
      return resourceVersion;
    } finally {
      clearTimeout(deadline);
      stream?.destroy();
    }
  };

  const run = async (): Promise<void> => {
    while (!stopped) {
      abort = new AbortController();
      try {
        let resourceVersion = await list(abort.signal);
        listedOnce = true;
        current = true;
        failures = 0;
        options.onSynced();
        // The server ends each watch after timeoutSeconds; carry on from where it ended.
        while (!stopped) {
          abort = new AbortController();
          const opened = Date.now();
          const before = resourceVersion;
          resourceVersion = await watch(resourceVersion, abort);
          // A watch the server (or a proxy) ends at once with nothing in it is not reopened in a loop.
          if (resourceVersion === before && Date.now() - opened < 1000) await new Promise<void>((resolve) => (retryTimer = setTimeout(resolve, 1000)));
        }
      } catch (error) {
        if (stopped) return;
        current = false;
        const gone = (error as { code?: number }).code === 410;
        failures = gone ? 0 : failures + 1;
        const delay = gone ? 0 : Math.min(10_000, 200 * 2 ** Math.min(failures - 1, 6));
        logger.warn({ path, err: error instanceof Error ? error.message : String(error), retryInMs: delay }, 'watch failed; listing and watching again');
        abort?.abort();
        await new Promise<void>((resolve) => (retryTimer = setTimeout(resolve, delay)));
      }
    }
  };
  void run();

  return {
    list: (namespace) => {
      const all = [...store.values()];
      return namespace === undefined ? all : all.filter((o) => o.metadata?.namespace === namespace);
    },
    synced: () => current && listedOnce,
    everSynced: () => listedOnce,
    observe: (object) => {
      if (put(object, false)) options.onChange(object);
    },
    stop: () => {
      stopped = true;
      clearTimeout(retryTimer);
      abort?.abort();
      return Promise.resolve();
    },
  };
}
