import test from 'ava';
import { spawn } from 'node:child_process';
import { bundle } from '@kathelfer/hack/build';
import { eventually, freePort, kubeconfigPath } from '@kathelfer/hack/test-env';
import { installCrds } from './support.js';

test('the production bundle (what the image runs) starts, syncs its caches and exits cleanly on SIGTERM', async (t) => {
  await installCrds();
  const file = await bundle('operator');
  const port = await freePort();
  const child = spawn(process.execPath, [file, '--leader-elect=false', `--metrics-port=${port}`, '--metrics-host=127.0.0.1', '--namespaces=default'], {
    env: { ...process.env, KUBECONFIG: kubeconfigPath() },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (c: Buffer) => (output += c.toString()));
  child.stderr.on('data', (c: Buffer) => (output += c.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  try {
    await eventually('/readyz 200', async () => ((await fetch(`http://127.0.0.1:${port}/readyz`).catch(() => undefined))?.status === 200 ? true : undefined), { timeoutMs: 30_000 });
    t.regex(await (await fetch(`http://127.0.0.1:${port}/metrics`)).text(), /kathelfer_operator_leader 1/);
  } finally {
    child.kill('SIGTERM');
  }
  t.is(await exited, 0, output);
});
