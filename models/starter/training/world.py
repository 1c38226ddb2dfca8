"""The starter model's procedural world: scenes of 1 to 4 coloured shapes on plain or textured
backgrounds, each with a varied English caption and its ground truth (boxes, masks, colours,
shapes, relations). Seeded: scene(i, seed) is the same everywhere.

Object colours and background colours come from separate palettes, far apart, so that a
detector can segment objects by colour without learned weights.
"""
import math

import numpy as np

SIZE = 64
SHAPES = ["circle", "square", "triangle", "star", "ring", "cross"]
COLORS = {
    "red": (220, 40, 40),
    "green": (40, 170, 60),
    "blue": (40, 80, 220),
    "yellow": (235, 210, 40),
    "purple": (140, 50, 190),
    "orange": (240, 130, 30),
    "white": (245, 245, 245),
    "black": (25, 25, 25),
}
BACKGROUNDS = {
    "sand": (194, 170, 128),
    "sky": (150, 190, 215),
    "grass": (120, 160, 100),
    "gray": (128, 128, 128),
    "pink": (215, 165, 175),
}
TEXTURES = ["plain", "stripes", "checks", "noise"]
SIZES = {"small": (0.2, 0.28), "large": (0.34, 0.46)}


def shape_mask(shape, cx, cy, r, size=SIZE):
    """Boolean mask of a shape centred at (cx, cy) with half-extent r, in pixels."""
    y, x = np.mgrid[0:size, 0:size].astype(np.float32) + 0.5
    dx, dy = (x - cx) / r, (y - cy) / r
    if shape == "circle":
        return dx * dx + dy * dy <= 1
    if shape == "square":
        return (np.abs(dx) <= 0.85) & (np.abs(dy) <= 0.85)
    if shape == "ring":
        d = dx * dx + dy * dy
        return (d <= 1) & (d >= 0.45)
    if shape == "cross":
        return ((np.abs(dx) <= 0.32) & (np.abs(dy) <= 1)) | ((np.abs(dy) <= 0.32) & (np.abs(dx) <= 1))
    if shape == "triangle":
        return (dy <= 0.8) & (dy >= -1 + 1.8 * np.abs(dx) / 1.0 * 1.0) & (np.abs(dx) <= 1)
    if shape == "star":
        angle = np.arctan2(dy, dx) + math.pi / 2
        radius = np.sqrt(dx * dx + dy * dy)
        k = (angle % (2 * math.pi / 5)) / (2 * math.pi / 5)
        edge = 0.45 + 0.55 * np.abs(1 - 2 * k)
        return radius <= edge
    raise ValueError(shape)


def relation(a, b):
    """sg2im's rule (as app/domain/relations.ts): containment, else 45-degree cones of the centre displacement."""
    (ax0, ay0, ax1, ay1), (bx0, by0, bx1, by1) = a, b
    if ax0 <= bx0 and ay0 <= by0 and ax1 >= bx1 and ay1 >= by1:
        return "surrounding"
    if bx0 <= ax0 and by0 <= ay0 and bx1 >= ax1 and by1 >= ay1:
        return "inside"
    dx = (ax0 + ax1) / 2 - (bx0 + bx1) / 2
    dy = (ay0 + ay1) / 2 - (by0 + by1) / 2
    theta = math.atan2(dy, dx)
    if theta >= 3 * math.pi / 4 or theta <= -3 * math.pi / 4:
        return "left of"
    if theta < -math.pi / 4:
        return "above"
    if theta < math.pi / 4:
        return "right of"
    return "below"


PHRASES = {
    "left of": ["to the left of", "left of"],
    "right of": ["to the right of", "right of"],
    "above": ["above", "over"],
    "below": ["below", "under"],
}


def describe(obj, rng, article=True):
    words = [obj["size"], obj["color"], obj["shape"]] if rng.random() < 0.7 else [obj["color"], obj["shape"]]
    return ("a " if article else "") + " ".join(words)


