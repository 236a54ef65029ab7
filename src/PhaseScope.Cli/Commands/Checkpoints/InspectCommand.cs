using System.Globalization;
using System.CommandLine;
using PhaseScope.Checkpoints;
using Spectre.Console;
using static TorchSharp.torch;

namespace PhaseScope.Cli.Commands.Checkpoints;

/// <summary>
/// <c>phasescope inspect FILE</c>: validates a checkpoint — safetensors, or a PyTorch <c>.pt</c>/<c>.pth</c> state dict
/// (<c>torch.save</c>, zip or legacy format; the format is read from the content, <see cref="CheckpointFile"/>) — and lists
/// its tensors with dtype, shape and L2 norm, one tensor in memory at a time, then its format, where the state dict was found
/// (a training checkpoint's key) and its metadata.
/// </summary>
public static class InspectCommand
{
    /// <summary>Builds the command.</summary>
    public static Command Create()
    {
        var file = new Argument<string>("FILE") { Description = "A checkpoint: .safetensors, or a PyTorch .pt/.pth state dict." };
        var cmd = new Command("inspect", "Validate a checkpoint (safetensors or PyTorch .pt/.pth) and list its tensors.") { file };
        cmd.SetAction(p => CheckpointInput.Guard(() => Run(p.GetValue(file)!)));
        return cmd;
    }

    static int Run(string path)
    {
        InputPath.File(path, "", "pass a checkpoint file (.safetensors, .pt, .pth)");
        using var checkpoint = CheckpointInput.Open(path, "FILE");
        var index = checkpoint.Index;
        Runtime.TorchRuntime.Initialize();
        var table = new Table().AddColumns("tensor", "dtype", "shape", "elements", "L2 norm");
        foreach (var e in index.Entries)   // one tensor in memory at a time
        {
            long elements = e.Elements;
            string norm;
            if (e.Bytes > Safetensors.MaxTensorBytes) norm = $"(not read: {e.Bytes:N0} bytes > 2 GiB)";
            else
            {
                using var raw = checkpoint.Load(e.Name);
                using var t = raw.to_type(ScalarType.Float64);
                norm = elements == 0 ? "0" : linalg.vector_norm(t).item<double>().ToString("G6", System.Globalization.CultureInfo.InvariantCulture);
            }
            table.AddRow(TerminalText.Markup(e.Name), e.DType, TerminalText.Markup($"[{string.Join(", ", e.Shape)}]"), elements.ToString(System.Globalization.CultureInfo.InvariantCulture), TerminalText.Markup(norm));
        }
        AnsiConsole.Write(table);
        Console.WriteLine($"format {index.Format.Name()}");
        if (index.Note is not null) Console.WriteLine($"note {Printable(index.Note)}");
        foreach (var (k, v) in index.Metadata) Console.WriteLine($"metadata {Printable(k)} = {Printable(v)}");
        return ExitCodes.Ok;
    }

    /// <summary>Control characters and bidirectional overrides (an ANSI escape in <c>__metadata__</c> would restyle or clear the
    /// terminal) shown as visible escapes (<see cref="TerminalText"/>).</summary>
    public static string Printable(string s) => TerminalText.Plain(s);
}
