"""Choosing the HDU that holds a band, and describing a file's HDUs in error messages.

HDU indices are 0-based, as astropy counts them (the primary HDU is 0; FITS tools such as DS9 write ``[1]``
for the first extension, which is also index 1 here). Image axes are in FITS order: ``NAXIS1`` (x, columns)
first.
"""

from __future__ import annotations

from astropy.io import fits

from tiles.errors import FitsReadError

_IMAGE_HDUS = (fits.PrimaryHDU, fits.ImageHDU, fits.CompImageHDU)


def image_axes(header: fits.Header) -> list[int]:
    """``[NAXIS1, NAXIS2, ...]`` with trailing length-1 axes dropped (radio images often carry
    ``NAXIS3 = NAXIS4 = 1``); an empty list when the HDU has no data."""
    naxis = int(header.get("NAXIS", 0))
    axes = [int(header.get(f"NAXIS{i}", 0)) for i in range(1, naxis + 1)]
    if not axes or 0 in axes:
        return []
    while len(axes) > 2 and axes[-1] == 1:
        axes.pop()
    return axes


def _describe(index: int, hdu: fits.hdu.base._BaseHDU) -> str:
    name = hdu.name or "(no name)"
    if not isinstance(hdu, _IMAGE_HDUS):
        return f"{index} {name} (table)"
    axes = image_axes(hdu.header)
    if not axes:
        return f"{index} {name} (no data)"
    kind = {1: "1-D", 2: "2-D image", 3: "3-D cube"}.get(len(axes), f"{len(axes)}-D")
    return f"{index} {name} ({kind} {'x'.join(str(n) for n in axes)})"


def describe_hdus(hdul: fits.HDUList) -> str:
    """One line naming every HDU, e.g. ``0 PRIMARY (no data), 1 SCI (2-D image 4096x4096), 2 WHT (...)``."""
    return ", ".join(_describe(i, hdu) for i, hdu in enumerate(hdul))


def _dims(hdu: fits.hdu.base._BaseHDU) -> int:
    return len(image_axes(hdu.header)) if isinstance(hdu, _IMAGE_HDUS) else 0


def select_hdu(hdul: fits.HDUList, hdu: int | str | None, plane: int | None, where: str) -> int:
    """Index of the HDU holding the band.

    ``hdu`` is a 0-based index or an EXTNAME (case-insensitive); None takes the first HDU with 2-D image data
    (or, when ``plane`` is given, the first 3-D cube). Raises :class:`FitsReadError` naming the HDUs present.
    """
    if isinstance(hdu, str) and hdu.strip().lstrip("-").isdigit():
        hdu = int(hdu)
    if isinstance(hdu, int):
        if not 0 <= hdu < len(hdul):
            raise FitsReadError(f"{where} has no HDU {hdu}; its HDUs are: {describe_hdus(hdul)}")
        index = hdu
    elif isinstance(hdu, str):
        try:
            index = hdul.index_of(hdu.strip().upper())
        except KeyError:
            listing = describe_hdus(hdul)
            raise FitsReadError(f"{where} has no HDU named {hdu!r}; its HDUs are: {listing}") from None
    else:
        wanted = 3 if plane is not None else 2
        found = [i for i, h in enumerate(hdul) if _dims(h) == wanted]
        if not found:
            cubes = [i for i, h in enumerate(hdul) if _dims(h) == 3]
            hint = ""
            if cubes and plane is None:
                hint = (f"; HDU {cubes[0]} is a 3-D cube: choose one of its planes "
                        f"(CLI: NAME=file.fits[{cubes[0]},PLANE])")
            kind = "3-D cube" if plane is not None else "2-D image data"
            raise FitsReadError(f"{where} has no {kind}{hint}. Its HDUs are: {describe_hdus(hdul)}")
        index = found[0]
    dims = _dims(hdul[index])
    if dims not in (2, 3):
        raise FitsReadError(
            f"{where}: HDU {_describe(index, hdul[index])} holds no 2-D image; "
            f"its HDUs are: {describe_hdus(hdul)}"
        )
    return index
