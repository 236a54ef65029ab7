using System.Collections;
using Razorvine.Pickle;
using Razorvine.Pickle.Objects;

namespace PhaseScope.Checkpoints;

/// <summary>A storage that a pickled tensor points to: <c>torch.save</c>'s persistent id
/// <c>('storage', StorageType, key, location, numel[, view])</c>. Its bytes are read only when a tensor is loaded.</summary>
/// <param name="Key">The storage's key (the zip entry <c>data/KEY</c>, or its place among a legacy file's storages).</param>
/// <param name="DType">The safetensors dtype name of its elements.</param>
/// <param name="Elements">Its length in elements.</param>
internal sealed record TorchStorageRef(string Key, string DType, long Elements);

/// <summary>A pickled tensor (<c>torch._utils._rebuild_tensor_v2(storage, offset, size, stride, …)</c>): a strided view
/// of a storage, resolved to data only when loaded.</summary>
internal sealed record TorchTensorRef(TorchStorageRef Storage, long Offset, long[] Shape, long[] Stride);

/// <summary>A pickled <c>collections.OrderedDict</c> (a state dict): a dictionary; its <c>_metadata</c> attribute
/// (module versions) is set through <c>__setstate__</c> and not kept.</summary>
internal sealed class TorchPickledDict : Hashtable
{
    /// <summary>Called by the unpickler's BUILD with the dict's attributes.</summary>
    public void __setstate__(Hashtable state) { }
}

/// <summary>The constructors the unpickler calls for the classes a state dict names; anything else stays a
/// <see cref="ClassDict"/> (or fails to construct), which <see cref="TorchPickle"/> reports as "more than tensors".</summary>
internal static class TorchPickleConstructors
{
    static readonly Lock Gate = new();
    static bool registered;

    /// <summary>Registers the constructors once per process (the unpickler's table is process-wide).</summary>
    public static void EnsureRegistered()
    {
        lock (Gate)
        {
            if (registered) return;
            Unpickler.registerConstructor("torch._utils", "_rebuild_tensor_v2", new RebuildTensor());
            Unpickler.registerConstructor("torch._utils", "_rebuild_tensor", new RebuildTensor());
            Unpickler.registerConstructor("torch._utils", "_rebuild_parameter", new RebuildParameter());
            Unpickler.registerConstructor("collections", "OrderedDict", new NewDict());
            registered = true;
        }
    }

    /// <summary><c>_rebuild_tensor_v2(storage, storage_offset, size, stride, requires_grad, backward_hooks[, metadata])</c>.</summary>
    sealed class RebuildTensor : IObjectConstructor
    {
        public object construct(object[] args)
        {
            if (args.Length < 4 || args[0] is not TorchStorageRef storage)
                throw new PickleException("a tensor is rebuilt from something other than a storage");
            return new TorchTensorRef(storage, Convert.ToInt64(args[1], System.Globalization.CultureInfo.InvariantCulture), Longs(args[2]), Longs(args[3]));
        }

        static long[] Longs(object o) => o is object[] items
            ? items.Select(i => Convert.ToInt64(i, System.Globalization.CultureInfo.InvariantCulture)).ToArray()
            : throw new PickleException("a tensor's size or stride is not a tuple");
    }

    /// <summary><c>_rebuild_parameter(data, requires_grad, backward_hooks)</c>: an <c>nn.Parameter</c> is its tensor.</summary>
    sealed class RebuildParameter : IObjectConstructor
    {
        public object construct(object[] args) =>
            args.Length >= 1 && args[0] is TorchTensorRef t ? t : throw new PickleException("a parameter is rebuilt from something other than a tensor");
    }

    sealed class NewDict : IObjectConstructor
    {
        public object construct(object[] args) => new TorchPickledDict();
    }
}
