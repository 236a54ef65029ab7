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
            if (!File.Exists(path)) throw new UsageException($"{path} does not exist; pass a .safetensors file.");
            var header = SafetensorsHeader.Read(path);
            Runtime.TorchRuntime.Initialize();
            var tensors = Safetensors.Load(path);
            try
            {
                var table = new Table().AddColumns("tensor", "dtype", "shape", "elements", "L2 norm");
                foreach (var e in header.Entries)
                {
                    using var t = tensors[e.Name].to_type(ScalarType.Float64);
                    table.AddRow(Markup.Escape(e.Name), e.DType, Markup.Escape($"[{string.Join(", ", e.Shape)}]"), t.numel().ToString(),
                        t.numel() == 0 ? "0" : linalg.vector_norm(t).item<double>().ToString("G6"));
                }
                AnsiConsole.Write(table);
                foreach (var (k, v) in header.Metadata) Console.WriteLine($"metadata {k} = {v}");
                return ExitCodes.Ok;
            }
            finally
            {
                foreach (var t in tensors.Values) t.Dispose();
            }
        });
        return cmd;
    }
}
