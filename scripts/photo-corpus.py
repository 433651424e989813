#!/usr/bin/env python3
"""The photo corpus of issue 16: paper shards "photographed" under a fixed grid of distortions,
and the table of how many of each row every decoder reads. Standard library only; calls tools.

    python3 scripts/photo-corpus.py [--out DIR] [--jobs N]          # generate (cached)
    python3 scripts/photo-corpus.py --table --rootkey PATH [--write FILE] [--jobs N]
    python3 scripts/photo-corpus.py --make-shards PATH              # new fixed shard set

Shards: the 12 paper shards committed under tests/fixtures/qr-photos/shards/ (four runs of
`rootkey rehearse`, holders 3-5 each: throwaway REHEARSAL keys), with each run's manifest.json
and root.pem, and expected.tsv (the QR payload of each shard, read from its clean render).
`--make-shards ROOTKEY` replaces them with four new rehearsals (then regenerate the table).

Generation: each shard PDF is rendered once with `pdftoppm -r 300 -gray` (A4, 2481x3508), then
each row of GRID makes one image per shard with ImageMagick's /usr/bin/convert (IM6), in this
order, like a phone photo: frame (the whole page, or the close-up crop around the QR code),
scale to the row's width, keystone, rotation, uneven light, blur, noise, JPEG quality; noise
seeds are fixed (-seed: CRC-32 of the row's id mod 10^6, times 100, plus the shard's number, so
that a row added or removed changes no other row). Images land in DIR/<key>/ (DIR defaults to
target/photo-corpus; key = SHA-256 of this script, the shards and the ImageMagick version), with
DIR/<key>/corpus.tsv listing each image (row, image, shard, share index, manifest, root,
expected payload), written last: a rerun with the same key only prints the path. Corpora of
other keys in DIR are removed then (about 30 MB each).

Table: every image is decoded by zbarimg, by zxing-cpp (the Python package `zxingcpp`, if this
interpreter can import it; else "-") and by `ROOTKEY share verify --qr-image IMAGE --manifest M
--root R`. A decode counts only if it is the expected share: zbarimg and zxing-cpp must return
exactly the expected payload; rootkey must exit 0 and say "OK: share N of" (its share, checked
against the root-signed manifest). The table (successes out of 12 per row) goes to stdout and,
with --write, to FILE. tests/qr_photos.rs asserts rootkey's and zbarimg's columns against the
committed tests/fixtures/qr-photos/table.tsv.
"""

import argparse
import concurrent.futures
import hashlib
import math
import os
import pathlib
import shutil
import subprocess
import sys
import tempfile
import zlib

REPO = pathlib.Path(__file__).resolve().parent.parent
SHARDS = REPO / "tests/fixtures/qr-photos/shards"
CONVERT = "/usr/bin/convert"  # ImageMagick 6 (Debian's imagemagick package)
PER_ROW = 12

# A4 at 300 dpi (pdftoppm): the page, and the QR code on it (285..935 x 974..1624, 650 px).
PAGE = (2481, 3508)
CLOSEUP = "950x950+135+824"  # the QR code with 150 px of paper around it
CLOSEUP_SIZE = (950, 950)

# The grid. frame: "page" (the whole shard) or "closeup" (the crop around the QR code);
# width: pixels after scaling (None: 300 dpi, unscaled); rot: degrees; blur: Gaussian sigma in
# output pixels; noise: ImageMagick Gaussian noise attenuation; keystone: each top corner moved
# inward by this fraction of the width; light: None, or the brightness (percent) left at the
# far corner of a linear gradient multiplied over the image (uneven light); quality: JPEG.
# The four "issue-*" rows are issue 16's table, as described there.
GRID = [
    dict(id="clean", frame="page", width=1000, quality=90),
    dict(id="rotate-20", frame="page", width=1000, rot=20, quality=90),
    dict(id="blur-2.5", frame="page", width=1000, blur=2.5, quality=90),
    dict(id="noise-1.0", frame="page", width=1000, noise=1.0, quality=90),
    dict(id="keystone-10", frame="page", width=1000, keystone=0.10, quality=90),
    dict(id="light-uneven-30", frame="page", width=1000, light=30, quality=90),
    dict(id="scale-700", frame="page", width=700, quality=90),
    dict(id="jpeg-15", frame="page", width=1000, quality=15),
    dict(id="issue-7deg-1000px", frame="page", width=1000, rot=7, blur=1.5, noise=0.6,
         keystone=0.04, quality=40),
    dict(id="issue-8deg-uneven", frame="closeup", width=None, rot=8, blur=1.5, noise=0.6,
         keystone=0.06, light=45, quality=40),
    dict(id="issue-3deg-blur2-1000px", frame="page", width=1000, rot=3, blur=2.0, noise=0.5,
         keystone=0.02, quality=40),
    dict(id="issue-closeup-10deg-400px", frame="closeup", width=400, rot=10, blur=2.0,
         light=45, quality=40),
    dict(id="hard-closeup-300px", frame="closeup", width=300, rot=20, blur=1.5, noise=0.6,
         keystone=0.06, light=40, quality=30),
]


