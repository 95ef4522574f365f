/**
 * The image list: every ingested image, newest last as the API returns them; a click or Enter opens one.
 * Items carry `data-image-id`; the open one has `aria-current="true"`.
 */
import { escapeHtml } from './dom.js';

/**
 * @param {HTMLElement} container
 * @param {import('../store.js').Store} store
 * @param {import('../actions.js').Actions} actions
 */
export function mountImageList(container, store, actions) {
  container.innerHTML = '<h2>Images <button type="button" id="add-image-button" class="small" title="upload FITS bands as a new image">add image</button></h2>'
    + '<ul id="image-list" class="image-list"></ul>';
  container.querySelector('#add-image-button')?.addEventListener('click', (event) => {
    store.set({ dialog: 'add-image' });
    /** @type {HTMLElement} */ (event.currentTarget).blur();
  });
  const list = /** @type {HTMLElement} */ (container.querySelector('#image-list'));

  const render = () => {
    const { images, imageId } = store.get();
    if (!images.length) {
      list.innerHTML = '<li class="empty">no images yet: add one above, or ingest with <code>skylabel ingest</code></li>';
      return;
    }
    list.innerHTML = images.map((img) => {
      const bands = (img.bands ?? []).map((b) => b.name).join(' ');
      return `<li data-image-id="${img.id}"${img.id === imageId ? ' aria-current="true"' : ''}>`
        + `<button type="button" title="${escapeHtml(img.name)}">`
        + `<span class="name">${escapeHtml(img.name)}</span>`
        + `<small>${img.width}×${img.height} · ${escapeHtml(bands)}</small></button></li>`;
    }).join('');
  };
  store.watch((s) => s.images, render);
  store.watch((s) => s.imageId, render);

  list.addEventListener('click', (event) => {
    const item = /** @type {HTMLElement} */ (event.target).closest('[data-image-id]');
    if (item) actions.openImage(Number(item.getAttribute('data-image-id')));
  });
}
