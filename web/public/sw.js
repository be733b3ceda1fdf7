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