def describe(row):
    """One line saying what the row is, for the table."""
    what = ["page" if row["frame"] == "page" else "close-up"]
    what.append(f"{row['width']} px" if row["width"] else "300 dpi")
    if row.get("rot"):
        what.append(f"{row['rot']} deg")
    if row.get("blur"):
        what.append(f"blur {row['blur']}")
    if row.get("noise"):
        what.append(f"noise {row['noise']}")
    if row.get("keystone"):
        what.append(f"keystone {round(row['keystone'] * 100)} %")
    if row.get("light"):
        what.append(f"uneven light {row['light']} %")
    what.append(f"JPEG {row['quality']}")
    return ", ".join(what)


def shards():
    """The fixed shard set: [(id, pdf, index, manifest, root, expected payload)]."""
    expected = {}
    for line in (SHARDS / "expected.tsv").read_text().splitlines():
        if line and not line.startswith("#"):
            sid, payload = line.split("\t")
            expected[sid] = payload
    out = []
    for run in sorted(p for p in SHARDS.iterdir() if p.is_dir()):
        for pdf in sorted(run.glob("share-*.pdf")):
            sid = f"{run.name}-{pdf.stem[:8]}"
            index = int(pdf.name[6:8])
            out.append((sid, pdf, index, run / "manifest.json", run / "root.pem", expected[sid]))
    if len(out) != PER_ROW:
        sys.exit(f"photo-corpus: {SHARDS} holds {len(out)} shard PDFs, not {PER_ROW}")
    return out


def run(cmd, **kw):
    # One thread per ImageMagick run: the noise is then the same on every machine, and the
    # runs themselves are spread over --jobs.
    env = dict(os.environ, MAGICK_THREAD_LIMIT="1")
    try:
        r = subprocess.run(cmd, capture_output=True, env=env, **kw)
    except FileNotFoundError:
        sys.exit(f"photo-corpus: {cmd[0]} not found: install it (apt: poppler-utils for pdftoppm, "
                 "imagemagick for /usr/bin/convert, zbar-tools for zbarimg)")
    if r.returncode != 0:
        sys.exit(f"photo-corpus: {' '.join(map(str, cmd))} failed ({r.returncode}): "
                 f"{r.stderr.decode(errors='replace').strip()}")
    return r.stdout


def corpus_key():
    h = hashlib.sha256()
    h.update(pathlib.Path(__file__).read_bytes())
    for p in sorted(SHARDS.rglob("*")):
        if p.is_file():
            h.update(str(p.relative_to(SHARDS)).encode() + b"\0" + p.read_bytes())
    h.update(run([CONVERT, "-version"]).splitlines()[0])
    return h.hexdigest()[:16]


def frame_name(row):
    """The scaled frame a row starts from: shared by the rows with the same frame and width."""
    return f"{row['frame']}-{row['width'] or '300dpi'}"


def frame_args(row, src, dst):
    """The ImageMagick command cutting and scaling a row's frame from the 300-dpi render."""
    cmd = [CONVERT, str(src)]
    if row["frame"] == "closeup":
        cmd += ["-crop", CLOSEUP, "+repage"]
    w, h = frame_size(row)
    if row["width"]:
        cmd += ["-resize", f"{w}x{h}!"]
    return cmd + [str(dst)]


def frame_size(row):
    w, h = CLOSEUP_SIZE if row["frame"] == "closeup" else PAGE
    if row["width"]:
        return row["width"], round(h * row["width"] / w)
    return w, h


