// Loaded with `node --import` by hack/bench/image-startup.bench.ts, inside the image or on the host:
// prints (stderr, one JSON line each) when node has booted far enough to run it and when the
// service opens its first socket (to PostgreSQL or Redis), both in ms since the process started
// (performance.timeOrigin). Plain JavaScript: the image has node but no TypeScript loader.
import net from 'node:net';
import { performance } from 'node:perf_hooks';
import process from 'node:process';

/** @param {string} phase */
const say = (phase) => process.stderr.write(`${JSON.stringify({ startupProbe: phase, ms: performance.now(), origin: performance.timeOrigin })}\n`);
say('preload');
const socket = net.Socket.prototype;
// eslint-disable-next-line @typescript-eslint/unbound-method -- called below with the socket as this
const connect = socket.connect;
let connected = false;
/** @this {net.Socket} @param {...unknown} args */
socket.connect = function connectOnce(...args) {
  if (!connected) {
    connected = true;
    say('first-connect');
  }
  // eslint-disable-next-line @typescript-eslint/no-unsafe-return -- whatever net.Socket#connect returns (the socket)
  return Reflect.apply(connect, this, args);
};
