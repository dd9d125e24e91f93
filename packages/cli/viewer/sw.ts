// The service worker of a `baler publish` site: the site works offline once loaded. The pages, styles and
// scripts are cached on install; answers to .baler requests (HEAD and each byte range) are cached as they
// come, so a file already viewed opens again offline, at the same ranges. Never touches other origins.

// The service-worker types are not in the DOM library this package compiles with: just what is used here.
interface FetchEvent extends Event {
  request: Request;
  respondWith(response: Promise<Response>): void;
}
interface ExtendableEvent extends Event {
  waitUntil(work: Promise<unknown>): void;
}
const worker = self as unknown as {
  location: Location;
  skipWaiting(): Promise<void>;
  clients: { claim(): Promise<void> };
  addEventListener(type: 'install' | 'activate', listener: (event: ExtendableEvent) => void): void;
  addEventListener(type: 'fetch', listener: (event: FetchEvent) => void): void;
};

/** Replaced by `baler publish` with a hash of the site's files, so a new site replaces the old cache. */
const CACHE = 'baler-site-__SITE_VERSION__';
const SHELL = ['./', 'index.html', 'viewer.html', 'viewer.js', 'baler-decoder.js', 'site.css'];

worker.addEventListener('install', (event) => {
  event.waitUntil(
    caches
      .open(CACHE)
      .then((cache) => cache.addAll(SHELL))
      .then(() => worker.skipWaiting()),
  );
});

worker.addEventListener('activate', (event) => {
  event.waitUntil(
    caches
      .keys()
      .then((keys) => Promise.all(keys.filter((k) => k !== CACHE).map((k) => caches.delete(k))))
      .then(() => worker.clients.claim()),
  );
});

worker.addEventListener('fetch', (event) => {
  const url = new URL(event.request.url);
  if (url.origin !== worker.location.origin) return;
  if (url.pathname.endsWith('.baler')) event.respondWith(rangeThroughCache(event.request, url));
  else if (event.request.method === 'GET') event.respondWith(networkThenCache(event.request));
});

/** The site's own files: fresh from the network when online, from the cache when not. */
async function networkThenCache(request: Request): Promise<Response> {
  const cache = await caches.open(CACHE);
  try {
    const response = await fetch(request);
    if (response.ok) await cache.put(request, response.clone());
    return response;
  } catch (error) {
    const cached = await cache.match(request, { ignoreSearch: true });
    if (cached) return cached;
    throw error;
  }
}

/**
 * A .baler request through the network, its answer kept under a key naming the method and range (the
 * Cache API stores neither HEAD nor 206 answers as such), and given back as it came when offline.
 */
async function rangeThroughCache(request: Request, url: URL): Promise<Response> {
  const cache = await caches.open(CACHE);
  const range = request.headers.get('range') ?? 'all';
  const key = `${url.origin}${url.pathname}?baler-cache=${request.method}:${encodeURIComponent(range)}`;
  try {
    const response = await fetch(request);
    if (response.ok) {
      const headers = new Headers(response.headers);
      headers.set('x-baler-status', String(response.status));
      const body = request.method === 'HEAD' ? null : await response.clone().arrayBuffer();
      await cache.put(key, new Response(body, { status: 200, headers }));
    }
    return response;
  } catch (error) {
    const cached = await cache.match(key);
    if (!cached) throw error;
    const status = Number(cached.headers.get('x-baler-status') ?? 200);
    return new Response(request.method === 'HEAD' ? null : await cached.arrayBuffer(), {
      status,
      headers: cached.headers,
    });
  }
}
