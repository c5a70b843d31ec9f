"""Augmentation throughput (images/s): ``ImageDataGenerator.flow`` vs Keras 3's augmentation
layers and torchvision, and the cost of generating a batch against training on it (issue 13).

Each contender runs in its own fresh process (``bench.harness.run_peer``), one thread, in the
same run. Settings: Listing 5.11 / lesson 29 (rotation 40°, shifts 0.2, shear 0.2, zoom 0.2,
horizontal flip, fill 'nearest', rescale 1/255). Shapes: lesson 29's 28×28×1 (batch 20) and the
book's 150×150×3 (batch 20).

Goal (issue 13): generating a batch costs less than one training step on it
(``train_on_batch`` of lesson 29's convnet / Listing 5.13's at 150×150×3, measured in the pynet
process right after the generator).

    python -m bench.augmentation [--quick] [--write-results]
"""
from __future__ import annotations

import argparse
import os

from bench.harness import (Bench, Timing, load_average, parse_args as harness_parse_args,
                           results_dir, run_peer)

#: (height, width, channels), batch, what it is
SHAPES = [((28, 28, 1), 20, "lesson 29: Fashion-MNIST 28×28×1"),
          ((150, 150, 3), 20, "the book's cats vs dogs: 150×150×3")]


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer repeats, lesson shape only")
    args = harness_parse_args(parser, argv)
    repeat = 3 if args.quick else 5
    shapes = SHAPES[:1] if args.quick else SHAPES
    command = "python -m bench.augmentation" + (" --quick" if args.quick else "")
    load_before = load_average()
    lines = ["## Image augmentation throughput (issue 13)", "",
             "Each row in its own fresh process, one thread; images/s = batch / median seconds "
             "per batch. Goal: generating a batch costs less than training on it "
             "(ratio generate / train < 1).", ""]
    for i, (shape, batch, what) in enumerate(shapes):
        spec = {"shape": list(shape), "batch": batch, "repeat": repeat, "train": True}
        ours = run_peer("bench.peers.pynet_augment", spec, threads=1)
        keras = run_peer("bench.peers.keras_augment", dict(spec, shear=False), threads=1)
        keras_shear = run_peer("bench.peers.keras_augment", dict(spec, shear=True), threads=1)
        tv = run_peer("bench.peers.torchvision_augment", spec, threads=1)
        bench = Bench(f"augmentation_{i}", f"Augment one batch of {batch}, {what}", threads=1,
                      command=command)
        label = f"pynet ImageDataGenerator.flow ({ours['backend']} kernels)"
        bench.add(label, Timing.from_json(ours["generate"]), work=batch, work_unit="images/s",
                  note="one affine_transform per image")
        for peer, name in ((keras, "Keras 3 layers: rotation, translation, zoom, flip"),
                           (keras_shear, "Keras 3 layers, + RandomShear")):
            if "unavailable" in peer:
                bench.add(name, None, note=peer["unavailable"])
            else:
                bench.add(f"{name} (Keras {peer['version']}, torch backend)", peer["timing"],
                          work=batch, work_unit="images/s", note="one pass per layer, whole batch")
        if "unavailable" in tv:
            bench.add("torchvision v2 RandomAffine + RandomHorizontalFlip", None,
                      note=tv["unavailable"])
        else:
            bench.add(f"torchvision {tv['version']} v2 RandomAffine + RandomHorizontalFlip",
                      tv["timing"], work=batch, work_unit="images/s", note="per image")
        train = Timing.from_json(ours["train"])
        model = "lesson 29's convnet" if shape == (28, 28, 1) else "Listing 5.13's convnet"
        bench.add(f"pynet train_on_batch, {model} (same process)", train, work=batch,
                  work_unit="images/s", note="the goal's yardstick")
        bench.set_baseline(label)
        gen = Timing.from_json(ours["generate"])
        bench.notes.append(f"generate / train for one batch: {gen.median:.4g} s / "
                           f"{train.median:.4g} s = **{gen.median / train.median:.2f}** "
                           f"({'goal met' if gen.median < train.median else 'goal NOT met'}: "
                           "generating must cost less than training)")
        bench.notes.append("ratio column: pynet's seconds per batch / the row's (> 1 means "
                           "the row is faster than pynet's generator)")
        lines.append(bench.markdown())
    lines.append(f"- 1/5/15-minute load average: {load_before} before, {load_average()} after "
                 f"(the machine has {os.cpu_count()} cores and was shared with other work; all "
                 "rows ran in the same run, one thread each)")
    lines.append("- Keras 3's RandomShear factor is a shear intensity (a fraction), pynet's "
                 "shear_range=0.2 is in degrees (Keras 2.2+'s ImageDataGenerator), so the two are "
                 "not the same effect; the Keras rows with and without RandomShear bracket the "
                 "cost. Keras's layers each resample the whole batch (four or five passes), "
                 "pynet composes all effects into one affine map per image (one pass).")
    text = "\n".join(lines) + "\n"
    path = results_dir() / "augmentation.md"
    path.write_text(text)
    print(text)
    print(f"wrote {path}")
    return path


if __name__ == "__main__":
    main()
