using static TorchSharp.torch;

namespace PhaseScope.Checkpoints;

/// <summary>The safetensors dtype names PhaseScope reads and writes, with their TorchSharp types and sizes.</summary>
public static class SafetensorsDType
{
    static readonly (string Name, ScalarType Type, int Size)[] Table =
    [
        ("F64", ScalarType.Float64, 8), ("F32", ScalarType.Float32, 4), ("F16", ScalarType.Float16, 2),
        ("BF16", ScalarType.BFloat16, 2), ("I64", ScalarType.Int64, 8), ("I32", ScalarType.Int32, 4),
        ("I16", ScalarType.Int16, 2), ("I8", ScalarType.Int8, 1), ("U8", ScalarType.Byte, 1), ("BOOL", ScalarType.Bool, 1),
    ];

    /// <summary>All supported names, for error messages.</summary>
    public static string Supported => string.Join(", ", Table.Select(t => t.Name));

    /// <summary>Looks up a dtype name; false when unsupported.</summary>
    public static bool TryParse(string name, out ScalarType type, out int size)
    {
        foreach (var t in Table)
            if (t.Name == name) { type = t.Type; size = t.Size; return true; }
        type = default;
        size = 0;
        return false;
    }

    /// <summary>Whether <paramref name="name"/> is a floating-point dtype (F64, F32, F16, BF16): parameters and gradients.</summary>
    public static bool IsFloatingPoint(string name) => name is "F64" or "F32" or "F16" or "BF16";

    /// <summary>The safetensors name of a TorchSharp type.</summary>
    public static string NameOf(ScalarType type) =>
        Table.FirstOrDefault(t => t.Type == type).Name
        ?? throw new ArgumentException($"dtype {type} cannot be stored in safetensors by PhaseScope; supported: {Supported}.");
}
