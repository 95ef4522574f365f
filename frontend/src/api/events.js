/**
 * The image's live events (`GET /api/images/{id}/events`, server-sent events): `labels` {source_id,
 * label_class} when anyone's label is saved, `scores` and `task` from the learning loop, `resync` when
 * events were dropped and the client should refetch. The browser's EventSource reconnects by itself; a
 * server without the stream (an older one) is given up on after a few failed tries.
 */
import { apiUrl } from './client.js';

const GIVE_UP_AFTER = 5;

/**
 * @param {number} imageId
 * @param {Record<string, (data: any) => void>} handlers by event name
 * @returns {() => void} close the stream
 */
export function subscribeImageEvents(imageId, handlers) {
  if (typeof EventSource === 'undefined') return () => {};
  const source = new EventSource(apiUrl(`/images/${encodeURIComponent(imageId)}/events`));
  let failures = 0;
  for (const [name, handle] of Object.entries(handlers)) {
    source.addEventListener(name, (event) => {
      failures = 0;
      let data = null;
      try {
        data = JSON.parse(/** @type {MessageEvent} */ (event).data || 'null');
      } catch {
        return;
      }
      handle(data);
    });
  }
  source.addEventListener('open', () => {
    failures = 0;
  });
  source.addEventListener('error', () => {
    failures += 1;
    if (failures >= GIVE_UP_AFTER) source.close();
  });
  return () => source.close();
}
