#!/usr/bin/python3
"""Oracle for the stats, geom and blas kernel families.

Runs build/tests/oracle_dump_sgb on fixed (seeded) inputs and compares with
scipy.ndimage, OpenCV and numpy (Debian packages, /usr/bin/python3). Prints the
agreement figures; exits 1 when one is worse than its stated tolerance.
"""
import argparse
import os
import subprocess
import sys
import tempfile

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import skf  # noqa: E402

import cv2  # noqa: E402
from scipy import ndimage  # noqa: E402

FAILURES = []


def report(name, value, tol, unit=""):
    ok = value <= tol
    print(f"  {name:58s} {value:11.3e} (tol {tol:.1e}{unit}) {'ok' if ok else 'FAIL'}")
    if not ok:
        FAILURES.append(name)


def smooth_noise(rng, h, w, sigma, scale=1.0):
    a = ndimage.gaussian_filter(rng.random((h, w)), sigma)
    a = (a - a.min()) / (a.max() - a.min())
    return (scale * a).astype(np.float32)


class Dump:
    def __init__(self, bindir, tmp):
        self.exe = os.path.join(bindir, "oracle_dump_sgb")
        self.tmp = tmp
        self.n = 0

    def path(self, stem):
        self.n += 1
        return os.path.join(self.tmp, f"{stem}{self.n}.skf")

    def run(self, *args):
        subprocess.run([self.exe, *map(str, args)], check=True)

    def write(self, arr):
        p = self.path("in")
        skf.write(p, arr)
        return p


def check_local_stats(d, rng):
    print("local mean / variance vs scipy.ndimage.uniform_filter(mode='reflect'):")
    x = (0.7 * smooth_noise(rng, 193, 257, 3) + 0.3 * rng.random((193, 257))).astype(np.float32)
    for r in (1, 4, 16, 150):
        m, v = d.path("mean"), d.path("var")
        d.run("localstats", d.write(x), r, m, v)
        cm, cv = skf.read(m)[0], skf.read(v)[0]
        x64 = x.astype(np.float64)
        rm = ndimage.uniform_filter(x64, 2 * r + 1, mode="reflect")
        rv = ndimage.uniform_filter(x64 * x64, 2 * r + 1, mode="reflect") - rm * rm
        report(f"r={r:3d} mean max abs err (data in [0,1])", np.abs(cm - rm).max(), 1e-6)
        report(f"r={r:3d} var  max abs err", np.abs(cv - rv).max(), 1e-6)
    # Large offset: the reference works on x - 1000 in float64, which is exact.
    y = (1000.0 + 0.01 * rng.standard_normal((193, 257))).astype(np.float32)
    m, v = d.path("mean"), d.path("var")
    d.run("localstats", d.write(y), 5, m, v)
    cv = skf.read(v)[0].astype(np.float64)
    z = y.astype(np.float64) - 1000.0
    rm = ndimage.uniform_filter(z, 11, mode="reflect")
    rv = ndimage.uniform_filter(z * z, 11, mode="reflect") - rm * rm
    report("1000 + N(0, 0.01^2), r=5: var max rel err", (np.abs(cv - rv) / rv).max(), 1e-5)


def warp_coords(M, dw, dh):
    yy, xx = np.mgrid[0:dh, 0:dw].astype(np.float64)
    return M[0] * xx + M[1] * yy + M[2], M[3] * xx + M[4] * yy + M[5]