def convert_args(row, src, dst, seed):
    """The ImageMagick command making one image of `row` from its frame `src`.

    Keystone and rotation are one projective map (fewer resamplings, faster): the top
    corners move inward by keystone x width, then the whole turns clockwise by `rot` degrees
    about the centre; the image keeps the frame's size (a camera's field of view), paper white
    beyond the page.
    """
    cmd = [CONVERT, str(src)]
    w, h = frame_size(row)
    k = row.get("keystone", 0) * w
    if k or row.get("rot"):
        t = math.radians(row.get("rot", 0))
        cx, cy = w / 2, h / 2

        def turn(x, y):
            return (cx + (x - cx) * math.cos(t) - (y - cy) * math.sin(t),
                    cy + (x - cx) * math.sin(t) + (y - cy) * math.cos(t))
        pairs = [((0, 0), (k, 0)), ((w, 0), (w - k, 0)), ((0, h), (0, h)), ((w, h), (w, h))]
        points = " ".join(f"{a},{b} {x:.2f},{y:.2f}" for (a, b), d in pairs for x, y in [turn(*d)])
        cmd += ["-virtual-pixel", "white", "-filter", "point", "-interpolate", "bilinear",
                "-distort", "Perspective", points]
    if row.get("light"):
        cmd += ["(", "+clone", "-sparse-color", "Barycentric",
                f"0,0 white {w - 1},{h - 1} gray{row['light']}", ")",
                "-compose", "Multiply", "-composite"]
    if row.get("blur"):
        cmd += ["-blur", f"0x{row['blur']}"]
    if row.get("noise"):
        cmd += ["-seed", str(seed), "-attenuate", str(row["noise"]), "+noise", "Gaussian"]
    cmd += ["-quality", str(row["quality"]), str(dst)]
    return cmd


def tmp_of(path):
    return path.with_name(f".{path.stem}.tmp{path.suffix}")


def made(cmd, path):
    """Runs `cmd` (writing tmp_of(path)) unless `path` exists; then renames it into place."""
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        run(cmd)
        os.replace(tmp_of(path), path)


def generate(out, jobs):
    """Makes (or finds) the corpus under `out`; returns the path of its corpus.tsv."""
    base = pathlib.Path(out) / corpus_key()
    index = base / "corpus.tsv"
    if index.exists():
        return index
    the_shards = shards()
    renders = base / "renders"
    with concurrent.futures.ThreadPoolExecutor(jobs) as pool:
        list(pool.map(lambda s: made(["pdftoppm", "-r", "300", "-gray", "-png", "-singlefile",
                                      str(s[1]), str(tmp_of(renders / s[0]))],
                                     renders / f"{s[0]}.png"), the_shards))
        frames = {}  # each (frame, width) cut and scaled once per shard, as PGM (fast to read)
        for row in GRID:
            for s in the_shards:
                f = base / "frames" / frame_name(row) / f"{s[0]}.pgm"
                frames[f] = frame_args(row, renders / f"{s[0]}.png", f)
        list(pool.map(lambda f: made(frames[f][:-1] + [str(tmp_of(f))], f), frames))
        todo, lines = [], []
        for row in GRID:
            (base / row["id"]).mkdir(exist_ok=True)
            for n, s in enumerate(the_shards, 1):
                img = base / row["id"] / f"{s[0]}.jpg"
                lines.append("\t".join([row["id"], str(img), s[0], str(s[2]), str(s[3]),
                                        str(s[4]), s[5]]))
                frame = base / "frames" / frame_name(row) / f"{s[0]}.pgm"
                seed = zlib.crc32(row["id"].encode()) % 10**6 * 100 + n
                todo.append((convert_args(row, frame, tmp_of(img), seed), img))

        list(pool.map(lambda t: made(t[0], t[1]), todo))
    tmp = index.with_name(".corpus.tsv.tmp")
    tmp.write_text("# row\timage\tshard\tindex\tmanifest\troot\texpected\n"
                   + "\n".join(lines) + "\n")
    os.replace(tmp, index)
    shutil.rmtree(base / "frames")  # only needed to make the images
    for old in base.parent.iterdir():  # corpora of earlier grids, scripts or shards
        if old != base and len(old.name) == 16 and (old / "renders").is_dir():
            shutil.rmtree(old)
    return index


def read_corpus(index):
    return [line.split("\t") for line in index.read_text().splitlines()
            if line and not line.startswith("#")]


def zbarimg_reads(img, expected):
    r = subprocess.run(["zbarimg", "-q", "--raw", img], capture_output=True)
    return expected in r.stdout.decode(errors="replace").splitlines()


def rootkey_reads(rootkey, img, index, manifest, root):
    r = subprocess.run([rootkey, "share", "verify", "--qr-image", img, "--manifest", manifest,
                        "--root", root], capture_output=True, stdin=subprocess.DEVNULL)
    return r.returncode == 0 and f"OK: share {index} of ".encode() in r.stdout


def zxing_module():
    try:
        import zxingcpp  # noqa: PLC0415 (optional, informational column)
        return zxingcpp
    except ImportError:
        return None


