/** Runs the operator as a real process (node + tsx), as a Pod would, so tests can SIGKILL it. */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const main = fileURLToPath(new URL('../src/main.ts', import.meta.url));

export interface OperatorProcess {
  child: ChildProcess;
  output: () => string;
  kill: (signal?: NodeJS.Signals) => Promise<void>;
}

export function spawnOperator(options: { kubeconfig: string; identity: string; args?: string[] }): OperatorProcess {
  let output = '';
  const child = spawn(process.execPath, ['--import', 'tsx', main, '--metrics-port=0', '--metrics-host=127.0.0.1', ...(options.args ?? [])], {
    env: { ...process.env, KUBECONFIG: options.kubeconfig, POD_NAME: options.identity, LOG_LEVEL: 'info' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  return {
    child,
    output: () => output,
    kill: async (signal = 'SIGKILL') => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      child.kill(signal);
      await exited;
    },
  };
}
