import * as k8s from '@kubernetes/client-node';
import type { Logger } from 'pino';

export interface InformerHandle<T extends k8s.KubernetesObject> {
  /** Objects as last seen; during a reconnect the last good view stays readable. */
  list(namespace?: string): ReadonlyArray<T>;
  /** True after the first full list and while the watch is connected. */
  synced(): boolean;
  stop(): Promise<void>;
}

/**
 * A list-and-watch cache that does not give up. client-node's informer stops for good on any error
 * (and @dot-i/k8s-operator's watch exits the process), so a kube-apiserver restart would end the
 * operator; this one starts a fresh informer with exponential backoff (0.2 s → 10 s), which lists
 * again and so cannot miss a change made while it was disconnected.
 */
export async function resilientInformer<T extends k8s.KubernetesObject>(options: {
  kubeConfig: k8s.KubeConfig;
  path: string;
  list: () => Promise<k8s.KubernetesListObject<T>>;
  onChange: (object: T) => void;
  onResync: () => void;
  logger: Logger;
}): Promise<InformerHandle<T>> {
  const { logger } = options;
  let current: (k8s.Informer<T> & k8s.ObjectCache<T>) | undefined;
  let lastGood: ReadonlyArray<T> = [];
  let connected = false;
  let stopped = false;
  let failures = 0;
  let timer: NodeJS.Timeout | undefined;

  const start = async (): Promise<void> => {
    if (stopped) return;
    const informer = k8s.makeInformer<T>(options.kubeConfig, options.path, options.list);
    current = informer;
    for (const verb of [k8s.ADD, k8s.UPDATE, k8s.DELETE] as const) informer.on(verb, options.onChange);
    informer.on(k8s.CONNECT, () => {
      connected = true;
    });
    informer.on(k8s.ERROR, (error: unknown) => {
      if (informer !== current || stopped) return;
      connected = false;
      lastGood = informer.list();
      retry(error);
    });
    try {
      await informer.start();
      if (informer === current) {
        connected = true;
        failures = 0;
        options.onResync();
      }
    } catch (error) {
      if (informer === current) {
        connected = false;
        retry(error);
      }
    }
  };

  const retry = (error: unknown): void => {
    failures += 1;
    const delay = Math.min(10_000, 200 * 2 ** Math.min(failures - 1, 6));
    logger.warn({ path: options.path, err: error instanceof Error ? error.message : String(error), retryInMs: delay }, 'watch failed; listing and watching again');
    void current?.stop();
    clearTimeout(timer);
    timer = setTimeout(() => void start(), delay);
  };

  await start();
  return {
    list: (namespace) => (connected && current !== undefined ? current.list(namespace) : lastGood.filter((o) => namespace === undefined || o.metadata?.namespace === namespace)),
    synced: () => connected,
    stop: async () => {
      stopped = true;
      clearTimeout(timer);
      await current?.stop();
    },
  };
}
