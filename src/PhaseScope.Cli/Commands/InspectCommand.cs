using System.Globalization;
using System.CommandLine;
using PhaseScope.Checkpoints;
using Spectre.Console;
using static TorchSharp.torch;

namespace PhaseScope.Cli.Commands;

/// <summary>
/// <c>phasescope inspect FILE.safetensors</c>: validates a checkpoint (PhaseScope's or PyTorch's) and
/// lists its tensors with dtype, shape and L2 norm.
/// </summary>
public static class InspectCommand
{
    /// <summary>Builds the command.</summary>
    public static Command Create()
    {
        var file = new Argument<string>("FILE") { Description = "A .safetensors checkpoint." };
        var cmd = new Command("inspect", "Validate a safetensors checkpoint and list its tensors.") { file };
        cmd.SetAction(p =>
        {
            var path = p.GetValue(file)!;
            if (Directory.Exists(path)) throw new UsageException($"{path} is a directory; pass a .safetensors file.");
            if (!File.Exists(path)) throw new UsageException($"{path} does not exist; pass a .safetensors file.");
            var header = SafetensorsHeader.Read(path);
            Runtime.TorchRuntime.Initialize();
            using var fs = SafetensorsHeader.OpenRead(path);
            var table = new Table().AddColumns("tensor", "dtype", "shape", "elements", "L2 norm");
            foreach (var e in header.Entries)   // one tensor in memory at a time
            {
                long elements = e.Shape.Aggregate(1L, (a, b) => a * b);
                string norm;
                if (e.End - e.Begin > Safetensors.MaxTensorBytes) norm = $"(not read: {e.End - e.Begin:N0} bytes > 2 GiB)";
                else
                {
                    using var raw = Safetensors.LoadTensor(fs, header, e, path);
                    using var t = raw.to_type(ScalarType.Float64);
                    norm = elements == 0 ? "0" : linalg.vector_norm(t).item<double>().ToString("G6", CultureInfo.InvariantCulture);
                }
                table.AddRow(Markup.Escape(Printable(e.Name)), e.DType, Markup.Escape($"[{string.Join(", ", e.Shape)}]"), elements.ToString(CultureInfo.InvariantCulture), Markup.Escape(norm));
            }
            AnsiConsole.Write(table);
            foreach (var (k, v) in header.Metadata) Console.WriteLine($"metadata {Printable(k)} = {Printable(v)}");
            return ExitCodes.Ok;
        });
        return cmd;
    }

    /// <summary>Control characters (an ANSI escape in <c>__metadata__</c> would restyle or clear the terminal) shown as <c>\uXXXX</c>.</summary>
    public static string Printable(string s) =>
        s.Any(char.IsControl) ? string.Concat(s.Select(c => char.IsControl(c) ? $"\\u{(int)c:x4}" : c.ToString())) : s;
}
