import { Agent as HttpAgent, request as httpRequest, type IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest, type RequestOptions } from 'node:https';
import type { Socket } from 'node:net';
import type * as k8s from '@kubernetes/client-node';

type AgentFactory = (cluster: k8s.Cluster | null, agentOptions: Record<string, unknown>) => HttpsAgent | HttpAgent;

/**
 * Makes every API client of `kc` share one keep-alive connection pool. client-node 1.4 creates a
 * new https.Agent for every request (`applySecurityAuthentication` → `createAgent`, a private
 * method, hence the assignment), so every call paid a TLS handshake; a surge of 50 namespaces is
 * ~700 calls. Each socket of the pool also gets an inactivity timeout: a request on a connection
 * that a proxy or load balancer silently dropped fails after `requestTimeoutMs` instead of hanging
 * for ever (client-node sets none).
 * @param requestTimeoutMs a request whose socket is silent this long fails (ms)
 * @returns the same KubeConfig
 */
export function usePooledConnections(kc: k8s.KubeConfig, requestTimeoutMs = 30_000): k8s.KubeConfig {
  const target = kc as unknown as { createAgent: AgentFactory };
  const original = target.createAgent.bind(kc);
  let pool: HttpsAgent | HttpAgent | undefined;
  target.createAgent = (cluster, agentOptions) => {
    // A proxy URL needs client-node's proxy agents; leave those alone.
    if (cluster?.proxyUrl !== undefined) return original(cluster, agentOptions);
    if (pool === undefined) {
      // `timeout` makes Node set the socket's idle timer on every request and on every free socket
      // (it resets any other value there); on expiry the socket only emits 'timeout', so destroying
      // it, which fails the request, is ours to do.
      const options = { ...agentOptions, keepAlive: true, maxSockets: 32, timeout: requestTimeoutMs };
      pool = cluster?.server.startsWith('http:') === true ? new HttpAgent(options) : new HttpsAgent(options);
      const agent = pool as unknown as { createConnection: (...args: unknown[]) => Socket };
      const create = agent.createConnection.bind(pool);
      agent.createConnection = (...args: unknown[]) => {
        const socket = create(...args);
        socket.on('timeout', () => socket.destroy(new Error(`no answer from the API server for ${requestTimeoutMs} ms`)));
        return socket;
      };
    }
    return pool;
  };
  return kc;
}

/**
 * One streaming GET to the API server on a connection of its own (a watch holds its socket for
 * minutes, so it must not sit in the request pool), with the kubeconfig's credentials.
 * @returns the response; the caller reads and destroys it. Throws on a non-2xx status (with `code`).
 */
export async function openStream(kc: k8s.KubeConfig, path: string, signal: AbortSignal): Promise<IncomingMessage> {
  const cluster = kc.getCurrentCluster();
  if (cluster === null) throw new Error('the kubeconfig has no current cluster');
  const url = new URL(cluster.server.replace(/\/$/, '') + path);
  const options: RequestOptions = {};
  await kc.applyToHTTPSOptions(options);
  const request = url.protocol === 'http:' ? httpRequest : httpsRequest;
  return new Promise<IncomingMessage>((resolve, reject) => {
    const req = request(url, { ...options, agent: false, method: 'GET', signal, headers: { ...options.headers, Accept: 'application/json' } }, (res) => {
      const status = res.statusCode ?? 0;
      if (status >= 200 && status < 300) {
        resolve(res);
        return;
      }
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body = (body + c).slice(0, 4096)));
      res.on('end', () => reject(Object.assign(new Error(`GET ${path}: HTTP ${status} ${body}`), { code: status })));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}
