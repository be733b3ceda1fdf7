// The service worker of the helper pages (issue 17): shows the platform's Web Push messages and
// opens their link on a click. The payload is what registration's push channel sends:
// {"title": "...", "body": "...", "url": "..."} (services/registration/src/notifications/templates.ts).
// Plain JavaScript in public/ so it is served un-hashed at the pages' root (its scope).
self.addEventListener('push', (event) => {
  let message = { title: 'Kathelfer', body: '', url: 'me.html' };
  try {
    message = { ...message, ...event.data.json() };
  } catch {
    // a payload that is no JSON still shows, as text
    if (event.data) message.body = event.data.text();
  }
  event.waitUntil(
    self.registration.showNotification(message.title, { body: message.body, data: { url: message.url }, icon: 'favicon.svg', lang: navigator.language }),
  );
});

self.addEventListener('notificationclick', (event) => {
  event.notification.close();
  const url = new URL(event.notification.data?.url ?? 'me.html', self.registration.scope).href;
  event.waitUntil(self.clients.openWindow(url));
});

// The browser may replace a subscription on its own (it expired, the push service rotated it) and
// then fires pushsubscriptionchange here, where no page is open and no personal token is at hand.
// The worker hands the new subscription to registration and proves it held the old one with the
// old one's endpoint and auth secret, which only the browser and registration know (RFC 8291
// section 3.2). Without the old subscription nothing proves it: the helper switches push on again
// on their page (Chromium has fired the event without it).
async function renewSubscription(oldSubscription, newSubscription) {
  const subscription =
    newSubscription ?? (await self.registration.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: oldSubscription.options.applicationServerKey }));
  const config = await (await fetch(new URL('web-config.json', self.registration.scope), { cache: 'no-store' })).json();
  const base = config.registrationUrl === '' ? self.location.origin : config.registrationUrl;
  const response = await fetch(`${base}/v1/push-subscriptions/renewals`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    credentials: 'omit',
    body: JSON.stringify({ oldEndpoint: oldSubscription.endpoint, oldAuth: oldSubscription.toJSON().keys.auth, subscription: subscription.toJSON() }),
  });
  if (!response.ok) throw new Error(`registration refused the renewed push subscription: ${response.status}`);
}

self.addEventListener('pushsubscriptionchange', (event) => {
  if (!event.oldSubscription) return;
  event.waitUntil(renewSubscription(event.oldSubscription, event.newSubscription));
});
