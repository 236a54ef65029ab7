using System.Globalization;
using System.CommandLine;
using System.Text.Json;
using PhaseScope.Reporting.Store;
using Spectre.Console;

namespace PhaseScope.Cli.Commands.Runs;

/// <summary><c>phasescope runs [DIR]</c>: lists the runs under a directory.</summary>
public static class RunsCommand
{
    /// <summary>Builds the command.</summary>
    public static Command Create()
    {
        var dir = new Argument<string>("DIR") { Description = "Directory holding run directories.", DefaultValueFactory = _ => "runs" };
        var cmd = new Command("runs", "List the runs under a directory (default: runs/).") { dir };
        cmd.SetAction(p => Run(p.GetValue(dir)!));
        return cmd;
    }

    static int Run(string dir)
    {
        InputPath.Directory(dir, "", "pass the directory given as --out to 'phasescope grok' (it holds run directories)");
        var table = new Table().AddColumns("run", "kind", "status", "created (UTC)", "steps", "grokked", "grok step", "test acc");
        int n = 0;
        foreach (var sub in Directory.EnumerateDirectories(dir).Where(RunReader.IsRun).Order(StringComparer.Ordinal))
        {
            try
            {
                using var r = RunReader.Open(sub);
                var info = r.Info();
                string steps = "", grokked = "", grokStep = "", acc = "";
                JsonDocument? summary = null;
                try { summary = info.SummaryJson is null ? null : JsonDocument.Parse(info.SummaryJson); }
                catch (JsonException) { acc = "[red]summary unreadable[/]"; }   // an unreadable summary still lists the run, and the others
                if (summary is not null)
                {
                    using var s = summary;
                    var o = s.RootElement;
                    steps = Get(o, "steps");
                    grokked = Get(o, "grokked");
                    grokStep = Get(o, "grok_step");
                    acc = o.TryGetProperty("final_test_acc", out var a) && a.ValueKind == JsonValueKind.Number ? a.GetDouble().ToString("F4", CultureInfo.InvariantCulture) : "";
                }
                table.AddRow(TerminalText.Markup(Path.GetFileName(sub)), TerminalText.Markup(info.Kind), TerminalText.Markup(info.Status),
                    TerminalText.Markup(info.CreatedUtc.Length > 19 ? info.CreatedUtc[..19] : info.CreatedUtc), TerminalText.Markup(steps), TerminalText.Markup(grokked), TerminalText.Markup(grokStep), acc);
            }
            catch (RunStoreException e)
            {
                table.AddRow(TerminalText.Markup(Path.GetFileName(sub)), "", "[red]unreadable[/]", TerminalText.Markup(e.Message), "", "", "", "");
            }
            n++;
        }
        if (n == 0) Console.WriteLine($"No runs in {TerminalText.Plain(dir)}.");
        else AnsiConsole.Write(table);
        return ExitCodes.Ok;
    }

    static string Get(JsonElement o, string name) =>
        o.TryGetProperty(name, out var v) ? v.ValueKind switch
        {
            JsonValueKind.Null => "-",
            JsonValueKind.True => "yes",
            JsonValueKind.False => "no",
            _ => v.ToString(),
        } : "";
}