def check_warp(d, rng):
    print("affine warp vs cv2.warpAffine(WARP_INVERSE_MAP, BORDER_REPLICATE) on valid pixels,")
    print("  and vs scipy.ndimage.map_coordinates (order 1, unquantised):")
    h, w = 240, 320
    x = smooth_noise(rng, h, w, 4)
    gy, gx = np.gradient(x.astype(np.float64))
    gmax = float(np.hypot(gx, gy).max())
    ang, s, cx, cy = 0.12, 1.06, w / 2, h / 2
    c, sn = s * np.cos(ang), s * np.sin(ang)
    M = np.array([c, -sn, cx + 3.3 - (c * cx - sn * cy), sn, c, cy - 2.1 - (sn * cx + c * cy)])
    xs, ys = warp_coords(M, w, h)
    M23 = M.reshape(2, 3)
    for interp, name, cvflag, a in ((0, "nearest", cv2.INTER_NEAREST, 0.0),
                                    (1, "bilinear", cv2.INTER_LINEAR, 0.0),
                                    (2, "bicubic a=-0.75", cv2.INTER_CUBIC, -0.75)):
        o, vmask = d.path("warp"), d.path("valid")
        d.run("warp", d.write(x), interp, a, *[repr(float(t)) for t in M], w, h, o, vmask)
        out, val = skf.read(o)[0], skf.read(vmask)[0] > 0.5
        ref = cv2.warpAffine(x, M23, (w, h), flags=cvflag | cv2.WARP_INVERSE_MAP,
                             borderMode=cv2.BORDER_REPLICATE)
        diff = np.abs(out - ref)[val]
        if interp == 0:
            mism = float((diff > 0).mean())
            report("nearest: fraction differing from cv2 (fixed-point ties)", mism, 1e-2)
            xi, yi = np.floor(xs + 0.5), np.floor(ys + 0.5)
            inside = (xi >= 0) & (yi >= 0) & (xi < w) & (yi < h)
            exact = x[yi[inside].astype(int), xi[inside].astype(int)]
            report("nearest: max abs err vs floor(x+0.5) definition",
                   float(np.abs(out[inside] - exact).max()), 0.0)
            report("nearest: valid mask differs from definition", float((inside != val).sum()), 0)
        else:
            # OpenCV quantises sub-pixel positions to 1/32 px: error <= |grad| / 32.
            report(f"{name}: max abs err vs cv2 (|grad|max {gmax:.3f})", float(diff.max()),
                   gmax / 32 * (2.0 if interp == 2 else 1.0) + 1e-5)
            print(f"  {name}: mean abs err vs cv2 {diff.mean():.3e}, valid {val.mean() * 100:.1f} %")
        if interp == 1:
            inside = (xs >= 0) & (ys >= 0) & (xs <= w - 1) & (ys <= h - 1)
            ref1 = ndimage.map_coordinates(x.astype(np.float64), [ys, xs], order=1, mode="nearest")
            report("bilinear: max abs err vs map_coordinates(order=1)",
                   float(np.abs(out - ref1)[inside].max()), 1e-6)
            report("bilinear: valid mask differs from [0,w-1]x[0,h-1]", float((inside != val).sum()),
                   0)


def bilinear_taps(s, d):
    xs = np.clip((np.arange(d) + 0.5) * s / d - 0.5, 0, s - 1)
    x0 = np.floor(xs).astype(int)
    return x0, np.minimum(x0 + 1, s - 1), xs - x0


def bilinear_resize_ref(x, dw, dh):
    x = x.astype(np.float64)
    y0, y1, fy = bilinear_taps(x.shape[0], dh)
    rows = x[y0] * (1 - fy)[:, None] + x[y1] * fy[:, None]
    x0, x1, fx = bilinear_taps(x.shape[1], dw)
    return rows[:, x0] * (1 - fx) + rows[:, x1] * fx


def check_resample(d, rng):
    print("2x down-sample and resize vs cv2.resize:")
    x = rng.random((194, 258)).astype(np.float32)
    o = d.path("d2")
    d.run("down2", d.write(x), o)
    ref = cv2.resize(x, (129, 97), interpolation=cv2.INTER_AREA)
    report("down2 vs INTER_AREA (even size) max abs err", float(np.abs(skf.read(o)[0] - ref).max()),
           1e-6)
    for mode, flag, dw, dh, name in ((1, cv2.INTER_AREA, 100, 70, "area 258x194->100x70"),
                                     (0, cv2.INTER_LINEAR, 100, 70, "bilinear 258x194->100x70"),
                                     (0, cv2.INTER_LINEAR, 500, 333, "bilinear 258x194->500x333")):
        o = d.path("rs")
        d.run("resize", d.write(x), mode, dw, dh, o)
        ours = skf.read(o)[0]
        ref = cv2.resize(x, (dw, dh), interpolation=flag)
        # OpenCV computes linear-resize source positions in single precision
        # (about 1.5e-5 px at x ~ 250): allow 5e-5 there, and check the same
        # rule in float64 (numpy, below) to 1e-6.
        report(f"{name} max abs err vs cv2", float(np.abs(ours - ref).max()),
               1e-5 if mode == 1 else 5e-5)
        if mode == 0:
            report(f"{name} max abs err vs float64 definition",
                   float(np.abs(ours - bilinear_resize_ref(x, dw, dh)).max()), 1e-6)


