/**
 * A scale bar in arcseconds: its length is a round sky angle (0.1", 0.2", 0.5", 1", ... 30", 1', 2', ...)
 * whose width on screen is at most MAX_WIDTH CSS pixels. The angle per CSS pixel is the image's
 * `pixel_scale_arcsec` times the view resolution (image pixels per CSS pixel). Without a celestial WCS
 * the bar measures image pixels instead.
 */
import Control from 'ol/control/Control.js';

export const MAX_WIDTH = 120;

const ARCSEC_STEPS = [
  0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10, 20, 30, 60, 120, 300, 600, 1200, 1800,
  3600, 7200, 18000, 36000,
];
const PIXEL_STEPS = [1, 2, 5].flatMap((m) => [0.1, 1, 10, 100, 1000, 10000].map((p) => m * p))
  .sort((a, b) => a - b);

/**
 * @param {number} arcsec a value from ARCSEC_STEPS
 * @returns {string} e.g. `0.5"`, `30"`, `2'`, `1°`
 */
export function formatAngle(arcsec) {
  if (arcsec >= 3600) return `${+(arcsec / 3600).toPrecision(6)}°`;
  if (arcsec >= 60) return `${+(arcsec / 60).toPrecision(6)}'`;
  return `${+arcsec.toPrecision(6)}"`;
}

/**
 * The longest round length whose bar fits in `maxWidth` CSS pixels (the shortest one if none fits).
 * @param {number} unitsPerCssPixel arcsec (or image pixels) per CSS pixel
 * @param {'arcsec'|'px'} unit
 * @param {number} [maxWidth]
 * @returns {{length: number, widthPx: number, label: string}}
 */
export function scaleBarLength(unitsPerCssPixel, unit, maxWidth = MAX_WIDTH) {
  const steps = unit === 'arcsec' ? ARCSEC_STEPS : PIXEL_STEPS;
  let length = steps[0];
  for (const step of steps) {
    if (step / unitsPerCssPixel <= maxWidth) length = step;
  }
  const label = unit === 'arcsec' ? formatAngle(length) : `${+length.toPrecision(6)} px`;
  return { length, widthPx: length / unitsPerCssPixel, label };
}

/** OpenLayers control drawing the bar in `#scale-bar`; updated on every map render. */
export class ScaleBarControl extends Control {
  constructor() {
    const element = document.createElement('div');
    element.id = 'scale-bar';
    element.className = 'scale-bar ol-unselectable';
    element.innerHTML = '<div class="scale-bar-label"></div><div class="scale-bar-bar"></div>';
    super({ element, render: (event) => this.update(event.frameState) });
    /** @type {number|null} arcsec per image pixel, null without a celestial WCS */
    this.pixelScale = null;
    this.renderedKey = '';
  }

  /** @param {number|null} arcsecPerPixel the image's pixel_scale_arcsec, or null to measure in pixels */
  setPixelScale(arcsecPerPixel) {
    this.pixelScale = arcsecPerPixel;
    this.renderedKey = '';
    this.getMap()?.render();
  }

  /** @param {import('ol/Map.js').FrameState|null} frameState */
  update(frameState) {
    if (!frameState) return;
    const resolution = frameState.viewState.resolution;
    const key = `${resolution}/${this.pixelScale}`;
    if (key === this.renderedKey) return;
    this.renderedKey = key;
    const unit = this.pixelScale ? 'arcsec' : 'px';
    const perCssPixel = this.pixelScale ? this.pixelScale * resolution : resolution;
    const { length, widthPx, label } = scaleBarLength(perCssPixel, unit);
    const el = this.element;
    el.dataset.unit = unit;
    el.dataset.length = String(length);
    el.dataset.widthPx = widthPx.toFixed(2);
    /** @type {HTMLElement} */ (el.querySelector('.scale-bar-bar')).style.width = `${widthPx}px`;
    /** @type {HTMLElement} */ (el.querySelector('.scale-bar-label')).textContent = label;
  }
}
