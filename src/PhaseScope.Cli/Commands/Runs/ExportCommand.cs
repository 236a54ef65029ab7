using System.CommandLine;
using PhaseScope.Cli.Options;
using PhaseScope.Reporting.Outputs.Export;
using PhaseScope.Reporting.Store;

namespace PhaseScope.Cli.Commands.Runs;

/// <summary><c>phasescope export RUN --csv|--parquet</c>: writes a run's metrics and events as files whose rows name the run
/// (<see cref="RunIdentity"/>), so many runs' exports concatenate.</summary>
public static class ExportCommand
{
    /// <summary>Builds the command.</summary>
    public static Command Create()
    {
        var run = new Argument<string>("RUN") { Description = "A run directory." };
        var csv = new Option<bool>("--csv") { Description = "Write metrics.csv (run, fingerprint, step, name, value, wall_time) and events.csv." };
        var parquet = new Option<bool>("--parquet") { Description = "Write metrics.parquet (run, fingerprint, step, name, value, wall_time) and events.parquet, with the run's name, fingerprint, config, settings and summary in the file metadata." };
        var outDir = new Option<string?>("--out") { Description = "Folder for the files (default: the run directory)." };
        var cmd = new Command("export", "Export a run's metrics and events.") { run, csv, parquet, outDir };
        var check = CheckMode.AddTo(cmd);
        cmd.SetAction(p =>
        {
            var dir = p.GetValue(run)!;
            if (!p.GetValue(csv) && !p.GetValue(parquet)) throw new UsageException("Choose an export format: --csv and/or --parquet.");
            using var reader = RunReader.Open(dir);
            var target = p.GetValue(outDir) ?? dir;
            OutputGuard.Directory(target, "--out", ownRuns: [dir],
                files: [.. p.GetValue(csv) ? CsvExport.FileNames : [], .. p.GetValue(parquet) ? ParquetExport.FileNames : []]);
            if (p.GetValue(check)) return CheckMode.Print(CheckMode.Values(p));
            using var read = reader.ConsistentRead();   // both formats from one snapshot of a run still being written
            using var staged = new StagedOutput(target);   // all files or none: a failure part way leaves the folder as it was
            if (p.GetValue(csv)) CsvExport.Write(reader, staged.Folder);
            if (p.GetValue(parquet)) ParquetExport.Write(reader, staged.Folder);
            foreach (var path in staged.Commit()) Console.WriteLine(TerminalText.Plain(path));
            return ExitCodes.Ok;
        });
        return cmd;
    }
}
