#!/usr/bin/env python3
"""Convert a zip-format PyTorch checkpoint into SOR's plain weight file, without torch.

Usage:  convert-torch-weights.py CHECKPOINT OUT.sorw [--state-dict-key state_dict]

A torch checkpoint is a zip holding `data.pkl` (a pickle that describes tensors) and `data/<key>` entries (raw
little-endian storages). This reads the pickle with a restricted Unpickler: tensors are rebuilt as
(storage key, offset, shape, stride), every other class becomes an inert placeholder, so nothing in the file is
executed. Float32 tensors are written out; integer bookkeeping (BatchNorm's num_batches_tracked) is dropped.

Output format (little-endian):
  b"SORW1\\n", uint32 header length, header (UTF-8 JSON: {"tensors": [{"name", "shape", "offset"}], "source"}),
  then float32 data; `offset` counts floats from the start of the data.
Standard library only: it runs on any Python 3 before the project's virtual environment exists.
"""

import collections
import hashlib
import json
import pickle
import struct
import sys
import zipfile
from array import array


class Placeholder:
    def __init__(self, *args, **kwargs):
        pass

    def __setstate__(self, state):
        pass


class TensorRef:
    def __init__(self, storage, offset, shape, stride):
        self.storage, self.offset, self.shape, self.stride = storage, offset, tuple(shape), tuple(stride)


class StorageRef:
    def __init__(self, type_name, key):
        self.type_name, self.key = type_name, key


def rebuild_tensor(storage, offset, shape, stride, *rest):
    return TensorRef(storage, offset, shape, stride)


class CheckpointUnpickler(pickle.Unpickler):
    def find_class(self, module, name):
        if name == "_rebuild_tensor_v2":
            return rebuild_tensor
        if module == "collections" and name == "OrderedDict":
            return collections.OrderedDict
        if module.startswith("torch") and name.endswith("Storage"):
            return name
        return Placeholder

    def persistent_load(self, pid):
        # ("storage", storage type, key, location, numel)
        type_name = pid[1] if isinstance(pid[1], str) else getattr(pid[1], "__name__", str(pid[1]))
        return StorageRef(type_name, pid[2])


def contiguous_strides(shape):
    strides, step = [], 1
    for size in reversed(shape):
        strides.insert(0, step)
        step *= size
    return tuple(strides)


def main(argv):
    if len(argv) < 3:
        sys.exit(__doc__)
    source, target = argv[1], argv[2]
    archive = zipfile.ZipFile(source)
    pickles = [name for name in archive.namelist() if name.endswith("/data.pkl")]
    if not pickles:
        sys.exit(f"error: {source}: not a zip-format torch checkpoint (no data.pkl)")
    root = pickles[0][: -len("data.pkl")]
    checkpoint = CheckpointUnpickler(archive.open(pickles[0])).load()
    state = checkpoint.get("state_dict", checkpoint) if isinstance(checkpoint, dict) else None
    if not isinstance(state, dict):
        sys.exit(f"error: {source}: no state dict found")

    storages = {}
    tensors, data = [], array("f")
    for name, value in state.items():
        if not isinstance(value, TensorRef) or value.storage.type_name != "FloatStorage":
            continue
        numel = 1
        for size in value.shape:
            numel *= size
        if numel > 1 and value.stride != contiguous_strides(value.shape):
            sys.exit(f"error: {source}: tensor {name} is not contiguous (stride {value.stride})")
        key = value.storage.key
        if key not in storages:
            raw = array("f")
            raw.frombytes(archive.read(f"{root}data/{key}"))
            if sys.byteorder != "little":
                raw.byteswap()
            storages[key] = raw
        tensors.append({"name": name, "shape": list(value.shape), "offset": len(data)})
        data.extend(storages[key][value.offset : value.offset + numel])

    digest = hashlib.sha256(open(source, "rb").read()).hexdigest()
    header = json.dumps({"tensors": tensors, "source": {"file": source.split("/")[-1], "sha256": digest}}).encode()
    with open(target + ".tmp", "wb") as out:
        out.write(b"SORW1\n")
        out.write(struct.pack("<I", len(header)))
        out.write(header)
        if sys.byteorder != "little":
            data.byteswap()
        out.write(data.tobytes())
    import os
    os.replace(target + ".tmp", target)
    print(f"{target}: {len(tensors)} tensors, {len(data)} parameters")


if __name__ == "__main__":
    main(sys.argv)