def zxing_reads(zx, img, expected):
    """zxing-cpp on the image's 8-bit grey pixels (from ImageMagick as PGM: no PIL needed)."""
    pgm = run([CONVERT, img, "-colorspace", "Gray", "-depth", "8", "pgm:-"])
    fields, at = [], 0
    while len(fields) < 4:  # P5 width height maxval, whitespace-separated
        while pgm[at:at + 1].isspace():
            at += 1
        start = at
        while not pgm[at:at + 1].isspace():
            at += 1
        fields.append(pgm[start:at])
    w, h = int(fields[1]), int(fields[2])
    pixels = memoryview(pgm[at + 1:at + 1 + w * h]).cast("B", (h, w))
    found = zx.read_barcodes(pixels, formats=zx.BarcodeFormat.QRCode)
    return any(b.text == expected for b in found)


def table(index, rootkey, jobs):
    rows = read_corpus(index)
    zx = zxing_module()

    def decode(r):
        row, img, _, share_index, manifest, root, expected = r
        return (row,
                zbarimg_reads(img, expected),
                zxing_reads(zx, img, expected) if zx else None,
                rootkey_reads(rootkey, img, share_index, manifest, root))
    counts = {row["id"]: [0, 0, 0] for row in GRID}
    with concurrent.futures.ThreadPoolExecutor(jobs) as pool:
        for row, zb, zc, rk in pool.map(decode, rows):
            counts[row][0] += zb
            counts[row][1] += bool(zc)
            counts[row][2] += rk
    out = ["# Photo corpus (issue 16): successes out of 12 images per row; README, "
           "\"Photo corpus\".",
           "# Regenerate: python3 scripts/photo-corpus.py --table --rootkey target/debug/rootkey "
           "--write tests/fixtures/qr-photos/table.tsv",
           "# (with a python that imports zxingcpp, `pip install zxing-cpp`, for that column).",
           "# tests/qr_photos.rs asserts the zbarimg and rootkey columns.",
           "variant\tzbarimg\tzxing-cpp\trootkey\twhat"]
    for row in GRID:
        zb, zc, rk = counts[row["id"]]
        out.append(f"{row['id']}\t{zb}\t{zc if zx else '-'}\t{rk}\t{describe(row)}")
    return "\n".join(out) + "\n"


def make_shards(rootkey):
    """Four rehearsals; their paper shards, manifests and roots become the fixed set."""
    with tempfile.TemporaryDirectory(dir="/dev/shm") as t:
        new = pathlib.Path(t) / "shards"
        new.mkdir()
        expected = ["# shard\tQR payload (read by zbarimg from the clean 300-dpi render)"]
        for n in range(1, 5):
            r = pathlib.Path(t) / f"r{n}"
            run([rootkey, "rehearse", "--out", str(r)], stdin=subprocess.DEVNULL)
            d = new / f"r{n}"
            d.mkdir()
            for name in ["manifest.json", "root.pem"] + [p.name for p in r.glob("share-*.pdf")]:
                shutil.copyfile(r / name, d / name)
            for pdf in sorted(d.glob("share-*.pdf")):
                run(["pdftoppm", "-r", "300", "-gray", "-png", "-singlefile", str(pdf),
                     str(pathlib.Path(t) / "p")])
                payload = run(["zbarimg", "-q", "--raw", f"{t}/p.png"]).decode().strip()
                expected.append(f"r{n}-{pdf.stem[:8]}\t{payload}")
        (new / "expected.tsv").write_text("\n".join(expected) + "\n")
        if SHARDS.exists():
            shutil.rmtree(SHARDS)
        shutil.copytree(new, SHARDS)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", default=str(REPO / "target/photo-corpus"),
                    help="cache directory (default target/photo-corpus)")
    ap.add_argument("--jobs", type=int, default=2, help="parallel tool runs (default 2)")
    ap.add_argument("--table", action="store_true", help="decode every image; print the table")
    ap.add_argument("--rootkey", help="the rootkey binary (for --table, --make-shards)")
    ap.add_argument("--write", help="with --table: also write the table to this file")
    ap.add_argument("--make-shards", metavar="ROOTKEY", help="replace the fixed shard set")
    a = ap.parse_args()
    if a.make_shards:
        make_shards(a.make_shards)
        return
    if a.table and not a.rootkey:
        ap.error("--table needs --rootkey PATH")
    index = generate(a.out, a.jobs)
    if not a.table:
        print(index)
        return
    t = table(index, a.rootkey, a.jobs)
    sys.stdout.write(t)
    if a.write:
        pathlib.Path(a.write).write_text(t)


if __name__ == "__main__":
    main()