def gabor_bank(K, k, sigma, lam, gamma):
    c = k // 2
    yy, xx = np.mgrid[-c:c + 1, -c:c + 1].astype(np.float64)
    out = []
    for n in range(K):
        th = np.pi * n / K
        u = xx * np.cos(th) + yy * np.sin(th)
        v = -xx * np.sin(th) + yy * np.cos(th)
        g = np.exp(-(u ** 2 + gamma ** 2 * v ** 2) / (2 * sigma ** 2)) * np.cos(2 * np.pi * u / lam)
        g -= g.mean()
        out.append(g / np.sqrt((g ** 2).sum()))
    return np.array(out, dtype=np.float32)


def check_bank(d, rng):
    print("filter bank (im2col + sgemm) vs scipy.ndimage.correlate(mode='reflect'):")
    x = (0.5 * smooth_noise(rng, 150, 211, 2) + 0.5 * rng.random((150, 211))).astype(np.float32)
    for k, sigma, lam in ((9, 2.0, 6.0), (15, 3.5, 10.0)):
        kern = gabor_bank(8, k, sigma, lam, 0.5)
        o = d.path("bank")
        d.run("bank", d.write(x), d.write(kern), o)
        out = skf.read(o)
        worst = 0.0
        for n in range(8):
            ref = ndimage.correlate(x.astype(np.float64), kern[n].astype(np.float64), mode="reflect")
            worst = max(worst, float(np.abs(out[n] - ref).max() / np.abs(ref).max()))
        report(f"8 Gabor {k}x{k}: max abs err / max |response|", worst, 1e-4)


def check_pca(d, rng):
    print("PCA vs numpy.linalg.eigh of the (population) covariance:")
    n = 200 * 150
    A = np.array([[3.0, 1.0, 0.2], [0.5, 1.5, -0.3], [0.1, 0.2, 0.4]])
    X = rng.standard_normal((n, 3)) @ A.T + np.array([100.0, 0.5, -20.0])
    planes = X.T.reshape(3, 150, 200).astype(np.float32)
    o = d.path("pca")
    d.run("pca", d.write(planes), o)
    res = skf.read(o)[0]
    Xf = planes.reshape(3, -1).astype(np.float64)
    mu = Xf.mean(axis=1)
    C = np.cov(Xf, ddof=0)
    ev, V = np.linalg.eigh(C)
    ev, V = ev[::-1], V[:, ::-1]
    report("mean max rel err", float(np.abs(res[0] - mu).max() / np.abs(mu).max()), 1e-6)
    report("eigenvalues max rel err", float((np.abs(res[1] - ev) / ev).max()), 1e-5)
    dots = [abs(float(np.dot(res[2 + c], V[:, c]))) for c in range(3)]
    report("eigenvectors 1 - min |dot|", 1.0 - min(dots), 1e-5)


def check_percentiles(d, rng):
    print("masked percentiles vs numpy.percentile (linear):")
    x = rng.standard_normal((300, 401)).astype(np.float32)
    x[::7, ::3] = 0.25  # many ties
    p = [0, 0.5, 5, 25, 50, 62.5, 95, 99.9, 100]
    o = d.path("pct")
    d.run("percentiles", d.write(x), *p, o)
    ours = skf.read(o)[0, 0].astype(np.float64)
    ref = np.percentile(x.astype(np.float64), p)
    report("max abs err", float(np.abs(ours - ref).max()), 1e-6)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", required=True, help="directory holding oracle_dump_sgb")
    args = ap.parse_args()
    rng = np.random.default_rng(20240611)
    print(f"OpenCV {cv2.__version__}, numpy {np.__version__}")
    with tempfile.TemporaryDirectory() as tmp:
        d = Dump(args.bin, tmp)
        check_local_stats(d, rng)
        check_warp(d, rng)
        check_resample(d, rng)
        check_bank(d, rng)
        check_pca(d, rng)
        check_percentiles(d, rng)
    if FAILURES:
        print("FAILED:", ", ".join(FAILURES))
        return 1
    print("all agreement figures within tolerance")
    return 0


if __name__ == "__main__":
    sys.exit(main())
