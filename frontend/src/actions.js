/**
 * What the user can do, as functions over the store: open an image, pick a rendition, change the
 * stretch, go to a position. Panels and keys call these; these call `api/` and write the store.
 * Pixel positions are FITS 0-based throughout (see map/pixelGrid.js).
 */
import { getImage, listImages, worldToPixel } from './api/images.js';
import { stretchProblem } from './api/tiles.js';
import { mergeViews, recallView, stretchFields } from './viewMemory.js';
import {
  CoordinateError, chooseReading, insideImage, parseGoto, skyReading,
} from './coords/gotoQuery.js';
import { pixelScaleArcsec } from './coords/wcsSummary.js';
import { directionsFromRotation, directionsFromSteps } from './map/compass.js';
import { initialState } from './store.js';

/** Step, in image pixels, used to measure the N and E directions at the image centre. */
const COMPASS_STEP_PIXELS = 20;

/**
 * @param {object} image
 * @returns {string[]} renditions blinked by default: the single bands when there are two or more
 */
function defaultBlinkSet(image) {
  const bands = image.renditions.filter((r) => r.kind === 'band').map((r) => r.name);
  return bands.length >= 2 ? bands : image.renditions.map((r) => r.name);
}

/** @param {import('./store.js').Store} store */
export function createActions(store) {
  let openSeq = 0;
  let statusSeq = 0;

  /**
   * @param {string} message
   * @param {'info'|'error'|'busy'} [level]
   * @param {string} [source] what raised it, so it can be withdrawn when that recovers (e.g. 'tiles')
   */
  function showStatus(message, level = 'info', source = '') {
    statusSeq += 1;
    store.set({ status: { message, level, seq: statusSeq, source } });
  }

  /** @param {string} source withdraw the status message if `source` raised it */
  function clearStatus(source) {
    if (store.get().status?.source === source) store.set({ status: null });
  }

  /** @param {unknown} error */
  function showError(error) {
    showStatus(error instanceof Error ? error.message : String(error), 'error');
  }

  async function loadImageList() {
    const { items } = await listImages();
    store.set({ images: items });
    return items;
  }

  /**
   * Measure where North and East point from the WCS (two small steps from the image centre).
   * @param {object} image
   * @param {number} seq the open request this belongs to
   */
  async function measureCompass(image, seq) {
    const { center } = image.wcs;
    const step = (COMPASS_STEP_PIXELS * (pixelScaleArcsec(image.wcs) ?? 0.1)) / 3600;
    const cosDec = Math.max(Math.cos((center.dec * Math.PI) / 180), 1e-6);
    try {
      const px = await worldToPixel(
        image.id,
        [center.ra, center.ra, center.ra + step / cosDec],
        [center.dec, Math.min(center.dec + step, 90), center.dec],
      );
      const dirs = directionsFromSteps(px);
      if (dirs && seq === openSeq) store.set({ compass: dirs });
    } catch {
      // keep the estimate from rotation_deg; the readout reports WCS errors as they matter
    }
  }

  /**
   * Open an image, optionally at a rendition and view (from the URL hash).
   * @param {number} imageId
   * @param {{rendition?: string|null, x?: number|null, y?: number|null, res?: number|null, [key: string]: any}} [wanted]
   */
  async function openImage(imageId, wanted = {}) {
    // the hash's view first, then what this browser remembers of the image (viewMemory.js)
    const at = mergeViews(wanted, recallView(imageId));
    openSeq += 1;
    const seq = openSeq;
    showStatus(`opening image ${imageId}…`, 'busy');
    let image;
    try {
      image = await getImage(imageId);
    } catch (error) {
      if (seq === openSeq) showError(error);
      return;
    }
    if (seq !== openSeq) return;
    const names = image.renditions.map((r) => r.name);
    const rendition = at.rendition && names.includes(at.rendition) ? at.rendition
      : names.includes(image.default_rendition) ? image.default_rendition : names[0];
    const hasView = Number.isFinite(at.x) && Number.isFinite(at.y);
    const wcs = image.wcs ?? { has_celestial: false };
    store.set({
      imageId: image.id,
      image,
      rendition,
      previousRendition: null,
      stretch: { ...initialState().stretch, ...(image.stretch_defaults ?? {}), ...stretchFields(at.stretch ?? {}) },
      restoredHidden: at.hidden ?? null,
      blinkSet: defaultBlinkSet(image),
      blinking: false,
      cursor: null,
      readout: null,
      view: null,
      marker: null,
      compass: wcs.has_celestial ? directionsFromRotation(wcs.rotation_deg ?? 0, wcs.east_left ?? true) : null,
      centreRequest: hasView ? { imageId: image.id, x: at.x, y: at.y, res: at.res ?? null, seq } : null,
    });
    showStatus(`${image.name}: ${image.width}×${image.height}, ${image.bands.length} band(s)`);
    if (wcs.has_celestial) measureCompass(image, seq);
  }

  /** @param {string} name */
  function setRendition(name) {
    const { rendition, image } = store.get();
    if (!image || name === rendition) return;
    if (!image.renditions.some((r) => r.name === name)) {
      showStatus(`image ${image.name} has no rendition "${name}"`, 'error');
      return;
    }
    store.set({ rendition: name, previousRendition: rendition });
  }

  /** `b`: back to the rendition shown before this one. */
  function blinkPrevious() {
    const { previousRendition } = store.get();
    if (previousRendition) setRendition(previousRendition);
    else showStatus('pick a second rendition first: b blinks between the last two shown');
  }

  /** @param {number} delta +1 next, -1 previous, in the image's rendition order */
  function stepRendition(delta) {
    const { image, rendition } = store.get();
    if (!image) return;
    const names = image.renditions.map((r) => r.name);
    const i = names.indexOf(rendition);
    setRendition(names[(i + delta + names.length) % names.length]);
  }

  /** @param {Partial<import('./store.js').StretchState>} patch */
  function setStretch(patch) {
    const stretch = { ...store.get().stretch, ...patch };
    store.set({ stretch });
    const problem = stretchProblem(stretch);
    if (problem) showStatus(problem, 'info', 'stretch');
    else clearStatus('stretch');
  }

  /**
   * Centre the view on what the go-to box names and drop the marker there.
   * @param {string} text
   * @returns {Promise<boolean>} whether the position was found inside the image
   */
  async function goTo(text) {
    const { image } = store.get();
    if (!image) return false;
    let x;
    let y;
    let how = '';
    try {
      const target = parseGoto(text);
      const toPixel = async (ra, dec) => {
        if (!image.wcs?.has_celestial) {
          throw new CoordinateError(`${image.name} has no celestial WCS: go to a pixel instead, e.g. "512 300"`);
        }
        const px = await worldToPixel(image.id, [ra], [dec]);
        return [px.x[0], px.y[0]];
      };
      if (target.kind === 'pixel') {
        ({ x, y } = target);
        const sky = skyReading(text);
        if (sky && image.wcs?.has_celestial) {
          const [sx, sy] = await toPixel(sky.ra, sky.dec);
          const reading = chooseReading({ pixelInside: insideImage(x, y, image), skyInside: insideImage(sx, sy, image) });
          if (reading === 'sky') {
            [x, y] = [sx, sy];
            how = `read as RA ${sky.ra}°, Dec ${sky.dec}°, which fall on this image (type "px ${text.trim()}" for the pixel)`;
          } else if (reading === 'pixel') {
            how = `read as a pixel: as RA/Dec it is off this image (type "radec ${text.trim()}" to force it)`;
          }
        }
      } else {
        [x, y] = await toPixel(target.ra, target.dec);
        how = 'read as RA/Dec';
      }
    } catch (error) {
      showError(error);
      return false;
    }
    if (!insideImage(x, y, image)) {
      const where = Number.isFinite(x) && Number.isFinite(y) ? ` (pixel ${x.toFixed(1)}, ${y.toFixed(1)})` : '';
      showStatus(`"${text.trim()}" is outside the image${where}: this ${image.width}×${image.height} image `
        + 'stays where it was', 'error', 'goto');
      return false;
    }
    store.set({ marker: { x, y }, centreRequest: { imageId: image.id, x, y, seq: Date.now() } });
    showStatus(`marker at pixel (${x.toFixed(2)}, ${y.toFixed(2)})${how ? ` · ${how}` : ''}`, 'info', 'goto');
    return true;
  }

  return {
    showStatus, clearStatus, showError, loadImageList, openImage, setRendition, blinkPrevious, stepRendition, setStretch, goTo,
  };
}

/** @typedef {ReturnType<typeof createActions>} Actions */