def caption(objects, background, texture, rng):
    """Varied English: relation phrases between some pairs, lists, different openings and orders."""
    parts = []
    if len(objects) >= 2 and rng.random() < 0.8:
        a, b = rng.choice(len(objects), 2, replace=False)
        rel = relation(objects[a]["box"], objects[b]["box"])
        if rel in PHRASES:
            parts.append(f"{describe(objects[a], rng)} {rng.choice(PHRASES[rel])} {describe(objects[b], rng)}")
            rest = [o for i, o in enumerate(objects) if i not in (a, b)]
        else:
            rest = objects
    else:
        rest = objects
    parts += [describe(o, rng) for o in rest]
    order = rng.permutation(len(parts))
    text = " and ".join(parts[i] for i in order) if len(parts) <= 2 else ", ".join(parts[i] for i in order[:-1]) + " and " + parts[order[-1]]
    ground = f"{background} {texture} background" if texture != "plain" else f"{background} background"
    style = rng.integers(4)
    if style == 0:
        return f"{text} on a {ground}"
    if style == 1:
        return f"a {ground} with {text}"
    if style == 2:
        return f"{text}, {ground}"
    return text


def scene(index, seed=0):
    """Scene `index` of the world seeded `seed`: (image uint8 [SIZE, SIZE, 3], caption, truth)."""
    rng = np.random.default_rng([seed, index])
    background = rng.choice(list(BACKGROUNDS))
    texture = rng.choice(TEXTURES, p=[0.55, 0.15, 0.15, 0.15])
    base = np.array(BACKGROUNDS[background], np.float32)
    y, x = np.mgrid[0:SIZE, 0:SIZE]
    image = np.tile(base, (SIZE, SIZE, 1))
    if texture == "stripes":
        image[((x + y) // 6) % 2 == 0] *= 0.85
    elif texture == "checks":
        image[((x // 8) + (y // 8)) % 2 == 0] *= 0.85
    elif texture == "noise":
        image *= 1 + rng.normal(0, 0.05, (SIZE, SIZE, 1)).astype(np.float32)
    count = int(rng.integers(1, 5))
    colors = rng.choice(list(COLORS), count, replace=False)
    objects = []
    covered = np.zeros((SIZE, SIZE), bool)
    for i in range(count):
        # Partial overlaps only: a placement that would hide much of an object (or itself) is tried elsewhere, then skipped.
        for _ in range(20):
            size = rng.choice(list(SIZES))
            r = rng.uniform(*SIZES[size]) * SIZE / 2
            cx, cy = rng.uniform(r, SIZE - r), rng.uniform(r, SIZE - r)
            shape = rng.choice(SHAPES)
            mask = shape_mask(shape, cx, cy, r)
            if all((mask & o["mask"]).sum() <= 0.25 * o["mask"].sum() for o in objects) and (mask & covered).sum() <= 0.25 * mask.sum():
                break
        else:
            continue
        image[mask] = COLORS[colors[i]]
        covered |= mask
        ys, xs = np.nonzero(mask)
        box = (xs.min() / SIZE, ys.min() / SIZE, (xs.max() + 1) / SIZE, (ys.max() + 1) / SIZE)
        objects.append({"shape": str(shape), "color": str(colors[i]), "size": str(size), "box": box, "mask": mask})
    visible = np.zeros((SIZE, SIZE), bool)
    for o in reversed(objects):
        o["visible"] = o["mask"] & ~visible
        visible |= o["mask"]
    text = caption(objects, background, texture, rng)
    relations = [{"subject": i, "object": j, "predicate": relation(a["box"], b["box"])} for i, a in enumerate(objects) for j, b in enumerate(objects) if i != j]
    truth = {
        "background": str(background),
        "texture": str(texture),
        "objects": [{k: o[k] for k in ("shape", "color", "size", "box")} for o in objects],
        "relations": relations,
    }
    return np.clip(image, 0, 255).astype(np.uint8), text, truth, [o["visible"] for o in objects]
