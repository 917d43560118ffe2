#!/usr/bin/python3
"""Oracle for the colour family.

Runs build/tests/oracle_dump_colour (scalar and AVX2 paths) on a fixed grid of
the RGB cube plus seeded random colours, and on a real photo region, and
compares with scikit-image's rgb2lab / lab2rgb / rgb2xyz (illuminant D65,
observer 2°; Debian package, /usr/bin/python3). Prints the agreement figures;
exits 1 when one is worse than its stated tolerance.

Known, expected differences from scikit-image 0.19: its sRGB matrix has six
decimals (ours is derived from the primaries and the white, so white maps to
L* = 100, a* = b* = 0 exactly), and it uses the rounded Lab constants
0.008856 / 7.787 instead of 216/24389 and 24389/27/116; both move Lab by
about 1e-2 at most (XYZ by up to 8e-5).
"""
import argparse
import os
import subprocess
import sys
import tempfile
import warnings

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import skf  # noqa: E402

from skimage import color, io  # noqa: E402

PHOTO = os.path.join(os.path.dirname(os.path.abspath(__file__)),
                     "../../../shared/data/faces/001_03.jpg")
FAILURES = []


def report(name, value, tol):
    ok = value <= tol
    print(f"  {name:60s} {value:10.3e} (tol {tol:.1e}) {'ok' if ok else 'FAIL'}")
    if not ok:
        FAILURES.append(name)


def to_hwc(a):
    return np.moveaxis(a, 0, -1).astype(np.float64)


def to_chw(a):
    return np.moveaxis(np.asarray(a, dtype=np.float32), -1, 0)


class Dump:
    def __init__(self, bindir, tmp):
        self.exe = os.path.join(bindir, "oracle_dump_colour")
        self.tmp = tmp

    def run(self, path, op, chw):
        src = os.path.join(self.tmp, "in.skf")
        dst = os.path.join(self.tmp, "out.skf")
        skf.write(src, chw)
        r = subprocess.run([self.exe, path, op, src, dst])
        if r.returncode == 2:
            return None
        r.check_returncode()
        return skf.read(dst)


def delta_e76(a, b):
    return np.sqrt(((a - b) ** 2).sum(axis=-1))


def grid_colours(rng):
    n = 33
    g = np.linspace(0.0, 1.0, n)
    r, gg, b = np.meshgrid(g, g, g, indexing="ij")
    cube = np.stack([r.ravel(), gg.ravel(), b.ravel()], axis=-1)
    extra = rng.random((200 * 300 - cube.shape[0], 3))
    allc = np.concatenate([cube, extra])[: 200 * 300]
    return allc.reshape(200, 300, 3).astype(np.float32)


def check_image(dump, path, tag, rgb_hwc):
    """rgb_hwc: float32 (h, w, 3) sRGB in [0, 1]."""
    rgb64 = rgb_hwc.astype(np.float64)
    lab_ref = color.rgb2lab(rgb64, illuminant="D65", observer="2")
    ours = dump.run(path, "srgb_to_lab", to_chw(rgb_hwc))
    if ours is None:
        print(f"  ({path} not available on this CPU: skipped)")
        return
    lab = to_hwc(ours)
    report(f"{tag} {path}: srgb_to_lab vs rgb2lab, max dE76", delta_e76(lab, lab_ref).max(), 0.02)
    report(f"{tag} {path}: srgb_to_lab vs rgb2lab, max |dL*|",
           np.abs(lab[..., 0] - lab_ref[..., 0]).max(), 0.01)

    # lab2rgb from the reference Lab (in gamut); skimage clips to [0, 1]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        rgb_ref = color.lab2rgb(lab_ref, illuminant="D65", observer="2")
    back = to_hwc(dump.run(path, "lab_to_srgb", to_chw(lab_ref)))
    report(f"{tag} {path}: lab_to_srgb vs lab2rgb, max |dRGB|",
           np.abs(np.clip(back, 0, 1) - rgb_ref).max(), 2e-4)
    report(f"{tag} {path}: round trip sRGB->Lab->sRGB, max |dRGB|",
           np.abs(to_hwc(dump.run(path, "lab_to_srgb", ours)) - rgb64).max(), 1e-4)

    # staged: decode + matrix vs rgb2xyz
    lin = dump.run(path, "srgb_to_linear", to_chw(rgb_hwc))
    xyz = to_hwc(dump.run(path, "linear_to_xyz", lin))
    report(f"{tag} {path}: srgb_to_linear+linear_to_xyz vs rgb2xyz, max abs",
           np.abs(xyz - color.rgb2xyz(rgb64)).max(), 2e-4)
    lab2 = to_hwc(dump.run(path, "xyz_to_lab", to_chw(xyz)))
    report(f"{tag} {path}: xyz_to_lab vs xyz2lab, max dE76",
           delta_e76(lab2, color.xyz2lab(xyz, illuminant="D65", observer="2")).max(), 0.02)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", required=True)
    args = ap.parse_args()
    rng = np.random.default_rng(20260112)
    print("colour oracle: scikit-image", __import__("skimage").__version__, "seed 20260112")
    with tempfile.TemporaryDirectory() as tmp:
        dump = Dump(args.bin, tmp)
        grid = grid_colours(rng)
        photo = io.imread(PHOTO)
        h, w = photo.shape[:2]
        y0, x0 = max(0, h // 2 - 128), max(0, w // 2 - 128)
        crop = (photo[y0:y0 + 256, x0:x0 + 256, :3].astype(np.float32) / 255.0)
        print(f"  photo {os.path.basename(PHOTO)} {w}x{h}, crop 256x256 at ({x0}, {y0})")
        for path in ("scalar", "avx2"):
            check_image(dump, path, "grid", grid)
            check_image(dump, path, "photo", crop)
        # the sRGB white and black
        wb = np.array([[[1, 1, 1], [0, 0, 0]]], dtype=np.float32)
        lab = to_hwc(dump.run("scalar", "srgb_to_lab", to_chw(wb)))
        report("white -> (100, 0, 0), black -> (0, 0, 0), max abs",
               np.abs(lab - np.array([[[100, 0, 0], [0, 0, 0]]])).max(), 1e-3)
    if FAILURES:
        print("FAILED:", ", ".join(FAILURES))
        return 1
    print("all colour oracle checks within tolerance")
    return 0


if __name__ == "__main__":
    sys.exit(main())
