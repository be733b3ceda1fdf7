// All tests of every workspace in one ava run (one summary, one exit code). Test files run in
// separate processes, two at a time on this 2-core machine; integration tests isolate themselves
// by namespace, schema and key names (hack/src/test-env.ts uniqueName).
export default {
  files: [
    'hack/{src,test}/**/*.test.ts',
    'operator/{src,test}/**/*.test.ts',
    'services/*/{src,test}/**/*.test.ts',
    'web/test/**/*.test.ts',
  ],
  extensions: { ts: 'module' },
  nodeArguments: ['--import=tsx'],
  workerThreads: false,
  concurrency: 2,
  // generous: fault tests start their own control plane, and this machine is shared
  timeout: '5m',
};
