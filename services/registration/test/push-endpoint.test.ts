import test from 'ava';
import { refusedPushEndpoint } from '../src/notifications/push-endpoint.js';

test('in production, push endpoints on loopback or internal addresses are refused and the browsers\' push services are allowed', (t) => {
  for (const endpoint of [
    'http://127.0.0.1:8080/push/abc',
    'https://127.0.0.1/push',
    'https://localhost:9443/push',
    'https://[::1]/push',
    'https://10.0.0.5/push',
    'https://172.20.1.1/push',
    'https://192.168.1.10/push',
    'https://169.254.169.254/latest/meta-data',
    'https://100.64.0.1/push',
    'https://[fd00::1]/push',
    'https://[fe80::1]/push',
    'https://[::ffff:127.0.0.1]/push',
    'https://0.0.0.0/push',
  ]) {
    t.truthy(refusedPushEndpoint(endpoint, true), endpoint);
  }
  for (const endpoint of [
    'https://fcm.googleapis.com/fcm/send/abc:def',
    'https://updates.push.services.mozilla.com/wpush/v2/gAAAA',
    'https://web.push.apple.com/QGbc',
    'https://wns2-par02p.notify.windows.com/w/?token=x',
    'https://172.32.0.1/push',
  ]) {
    t.is(refusedPushEndpoint(endpoint, true), undefined, endpoint);
  }
});

test('outside production, the loopback push service of the tests is allowed', (t) => {
  t.is(refusedPushEndpoint('http://127.0.0.1:41234/push/1', false), undefined);
  t.is(refusedPushEndpoint('https://10.0.0.5/push', false), undefined);
});
