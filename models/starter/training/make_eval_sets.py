"""Writes the starter world's evaluation sets (world seeds no training run uses):
  test/fixtures/starter-world/  scenes rendered with their truth, for validating the detector
  bench/starter-heldout.json    held-out captions with their truth, for npm run eval:control

    /usr/bin/python3 models/starter/training/make_eval_sets.py
"""
import json
import struct
import sys
import zlib
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import world  # noqa: E402

ROOT = HERE.parents[2]
DETECTOR_SEED, HELDOUT_SEED = 4242, 777


def write_png(path, image):
    h, w, _ = image.shape
    raw = b"".join(b"\x00" + image[y].tobytes() for y in range(h))
    chunk = lambda t, d: struct.pack(">I", len(d)) + t + d + struct.pack(">I", zlib.crc32(t + d) & 0xFFFFFFFF)
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0)) + chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b""))


def main():
    folder = ROOT / "test" / "fixtures" / "starter-world"
    folder.mkdir(parents=True, exist_ok=True)
    scenes = []
    for i in range(200):
        image, caption, truth, _ = world.scene(i, DETECTOR_SEED)
        name = f"scene-{i:03d}.png"
        write_png(folder / name, image)
        scenes.append({"file": name, "caption": caption, **truth})
    palette = {"shapes": world.SHAPES, "colors": world.COLORS, "backgrounds": world.BACKGROUNDS}
    (folder / "scenes.json").write_text(json.dumps({"seed": DETECTOR_SEED, "palette": palette, "scenes": scenes}))
    heldout = []
    for i in range(64):
        _, caption, truth, _ = world.scene(i, HELDOUT_SEED)
        heldout.append({"caption": caption, **truth})
    (ROOT / "bench" / "starter-heldout.json").write_text(json.dumps({"seed": HELDOUT_SEED, "scenes": heldout}, indent=1))
    print(f"wrote {len(scenes)} detector scenes and {len(heldout)} held-out captions")


if __name__ == "__main__":
    main()
