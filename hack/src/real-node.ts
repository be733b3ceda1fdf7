/**
 * The real node of the local plane (hack/node.sh) as `npm test` (hack/with-env.sh) announces it.
 * A missing variable is an error, never a reason to skip: where this machine can't run a real
 * node, hack/with-env.sh said why, and the tests that need one fail with that hint.
 */
export interface RealNode {
  /** Node name (metadata.name). */
  name: string;
  /** The node's InternalIP: the address of the bridge hack/node.sh creates. */
  ip: string;
  /** Label key set to "true" on the node; its NoSchedule taint has the same key and value. */
  label: string;
  /** Image of the node tests' workload (hack/node/nettest), imported into the node's containerd. */
  testImage: string;
  /** containerd's socket (for `ctr`, and hack/images.sh load). */
  containerdAddress: string;
}

function required(name: string): string {
  const value = process.env[name];
  if (value === undefined || value === '') {
    throw new Error(
      `${name} is not set: no real node in this run. Run the tests with \`npm test\` as root on Linux, which starts one ` +
        '(hack/node.sh); where this machine cannot run one, hack/with-env.sh printed why.',
    );
  }
  return value;
}

/** Reads the real node's coordinates from the environment; throws when there is none. */
export function realNode(): RealNode {
  return {
    name: required('KATHELFER_NODE'),
    ip: required('KATHELFER_NODE_IP'),
    label: 'kathelfer.io/real-node',
    testImage: required('KATHELFER_NODE_TEST_IMAGE'),
    containerdAddress: required('CONTAINERD_ADDRESS'),
  };
}
