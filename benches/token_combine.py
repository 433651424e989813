#!/usr/bin/env python3
"""Benchmark (issue 12): `rootkey combine` as a whole process with 2 token shares (two SoftHSM2
tokens, PINs typed at the hidden prompts through a pseudo-terminal) + 1 paper shard (a 150-dpi
scan of its PDF, `--qr-image`), side by side with the same quorum from 3 share files and with
2 token shares + 1 share file (to separate the tokens' cost from the photo's).

    python3 benches/token_combine.py [RUNS] [WORKDIR]

Needs softhsm2-util, pdftoppm and a release build (`cargo build --release`; built if missing).
Prints median / mean / min / max wall time per variant. Each run includes process start,
hardening, reading the context, the shares, the rebuild, and the fdatasync'ed transcript.
"""

import os
import pty
import select
import shutil
import statistics
import subprocess
import sys
import tempfile
import termios
import time

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BIN = os.path.join(REPO, "target", "release", "rootkey")
PIN = b"123456"
MODULE = next(
    p
    for p in (
        "/usr/lib/softhsm/libsofthsm2.so",
        "/usr/lib/x86_64-linux-gnu/softhsm/libsofthsm2.so",
    )
    if os.path.exists(p)
)


def in_pty(args, pins):
    """Runs BIN ARGS in a pty, typing each PIN at a hidden prompt; returns (exit code, output)."""
    pid, fd = pty.fork()
    if pid == 0:
        os.execv(BIN, [BIN] + args)
    out = b""
    pending = list(pins)
    while True:
        r, _, _ = select.select([fd], [], [], 60)
        if not r:
            os.kill(pid, 9)
            raise SystemExit("rootkey timed out:\n" + out.decode(errors="replace"))
        try:
            chunk = os.read(fd, 4096)
        except OSError:
            break
        if not chunk:
            break
        out += chunk
        if pending and out.endswith(b"(hidden): "):
            # Wait until the terminal stopped echoing, then type.
            while termios.tcgetattr(fd)[3] & termios.ECHO:
                time.sleep(0.001)
            os.write(fd, pending.pop(0) + b"\n")
    _, status = os.waitpid(pid, 0)
    os.close(fd)
    return os.waitstatus_to_exitcode(status), out.decode(errors="replace")


def main():
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 10
    work = sys.argv[2] if len(sys.argv) > 2 else tempfile.mkdtemp()
    os.makedirs(work, exist_ok=True)
    if not os.path.exists(BIN):
        subprocess.run(["cargo", "build", "--release", "--quiet"], cwd=REPO, check=True)
    os.chdir(work)
    os.makedirs("tokens", exist_ok=True)
    with open("softhsm2.conf", "w") as f:
        f.write(f"directories.tokendir = {work}/tokens\nobjectstore.backend = file\nlog.level = ERROR\n")
    os.environ["SOFTHSM2_CONF"] = os.path.join(work, "softhsm2.conf")
    for label in ("alice-token", "bob-token"):
        subprocess.run(
            ["softhsm2-util", "--init-token", "--free", "--label", label,
             "--pin", PIN.decode(), "--so-pin", "65432100"],
            check=True, stdout=subprocess.DEVNULL)
    plan = open(os.path.join(REPO, "ceremony-scripts", "rehearsal.toml")).read()
    for label in ("alice-token", "bob-token"):
        plan = plan.replace(
            'medium = "text"',
            f'medium = "pkcs11"\n\n[holders.token]\nmodule = "{MODULE}"\nlabel = "{label}"', 1)
    # Holder 3 on paper (scanned), holder 4 on text (for the mixed variant).
    plan = plan.replace('role = "CTO (paper)"\nmedium = "paper"', 'role = "CTO"\nmedium = "text"')
    with open("plan.toml", "w") as f:
        f.write(plan)
    shutil.rmtree("gen", ignore_errors=True)
    code, out = in_pty(["generate", "--plan", "plan.toml", "--out", "gen"], [PIN, PIN])
    if code != 0:
        raise SystemExit(out)
    names = sorted(os.listdir("gen"))
    shard = next(n for n in names if n.startswith("share-03-") and n.endswith(".pdf"))
    subprocess.run(["pdftoppm", "-r", "150", "-png", "-singlefile", f"gen/{shard}", "scan-3"],
                   check=True)
    text4 = "gen/" + next(n for n in names if n.startswith("share-04-"))
    # A text-only ceremony for the baseline: the same tool, 3 share files.
    textplan = open(os.path.join(REPO, "ceremony-scripts", "rehearsal.toml")).read().replace(
        'medium = "paper"', 'medium = "text"')
    with open("text.toml", "w") as f:
        f.write(textplan)
    shutil.rmtree("textgen", ignore_errors=True)
    subprocess.run([BIN, "generate", "--plan", "text.toml", "--out", "textgen"], check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    textshares = ["textgen/" + n for n in sorted(os.listdir("textgen")) if n.endswith(".txt")][:3]
    ctx = ["--manifest", "gen/manifest.json", "--root", "gen/root.pem"]
    tok = ["--token-share", "1", "--token-share", "2", "--pkcs11-module", MODULE]
    variants = [
        ("3 share files (baseline)",
         lambda d: (["combine", "--out", d, "--manifest", "textgen/manifest.json",
                     "--root", "textgen/root.pem"] + textshares, [])),
        ("2 SoftHSM2 token shares + 1 share file",
         lambda d: (["combine", "--out", d] + ctx + tok + [text4], [PIN, PIN])),
        ("2 SoftHSM2 token shares + 1 paper shard scan (--qr-image, 150 dpi page)",
         lambda d: (["combine", "--out", d] + ctx + tok + ["--qr-image", "scan-3.png"], [PIN, PIN])),
    ]
    for name, make in variants:
        times = []
        for i in range(runs):
            d = f"check-{len(times)}-{abs(hash(name)) % 10000}"
            shutil.rmtree(d, ignore_errors=True)
            args, pins = make(d)
            t = time.perf_counter()
            code, out = in_pty(args, pins)
            times.append((time.perf_counter() - t) * 1000)
            if code != 0:
                raise SystemExit(f"{name}: exit {code}\n{out}")
            shutil.rmtree(d)
        print(f"{name}: median {statistics.median(times):.1f} ms  mean {statistics.mean(times):.1f} ms"
              f"  min {min(times):.1f} ms  max {max(times):.1f} ms  ({runs} runs)")


if __name__ == "__main__":
    main()
